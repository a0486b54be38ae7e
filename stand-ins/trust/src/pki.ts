// The test PKI playing IGC-Santé, the health PKI that issues the certificates operators use
// for mutual TLS between them. One root CA signs the end-entity certificates directly (the
// real IGC-Santé has intermediate authorities under its roots; one level is enough for a
// closed sandbox, and every consumer then needs only `ca: [caCertPem]`).
//
// Keys are ECDSA P-256: fast to generate at first start, accepted by Node's TLS, by OpenSSL and
// by the Debian tools the SMTP tests use (swaks, openssl s_client).
//
// Layout of the directory (private keys 0600, the directory 0700):
//   ca/ca.pem, ca/ca.key.pem                    the root, created once and then only loaded
//   servers/<name>.pem, servers/<name>.key.pem  per operator, serverAuth + clientAuth
//   clients/<kind>-<name>.pem, ….key.pem        operator (clientAuth) or APP mailbox certificates
//   revoked.json                                the certificates the CA has revoked (its CRL's source)

import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import fs from 'node:fs/promises';
import path from 'node:path';
import { isIP } from 'node:net';
import { X509Certificate as NodeX509Certificate, createHash, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { MssError, readIfExists, writeFileAtomic } from '@mss/runtime';
import {
  CERTIFICATE_PROFILE_OU,
  OID_CLIENT_AUTH,
  OID_SERVER_AUTH,
  describeCertificate,
  isHostname,
  operatorOfCertificate,
  toNodeCertificate,
  usageName,
  type CertificateInfo,
  type CertificateInput,
} from '@mss/trust-client';
import { RevocationRegistry, type CrlDocument, type RevocationReason, type RevocationResult, type RevokedEntry } from './revocation.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

export const CA_COMMON_NAME = 'AC RACINE IGC-SANTE TEST (mss-operator sandbox)';
const ORGANISATION = 'mss-operator sandbox';
const CA_YEARS = 10;
const DEFAULT_DAYS = 365;
const MAX_DAYS = 3650;
/** Certificates start a little in the past, so that a peer whose clock lags still accepts them. */
const BACKDATE_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface IssuedCertificate {
  certPem: string;
  /** PKCS#8 PEM. */
  keyPem: string;
}

export interface ServerCertificateRequest {
  /** The operator's main domain, e.g. `operateur-a.mssante.fr`; added to the DNS names. */
  commonName: string;
  /** Every host name the operator's listeners answer as (its mail domains, `localhost`…). */
  dnsNames: string[];
  /** Default `['127.0.0.1', '::1']`: the sandbox connects by address, without DNS. */
  ipAddresses?: string[];
  days?: number;
  /** Issue as if it were this date (tests of expiry); default the PKI's clock. */
  now?: Date;
}

export interface ClientCertificateRequest {
  /** Operator: its main domain. APP: a name for the software (e.g. `Automate labo CH X`). */
  commonName: string;
  kind: 'operator' | 'app';
  /** Required for `app`: the APP mailbox the software opens, put in a SAN rfc822Name. */
  mailbox?: string;
  days?: number;
  now?: Date;
}

export type ChainCheck = { ok: true; info: CertificateInfo } | { ok: false; reason: string };

export interface VerifyOptions {
  /** Validity is judged at this date (default the PKI's clock). */
  at?: Date;
  /** Also require the matching extended key usage. */
  purpose?: 'server' | 'client';
}

export interface Pki {
  readonly dir: string;
  readonly caCertPem: string;
  issueServerCertificate(request: ServerCertificateRequest): Promise<IssuedCertificate>;
  issueClientCertificate(request: ClientCertificateRequest): Promise<IssuedCertificate>;
  /** Whether the certificate was issued by this CA and is valid now (and fit for `purpose`). */
  verifyChain(cert: CertificateInput, options?: VerifyOptions): ChainCheck;
  describe(cert: CertificateInput): CertificateInfo;
  /**
   * The operator domain a certificate speaks for: the APP mailbox's domain, else the common
   * name when it is a host name, else the first DNS name. Only meaningful once the chain has
   * been verified (by the TLS handshake or `verifyChain`).
   */
  operatorOf(cert: CertificateInput): string | undefined;
  /** The root as a degenerate PKCS#7 SignedData (DER), the shape of IGC-Santé's `.p7b` bundles. */
  chainP7b(): Uint8Array;
  /** Adds a serial to the revocation list (idempotent: a second call keeps the first date). */
  revoke(serial: string, reason?: RevocationReason): Promise<RevocationResult>;
  /** The revoked certificates, oldest first. */
  revocations(): Promise<RevokedEntry[]>;
  /** The CRL (RFC 5280 §5) of the current revocation list, signed by the CA. */
  crl(): Promise<CrlDocument>;
}

export interface PkiOptions {
  /** A fixed clock, for tests; default the real time at each use. */
  now?: Date;
}

export async function loadOrCreatePki(dir: string, options: PkiOptions = {}): Promise<Pki> {
  const root = path.resolve(dir);
  const clock = (): Date => options.now ?? new Date();
  await fs.mkdir(root, { recursive: true, mode: 0o700 });
  const ca = (await loadCa(root, clock())) ?? (await createCa(root, clock()));
  return new TestPki(root, ca, clock);
}

interface LoadedCa {
  certPem: string;
  cert: x509.X509Certificate;
  nodeCert: NodeX509Certificate;
  signingKey: webcrypto.CryptoKey;
}

const caDir = (root: string): string => path.join(root, 'ca');

async function loadCa(root: string, now: Date): Promise<LoadedCa | undefined> {
  const certFile = path.join(caDir(root), 'ca.pem');
  const keyFile = path.join(caDir(root), 'ca.key.pem');
  const [certPem, keyPem] = await Promise.all([readIfExists(certFile), readIfExists(keyFile)]);
  if (certPem === undefined && keyPem === undefined) return undefined;
  const corrupt = (why: string): MssError =>
    new MssError(
      'TRUST_PKI_CORRUPT',
      `the test CA in ${caDir(root)} is unusable (${why}); delete ${root} to create a new one (every certificate it issued must then be reissued)`,
    );
  if (certPem === undefined || keyPem === undefined) throw corrupt(certPem === undefined ? 'ca.pem is missing' : 'ca.key.pem is missing');
  let nodeCert: NodeX509Certificate;
  let signingKey: webcrypto.CryptoKey;
  try {
    nodeCert = new NodeX509Certificate(certPem);
    const keyObject = createPrivateKey(keyPem);
    if (!nodeCert.checkPrivateKey(keyObject)) throw corrupt('the key does not match the certificate');
    signingKey = await webcrypto.subtle.importKey('pkcs8', keyObject.export({ type: 'pkcs8', format: 'der' }), KEY_ALGORITHM, false, [
      'sign',
    ]);
  } catch (err) {
    if (err instanceof MssError) throw err;
    throw corrupt(err instanceof Error ? err.message : String(err));
  }
  if (!nodeCert.ca) throw corrupt('ca.pem is not a CA certificate');
  if (nodeCert.validToDate.getTime() <= now.getTime()) throw corrupt(`it expired on ${nodeCert.validToDate.toISOString()}`);
  return { certPem, cert: new x509.X509Certificate(certPem), nodeCert, signingKey };
}

async function createCa(root: string, now: Date): Promise<LoadedCa> {
  const keys = (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CA_YEARS);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ C: ['FR'] }, { O: [ORGANISATION] }, { CN: [CA_COMMON_NAME] }],
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter,
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      // pathLength 0: this root signs end entities only, as documented above.
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certPem = cert.toString('pem') + '\n';
  const keyPem = await exportPrivateKey(keys.privateKey);

  // Built aside and renamed into place in one step: two processes starting together on an empty
  // directory cannot end up with the certificate of one and the key of the other.
  const staging = path.join(root, `.ca-${process.pid}-${randomBytes(4).toString('hex')}`);
  await fs.mkdir(staging, { mode: 0o700 });
  try {
    await writeFileAtomic(path.join(staging, 'ca.key.pem'), keyPem, 0o600);
    await writeFileAtomic(path.join(staging, 'ca.pem'), certPem);
    try {
      await fs.rename(staging, caDir(root));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      const other = await loadCa(root, now);
      if (!other)
        throw new MssError(
          'TRUST_PKI_CORRUPT',
          `cannot create the test CA: ${caDir(root)} holds other files but no CA; move them away or delete ${root}`,
          { cause: err },
        );
      return other;
    }
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
  const signingKey = await webcrypto.subtle.importKey('pkcs8', pemBody(keyPem), KEY_ALGORITHM, false, ['sign']);
  return { certPem, cert, nodeCert: new NodeX509Certificate(certPem), signingKey };
}

