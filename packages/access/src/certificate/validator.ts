// The operator's check of an APP software's TLS client certificate, the counterpart of the PSC
// token validator for SASL EXTERNAL (domain reference §5, our choice): issued by the trust
// space's CA, within its validity, for client authentication, naming exactly one mailbox, and
// not on the CA's revocation list. The TLS handshake has already proved that the client holds
// the certificate's key; the listeners ask for a certificate without letting TLS refuse one, so
// that the refusal is a protocol reply that says why, not a reset connection.

import { X509Certificate } from 'node:crypto';

export type CertificateErrorCode =
  | 'no-certificate'
  | 'untrusted'
  | 'not-yet-valid'
  | 'expired'
  | 'wrong-purpose'
  | 'no-mailbox'
  | 'several-mailboxes'
  | 'revoked'
  | 'revocation-unknown';

/** What a refused certificate is told (short, the vendor's to fix; nothing secret in it). */
export const CERTIFICATE_ERROR_TEXT: Record<CertificateErrorCode, string> = {
  'no-certificate': 'no TLS client certificate was presented',
  untrusted: 'the client certificate is not issued by the MSSante trust space CA',
  'not-yet-valid': 'the client certificate is not valid yet',
  expired: 'the client certificate has expired',
  'wrong-purpose': 'the client certificate is not for client authentication',
  'no-mailbox': 'the client certificate names no mailbox (subject alternative name rfc822Name)',
  'several-mailboxes': 'the client certificate names more than one mailbox',
  revoked: 'the client certificate has been revoked',
  'revocation-unknown': 'the revocation list of the trust space is not available',
};

export class CertificateError extends Error {
  override readonly name = 'CertificateError';
  readonly code: CertificateErrorCode;
  /** The serial of the certificate refused, when there was one (the audit's principal). */
  readonly serial: string | null;

  constructor(code: CertificateErrorCode, serial: string | null) {
    super(CERTIFICATE_ERROR_TEXT[code]);
    this.code = code;
    this.serial = serial;
  }
}

export interface ValidatedCertificate {
  /** Upper-case hexadecimal, as openssl prints it: the principal in the audit trail. */
  serial: string;
  /** The APP mailbox the certificate names (its one SAN rfc822Name), lower case. */
  mailbox: string;
  /** The software's name (subject CN), for logs. */
  commonName: string | undefined;
  notAfter: Date;
  fingerprint256: string;
}

/** Where revocations come from (the operator's copy of the CA's CRL). */
export interface RevocationSource {
  status(serial: string): 'good' | 'revoked' | 'unknown';
}

export interface CertificateValidatorConfig {
  /** The trust space CA (PEM): client certificates must be issued and signed by it. */
  caCertPem: string;
  revocations: RevocationSource;
  /** The clock (tests). */
  now?: () => Date;
}

export interface CertificateValidator {
  /** The certificate's identity, or a CertificateError saying why it is refused. */
  validate(cert: X509Certificate | undefined): ValidatedCertificate;
}

const OID_CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

export function createCertificateValidator(config: CertificateValidatorConfig): CertificateValidator {
  const ca = new X509Certificate(config.caCertPem);
  const now = config.now ?? (() => new Date());
  return {
    validate(cert) {
      if (!cert) throw new CertificateError('no-certificate', null);
      const serial = normalSerial(cert.serialNumber);
      // RFC 5280 §6.1.3 (a): signature and issuer name; a CA certificate is no client.
      if (cert.ca || !cert.checkIssued(ca) || !cert.verify(ca.publicKey)) throw new CertificateError('untrusted', serial);
      const t = now().getTime();
      if (t < cert.validFromDate.getTime()) throw new CertificateError('not-yet-valid', serial);
      if (t > cert.validToDate.getTime()) throw new CertificateError('expired', serial);
      // RFC 5280 §4.2.1.12: when the extension is present, the purpose must be in it.
      const eku = cert.keyUsage;
      if (eku !== undefined && !eku.includes(OID_CLIENT_AUTH)) throw new CertificateError('wrong-purpose', serial);
      const mailboxes = sanEmails(cert.subjectAltName);
      if (mailboxes.length === 0) throw new CertificateError('no-mailbox', serial);
      if (mailboxes.length > 1) throw new CertificateError('several-mailboxes', serial);
      const revocation = config.revocations.status(serial);
      if (revocation === 'revoked') throw new CertificateError('revoked', serial);
      // Fail closed: without a CRL, a revoked certificate cannot be told from a good one.
      if (revocation === 'unknown') throw new CertificateError('revocation-unknown', serial);
      return {
        serial,
        mailbox: mailboxes[0]!,
        commonName: commonNameOf(cert.subject),
        notAfter: cert.validToDate,
        fingerprint256: cert.fingerprint256,
      };
    },
  };
}

function normalSerial(hex: string): string {
  return hex.replace(/^0+(?=.)/, '').toUpperCase();
}

/**
 * The rfc822Name entries of Node's subjectAltName text (`email:a@b, DNS:x`). Node writes a value
 * that contains a separator or a quote as a JSON string (`email:"a,b@c"`), so those are decoded
 * rather than split.
 */
export function sanEmails(subjectAltName: string | undefined): string[] {
  if (!subjectAltName) return [];
  const out: string[] = [];
  const re = /(?:^|, )([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)/g;
  for (let m = re.exec(subjectAltName); m; m = re.exec(subjectAltName)) {
    if (m[1] !== 'email') continue;
    const raw = m[2]!;
    out.push((raw.startsWith('"') ? (JSON.parse(raw) as string) : raw).toLowerCase());
  }
  return out;
}

function commonNameOf(subject: string): string | undefined {
  for (const line of subject.split('\n')) if (line.startsWith('CN=')) return line.slice(3);
  return undefined;
}
