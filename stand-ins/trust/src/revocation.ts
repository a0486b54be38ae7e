// Revocation in the test PKI: the list of certificates the CA has withdrawn, kept in one file,
// and the X.509 CRL (RFC 5280 §5) signed by the CA that the trust stand-in publishes from it.
// IGC-Santé publishes CRLs; operators fetch them and refuse a revoked certificate (here: an APP
// mailbox's software certificate used with SASL EXTERNAL).
//
// The file is the state: the stand-in's server and `mss trust revoke` (another process) both read
// it at each use, so a revocation made by either is published at the next request.

import * as x509 from '@peculiar/x509';
import path from 'node:path';
import type { webcrypto } from 'node:crypto';
import { MssError, readIfExists, writeFileAtomic } from '@mss/runtime';
import { normaliseSerial } from '@mss/trust-client';

export { CRL_PATH, normaliseSerial } from '@mss/trust-client';

/** RFC 5280 §5.3.1 reason codes we accept (the others are for CAs and attribute authorities). */
export const REVOCATION_REASONS = ['unspecified', 'keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation'] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];

export interface RevokedEntry {
  /** Upper-case hexadecimal without leading zeros, as `openssl x509 -serial` prints it. */
  serial: string;
  /** ISO-8601. */
  revokedAt: string;
  reason: RevocationReason;
}

export interface RevocationResult {
  /** False when the serial was already revoked (the first revocation is kept). */
  created: boolean;
  entry: RevokedEntry;
}

export interface CrlDocument {
  der: Uint8Array;
  pem: string;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: readonly RevokedEntry[];
}

export const CRL_PEM_PATH = '/pki/ca-crl.pem';

const FILE = 'revoked.json';
/** How long a CRL stays current (its nextUpdate). Operators refresh far more often. */
const CRL_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
/** A CRL is signed again when this much of its lifetime has passed, even without a change. */
const CRL_RESIGN_MS = 24 * 60 * 60 * 1000;
const OID_CRL_NUMBER = '2.5.29.20';

const REASON_CODE: Record<RevocationReason, x509.X509CrlReason> = {
  unspecified: x509.X509CrlReason.unspecified,
  keyCompromise: x509.X509CrlReason.keyCompromise,
  affiliationChanged: x509.X509CrlReason.affiliationChanged,
  superseded: x509.X509CrlReason.superseded,
  cessationOfOperation: x509.X509CrlReason.cessationOfOperation,
};

export class RevocationRegistry {
  private readonly file: string;
  private readonly ca: { cert: x509.X509Certificate; signingKey: webcrypto.CryptoKey };
  private readonly clock: () => Date;
  private signed: { key: string; doc: CrlDocument } | undefined;
  /** Revocations from this process are applied one at a time (read, add, replace). */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(pkiDir: string, ca: { cert: x509.X509Certificate; signingKey: webcrypto.CryptoKey }, clock: () => Date) {
    this.file = path.join(pkiDir, FILE);
    this.ca = ca;
    this.clock = clock;
  }

  async list(): Promise<RevokedEntry[]> {
    const text = await readIfExists(this.file);
    if (text === undefined) return [];
    try {
      const parsed = JSON.parse(text) as { revoked?: unknown };
      if (!Array.isArray(parsed.revoked)) throw new Error('no "revoked" array');
      return parsed.revoked.map((e: RevokedEntry) => {
        const serial = normaliseSerial(String(e.serial));
        if (!serial || Number.isNaN(Date.parse(e.revokedAt)) || !REVOCATION_REASONS.includes(e.reason))
          throw new Error(`bad entry ${JSON.stringify(e)}`);
        return { serial, revokedAt: new Date(e.revokedAt).toISOString(), reason: e.reason };
      });
    } catch (err) {
      throw new MssError(
        'TRUST_PKI_CORRUPT',
        `${this.file} is unusable (${err instanceof Error ? err.message : String(err)}); fix or delete it (deleting un-revokes every certificate)`,
      );
    }
  }

  async isRevoked(serial: string): Promise<boolean> {
    const wanted = normaliseSerial(serial);
    return (await this.list()).some((e) => e.serial === wanted);
  }

  revoke(serial: string, reason: RevocationReason = 'unspecified'): Promise<RevocationResult> {
    const normal = normaliseSerial(serial);
    if (!normal)
      return Promise.reject(new MssError('TRUST_REVOCATION_INVALID', `"${serial}" is not a certificate serial number (hexadecimal)`));
    if (!REVOCATION_REASONS.includes(reason)) {
      return Promise.reject(
        new MssError('TRUST_REVOCATION_INVALID', `unknown revocation reason "${reason}" (one of ${REVOCATION_REASONS.join(', ')})`),
      );
    }
    const run = this.writes.then(async () => {
      const entries = await this.list();
      const known = entries.find((e) => e.serial === normal);
      if (known) return { created: false, entry: known };
      const entry: RevokedEntry = { serial: normal, revokedAt: this.clock().toISOString(), reason };
      await writeFileAtomic(this.file, JSON.stringify({ version: 1, revoked: [...entries, entry] }, null, 2) + '\n');
      return { created: true, entry };
    });
    this.writes = run.catch(() => {});
    return run;
  }

  /**
   * The CRL of the current list: the same document (same bytes, so HTTP caches hold) until the
   * list changes or a day has passed, then a new one with a higher CRL number (RFC 5280 §5.2.3).
   */
  async crl(): Promise<CrlDocument> {
    const entries = await this.list();
    const key = JSON.stringify(entries);
    const now = this.clock();
    if (this.signed && this.signed.key === key && now.getTime() - this.signed.doc.thisUpdate.getTime() < CRL_RESIGN_MS)
      return this.signed.doc;
    // Whole seconds, so that thisUpdate (UTCTime) and the CRL number say the same thing; never
    // below the previous number even if the clock stepped back.
    const previous = this.signed ? Math.floor(this.signed.doc.thisUpdate.getTime() / 1000) : 0;
    const seconds = Math.max(Math.floor(now.getTime() / 1000), previous + (this.signed ? 1 : 0));
    const thisUpdate = new Date(seconds * 1000);
    const nextUpdate = new Date(thisUpdate.getTime() + CRL_LIFETIME_MS);
    const caKeyId = this.ca.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    const crl = await x509.X509CrlGenerator.create({
      issuer: this.ca.cert.subjectName,
      thisUpdate,
      nextUpdate,
      signingKey: this.ca.signingKey,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [...(caKeyId ? [new x509.AuthorityKeyIdentifierExtension(caKeyId)] : []), crlNumberExtension(seconds)],
      entries: entries.map((e) => ({ serialNumber: e.serial, revocationDate: new Date(e.revokedAt), reason: REASON_CODE[e.reason] })),
    });
    // PEM label "X509 CRL" (RFC 7468 §5), which openssl and curl read.
    const pem = x509.PemConverter.encode(crl.rawData, 'X509 CRL') + '\n';
    const doc: CrlDocument = { der: new Uint8Array(crl.rawData), pem, thisUpdate, nextUpdate, entries };
    this.signed = { key, doc };
    return doc;
  }
}

/** RFC 5280 §5.2.3: cRLNumber ::= INTEGER (0..MAX), here the issue time in seconds. */
function crlNumberExtension(n: number): x509.Extension {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  // DER INTEGER: a leading 0x00 keeps a value with its high bit set positive.
  if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  const body = Buffer.from(hex, 'hex');
  return new x509.Extension(OID_CRL_NUMBER, false, new Uint8Array([0x02, body.length, ...body]));
}