class TestPki implements Pki {
  readonly dir: string;
  readonly caCertPem: string;
  private readonly ca: LoadedCa;
  private readonly clock: () => Date;
  private readonly revoked: RevocationRegistry;
  /** Issuance is serialised: two requests for the same name must not race on its files. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(dir: string, ca: LoadedCa, clock: () => Date) {
    this.dir = dir;
    this.ca = ca;
    this.caCertPem = ca.certPem;
    this.clock = clock;
    this.revoked = new RevocationRegistry(dir, ca, clock);
  }

  async issueServerCertificate(request: ServerCertificateRequest): Promise<IssuedCertificate> {
    const commonName = requireCommonName(request.commonName);
    const dnsNames = uniqueLower([...(isHostname(commonName) ? [commonName] : []), ...(request.dnsNames ?? [])]);
    for (const name of dnsNames) {
      if (!isHostname(name))
        throw new MssError('TRUST_CERT_REQUEST_INVALID', `"${name}" is not a DNS name (server certificate for ${commonName})`);
    }
    if (dnsNames.length === 0)
      throw new MssError('TRUST_CERT_REQUEST_INVALID', `a server certificate needs at least one DNS name (${commonName})`);
    const ipAddresses = (request.ipAddresses ?? ['127.0.0.1', '::1']).map((ip) => {
      if (isIP(ip) === 0)
        throw new MssError('TRUST_CERT_REQUEST_INVALID', `"${ip}" is not an IP address (server certificate for ${commonName})`);
      return ip;
    });
    return this.issue({
      file: path.join(this.dir, 'servers', fileName(commonName)),
      commonName,
      kind: 'server',
      dnsNames,
      ipAddresses,
      emails: [],
      // Operators present the same certificate when they connect to each other.
      usages: [OID_SERVER_AUTH, OID_CLIENT_AUTH],
      days: requireDays(request.days),
      now: request.now ?? this.clock(),
    });
  }

  async issueClientCertificate(request: ClientCertificateRequest): Promise<IssuedCertificate> {
    const commonName = requireCommonName(request.commonName);
    if (request.kind === 'app') {
      const mailbox = request.mailbox?.trim().toLowerCase();
      if (!mailbox || !isMailbox(mailbox)) {
        throw new MssError(
          'TRUST_CERT_REQUEST_INVALID',
          `an APP certificate needs the mailbox address it opens (got ${JSON.stringify(request.mailbox ?? null)})`,
        );
      }
      return this.issue({
        file: path.join(this.dir, 'clients', `app-${fileName(mailbox)}`),
        commonName,
        kind: 'app',
        dnsNames: [],
        ipAddresses: [],
        emails: [mailbox],
        usages: [OID_CLIENT_AUTH],
        days: requireDays(request.days),
        now: request.now ?? this.clock(),
      });
    }
    if (request.kind !== 'operator')
      throw new MssError('TRUST_CERT_REQUEST_INVALID', `unknown client certificate kind ${JSON.stringify(request.kind)} (operator or app)`);
    if (request.mailbox !== undefined)
      throw new MssError('TRUST_CERT_REQUEST_INVALID', 'an operator certificate names no mailbox (use kind "app")');
    const domain = commonName.toLowerCase();
    if (!isHostname(domain))
      throw new MssError(
        'TRUST_CERT_REQUEST_INVALID',
        `an operator certificate is named after the operator's domain ("${commonName}" is not a DNS name)`,
      );
    return this.issue({
      file: path.join(this.dir, 'clients', `operator-${fileName(domain)}`),
      commonName: domain,
      kind: 'operator',
      dnsNames: [domain],
      ipAddresses: [],
      emails: [],
      usages: [OID_CLIENT_AUTH],
      days: requireDays(request.days),
      now: request.now ?? this.clock(),
    });
  }

  verifyChain(cert: CertificateInput, options: VerifyOptions = {}): ChainCheck {
    let nodeCert: NodeX509Certificate;
    try {
      nodeCert = toNodeCertificate(cert);
    } catch {
      return { ok: false, reason: 'not a certificate (PEM or DER expected)' };
    }
    if (nodeCert.fingerprint256 === this.ca.nodeCert.fingerprint256)
      return { ok: false, reason: 'this is the CA certificate itself, not an end entity' };
    if (!nodeCert.checkIssued(this.ca.nodeCert) || !nodeCert.verify(this.ca.nodeCert.publicKey)) {
      return { ok: false, reason: `not issued by ${CA_COMMON_NAME} (issuer: ${nodeCert.issuer.replaceAll('\n', ', ')})` };
    }
    const at = options.at ?? this.clock();
    if (at.getTime() < nodeCert.validFromDate.getTime())
      return { ok: false, reason: `not valid before ${nodeCert.validFromDate.toISOString()}` };
    if (at.getTime() > nodeCert.validToDate.getTime()) return { ok: false, reason: `expired on ${nodeCert.validToDate.toISOString()}` };
    const info = describeCertificate(nodeCert);
    if (options.purpose) {
      const wanted = options.purpose === 'server' ? 'serverAuth' : 'clientAuth';
      if (!info.extendedKeyUsage.includes(wanted))
        return { ok: false, reason: `not issued for ${wanted} (has ${info.extendedKeyUsage.join(', ') || 'no extended key usage'})` };
    }
    return { ok: true, info };
  }

  describe(cert: CertificateInput): CertificateInfo {
    return describeCertificate(cert);
  }

  operatorOf(cert: CertificateInput): string | undefined {
    return operatorOfCertificate(cert);
  }

  chainP7b(): Uint8Array {
    return new Uint8Array(new x509.X509Certificates([this.ca.cert]).export('raw'));
  }

  revoke(serial: string, reason?: RevocationReason): Promise<RevocationResult> {
    return this.revoked.revoke(serial, reason);
  }

  revocations(): Promise<RevokedEntry[]> {
    return this.revoked.list();
  }

  crl(): Promise<CrlDocument> {
    return this.revoked.crl();
  }

  private issue(spec: IssueSpec): Promise<IssuedCertificate> {
    const run = this.queue.then(() => this.issueNow(spec));
    this.queue = run.catch(() => {});
    return run;
  }

  private async issueNow(spec: IssueSpec): Promise<IssuedCertificate> {
    const certFile = `${spec.file}.pem`;
    const keyFile = `${spec.file}.key.pem`;
    const reused = await this.reusable(certFile, keyFile, spec);
    if (reused) return reused;

    const keys = (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const names: x509.JsonGeneralName[] = [
      ...spec.dnsNames.map((value) => ({ type: 'dns' as const, value })),
      ...spec.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
      ...spec.emails.map((value) => ({ type: 'email' as const, value })),
    ];
    const caKeyId = this.ca.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: [{ C: ['FR'] }, { O: [ORGANISATION] }, { OU: [CERTIFICATE_PROFILE_OU[spec.kind]] }, { CN: [spec.commonName] }],
      // The CA's own encoded name, so that issuer and subject match byte for byte.
      issuer: this.ca.cert.subjectName,
      notBefore: new Date(spec.now.getTime() - BACKDATE_MS),
      notAfter: new Date(spec.now.getTime() + spec.days * DAY_MS),
      publicKey: keys.publicKey,
      signingKey: this.ca.signingKey,
      signingAlgorithm: SIGNING_ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension(spec.usages, false),
        new x509.SubjectAlternativeNameExtension(names, false),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        ...(caKeyId ? [new x509.AuthorityKeyIdentifierExtension(caKeyId)] : []),
      ],
    });
    const issued = { certPem: cert.toString('pem') + '\n', keyPem: await exportPrivateKey(keys.privateKey) };
    // Key first: a reader that sees the new certificate finds its key; the reverse order could
    // pair a new certificate with the old key (caught by `reusable`, but then reissued).
    await writeFileAtomic(keyFile, issued.keyPem, 0o600);
    await writeFileAtomic(certFile, issued.certPem);
    return issued;
  }

  /**
   * The certificate already on disk for this name, when it is still what was asked for: same
   * CA, same names and purposes, its key beside it, about the same lifetime, comfortably
   * inside its validity (a certificate in its last fifth is renewed), and not revoked.
   */
  private async reusable(certFile: string, keyFile: string, spec: IssueSpec): Promise<IssuedCertificate | undefined> {
    const [certPem, keyPem] = await Promise.all([readIfExists(certFile), readIfExists(keyFile)]);
    if (certPem === undefined || keyPem === undefined) return undefined;
    try {
      const nodeCert = new NodeX509Certificate(certPem);
      if (!nodeCert.checkIssued(this.ca.nodeCert) || !nodeCert.verify(this.ca.nodeCert.publicKey)) return undefined;
      if (!nodeCert.checkPrivateKey(createPrivateKey(keyPem))) return undefined;
      const info = describeCertificate(nodeCert);
      const same = (a: string[], b: string[]): boolean => a.length === b.length && [...a].sort().every((v, i) => v === [...b].sort()[i]);
      const wantedUsages = spec.usages.map(usageName);
      if (info.commonName !== spec.commonName || info.kind !== spec.kind) return undefined;
      if (
        !same(info.dnsNames, spec.dnsNames) ||
        !same(info.ipAddresses.map(normaliseIp), spec.ipAddresses.map(normaliseIp)) ||
        !same(info.emails, spec.emails)
      )
        return undefined;
      if (!same(info.extendedKeyUsage, wantedUsages)) return undefined;
      const lifetime = info.notAfter.getTime() - info.notBefore.getTime() - BACKDATE_MS;
      if (Math.abs(lifetime - spec.days * DAY_MS) > 60 * 60 * 1000) return undefined;
      const now = spec.now.getTime();
      if (now < info.notBefore.getTime() || now > info.notAfter.getTime() - lifetime / 5) return undefined;
      if (await this.revoked.isRevoked(info.serialNumber)) return undefined;
      return { certPem, keyPem };
    } catch {
      return undefined;
    }
  }
}

