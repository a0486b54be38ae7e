// The JWS algorithms we can verify, and the one call that verifies. Node's crypto.verify is
// OpenSSL, synchronous: about three times the throughput of WebCrypto's thread-pool round trip
// (what jose uses), which is what makes the ≥ 20,000 validations/s/core target reachable
// without caching validated tokens.

import crypto, { type KeyObject } from 'node:crypto';

export interface AlgSpec {
  readonly kty: 'RSA' | 'EC';
  readonly hash: 'sha256' | 'sha384' | 'sha512';
  /** RSASSA-PSS with a salt as long as the hash (RFC 7518 §3.5). */
  readonly pssSalt?: number;
  readonly crv?: 'P-256' | 'P-384' | 'P-521';
  /** JWS ECDSA signatures are R || S, fixed length (RFC 7518 §3.4). */
  readonly sigBytes?: number;
}

export const ALGORITHMS: Readonly<Record<string, AlgSpec>> = Object.freeze({
  RS256: { kty: 'RSA', hash: 'sha256' },
  RS384: { kty: 'RSA', hash: 'sha384' },
  RS512: { kty: 'RSA', hash: 'sha512' },
  PS256: { kty: 'RSA', hash: 'sha256', pssSalt: 32 },
  PS384: { kty: 'RSA', hash: 'sha384', pssSalt: 48 },
  PS512: { kty: 'RSA', hash: 'sha512', pssSalt: 64 },
  ES256: { kty: 'EC', hash: 'sha256', crv: 'P-256', sigBytes: 64 },
  ES384: { kty: 'EC', hash: 'sha384', crv: 'P-384', sigBytes: 96 },
  ES512: { kty: 'EC', hash: 'sha512', crv: 'P-521', sigBytes: 132 },
});

export function algSpec(alg: string): AlgSpec | undefined {
  return Object.hasOwn(ALGORITHMS, alg) ? ALGORITHMS[alg] : undefined;
}

export const MIN_RSA_BITS = 2048;

export function verifySignature(spec: AlgSpec, key: KeyObject, signingInput: Buffer, signature: Buffer): boolean {
  if (spec.sigBytes !== undefined && signature.length !== spec.sigBytes) return false;
  try {
    if (spec.kty === 'EC') return crypto.verify(spec.hash, signingInput, { key, dsaEncoding: 'ieee-p1363' }, signature);
    if (spec.pssSalt !== undefined) {
      return crypto.verify(
        spec.hash,
        signingInput,
        { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: spec.pssSalt },
        signature,
      );
    }
    return crypto.verify(spec.hash, signingInput, key, signature);
  } catch {
    // OpenSSL throws on some malformed signatures (wrong length for the modulus, …): a bad
    // signature, not an internal error.
    return false;
  }
}
