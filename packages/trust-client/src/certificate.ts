// What an operator reads from a certificate of the trust space: its profile, names and purposes,
// and which operator domain it speaks for. The test PKI (stand-ins/trust) issues certificates with
// the same profiles; IGC-Santé's real ones are told apart by policy, ours by the OU below.

import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate as NodeX509Certificate, webcrypto } from 'node:crypto';
import { MssError } from '@mss/runtime';
import { isHostname } from './names.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export const OID_SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
export const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/**
 * The organisational unit tells our certificate profiles apart (the real IGC-Santé does it with
 * certificate policies; these values are ours).
 */
export const CERTIFICATE_PROFILE_OU = {
  server: 'Serveur MSSante',
  operator: 'Operateur MSSante',
  app: 'Application MSSante',
} as const;

export type CertificateKind = 'ca' | 'server' | 'operator' | 'app' | 'unknown';

/** PEM text, DER bytes, or what `tlsSocket.getPeerX509Certificate()` returns. */
export type CertificateInput = string | Uint8Array | NodeX509Certificate;

export interface CertificateInfo {
  subject: string;
  issuer: string;
  commonName: string | undefined;
  kind: CertificateKind;
  serialNumber: string;
  dnsNames: string[];
  ipAddresses: string[];
  /** SAN rfc822Name entries: the mailbox of an APP certificate. */
  emails: string[];
  /** `serverAuth`, `clientAuth`, or the OID of any other purpose. */
  extendedKeyUsage: string[];
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the DER, colon-separated hex (as `openssl x509 -fingerprint -sha256`). */
  fingerprint256: string;
}

export function describeCertificate(cert: CertificateInput): CertificateInfo {
  let nodeCert: NodeX509Certificate;
  try {
    nodeCert = toNodeCertificate(cert);
  } catch (err) {
    throw new MssError('TRUST_CERT_INVALID', 'not a certificate (PEM or DER expected)', { cause: err });
  }
  const parsed = new x509.X509Certificate(new Uint8Array(nodeCert.raw));
  const san = parsed.getExtension(x509.SubjectAlternativeNameExtension);
  const names = san ? Array.from(san.names.items) : [];
  const eku = parsed.getExtension(x509.ExtendedKeyUsageExtension);
  const ou = parsed.subjectName.getField('OU');
  let kind: CertificateKind = 'unknown';
  if (nodeCert.ca) kind = 'ca';
  else if (ou.includes(CERTIFICATE_PROFILE_OU.server)) kind = 'server';
  else if (ou.includes(CERTIFICATE_PROFILE_OU.operator)) kind = 'operator';
  else if (ou.includes(CERTIFICATE_PROFILE_OU.app)) kind = 'app';
  return {
    subject: parsed.subject,
    issuer: parsed.issuer,
    commonName: parsed.subjectName.getField('CN')[0],
    kind,
    serialNumber: parsed.serialNumber,
    dnsNames: names.filter((n) => n.type === 'dns').map((n) => n.value.toLowerCase()),
    ipAddresses: names.filter((n) => n.type === 'ip').map((n) => n.value),
    emails: names.filter((n) => n.type === 'email').map((n) => n.value.toLowerCase()),
    extendedKeyUsage: eku ? Array.from(eku.usages, (u) => usageName(String(u))) : [],
    notBefore: nodeCert.validFromDate,
    notAfter: nodeCert.validToDate,
    fingerprint256: nodeCert.fingerprint256,
  };
}

export function operatorOfCertificate(cert: CertificateInput): string | undefined {
  const info = describeCertificate(cert);
  if (info.kind === 'ca') return undefined;
  const mailbox = info.emails[0];
  if (mailbox) return mailbox.slice(mailbox.lastIndexOf('@') + 1);
  const cn = info.commonName?.toLowerCase();
  if (cn && isHostname(cn) && cn !== 'localhost') return cn;
  return info.dnsNames.find((n) => n !== 'localhost');
}

export function toNodeCertificate(cert: CertificateInput): NodeX509Certificate {
  if (cert instanceof NodeX509Certificate) return cert;
  if (typeof cert === 'string') {
    // A bundle (leaf first, as TLS sends it) is judged by its leaf.
    const first = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/.exec(cert);
    return new NodeX509Certificate(first ? first[0] : cert);
  }
  return new NodeX509Certificate(cert);
}

export function usageName(oid: string): string {
  if (oid === OID_SERVER_AUTH) return 'serverAuth';
  if (oid === OID_CLIENT_AUTH) return 'clientAuth';
  return oid;
}