interface IssueSpec {
  file: string;
  commonName: string;
  kind: 'server' | 'operator' | 'app';
  dnsNames: string[];
  ipAddresses: string[];
  emails: string[];
  usages: string[];
  days: number;
  now: Date;
}

/**
 * 16 random bytes, first bit clear: a positive serial (RFC 5280 §4.1.2.2). The first byte is kept in
 * 0x40–0x7f so its hex never starts with 0: Node prints serials with their leading zero, openssl and
 * our revocation list without, and the same serial must read the same everywhere.
 */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] as number) & 0x3f) | 0x40;
  return bytes.toString('hex');
}

async function exportPrivateKey(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY') + '\n';
}

function pemBody(pem: string): Uint8Array {
  return new Uint8Array(createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' }));
}

function normaliseIp(ip: string): string {
  // The same address may come back from the certificate in another spelling (::1 vs 0:0:…:1).
  if (isIP(ip) !== 6) return ip;
  return new URL(`http://[${ip}]/`).hostname;
}

function requireCommonName(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new MssError('TRUST_CERT_REQUEST_INVALID', 'a certificate needs a common name');
  const cn = value.trim();
  // X.520 ub-common-name.
  if (cn.length > 64) throw new MssError('TRUST_CERT_REQUEST_INVALID', `common name "${cn}" is longer than 64 characters`);
  return cn;
}

function requireDays(days: number | undefined): number {
  if (days === undefined) return DEFAULT_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS)
    throw new MssError('TRUST_CERT_REQUEST_INVALID', `days must be a whole number from 1 to ${MAX_DAYS} (got ${String(days)})`);
  return days;
}

function uniqueLower(values: string[]): string[] {
  return [...new Set(values.map((v) => v.trim().toLowerCase().replace(/\.$/, '')))];
}

function isMailbox(value: string): boolean {
  const at = value.lastIndexOf('@');
  return at > 0 && at <= 64 && !/[\s<>()[\]\\,;:"]/.test(value.slice(0, at)) && isHostname(value.slice(at + 1));
}

/** A readable file name for a certificate; a short hash keeps names that had to be altered apart. */
function fileName(name: string): string {
  const lower = name.toLowerCase();
  const slug = lower
    .replace(/[^a-z0-9.@_-]+/g, '_')
    .replace(/^\.+/, '_')
    .slice(0, 100);
  return slug === lower ? slug : `${slug}-${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}
