// R-AUTH-1: the operator validates Pro Santé Connect access tokens itself. Order matters: the
// header is checked against the allow-list before any key is looked up, nothing from the
// payload is read before the signature is verified, and the claims come last.

import { checkFiness, checkIdNatPerson } from '@mss/domain';
import { ALGORITHMS, algSpec, verifySignature } from './algorithms.ts';
import { TokenConfigError, TokenError } from './errors.ts';
import { JwksCache, type JwksStats } from './jwks.ts';

export interface TokenValidatorConfig {
  /** Exact `iss` expected, e.g. http://127.0.0.1:8081/auth/realms/esante-wallet */
  issuer: string;
  /** Else discovered once from `${issuer}/.well-known/openid-configuration`. */
  jwksUri?: string;
  /** Accepted `aud` values; the token must name at least one. Default 'mss-operator'. */
  audience?: string | string[];
  /** When set, `azp` (else `client_id`) must be one of these. */
  authorizedParties?: string[];
  /** Default ['RS256', 'PS256', 'ES256']; 'none' and HS* are refused at construction. */
  algorithms?: string[];
  /** Default 30: a token refreshed seconds earlier was once refused in production (clock skew). */
  clockToleranceSeconds?: number;
  /**
   * Minimum seconds between two JWKS fetches, successful or not. Default 5: short enough that
   * tokens signed with a freshly rotated key are accepted within seconds, long enough that random
   * `kid`s cannot make us hammer the IdP.
   */
  jwksCooldownSeconds?: number;
  /** Age after which the key set is refetched before use, so removed keys stop working. Default 600. */
  jwksMaxAgeSeconds?: number;
  /** How long past max age a key set may still be used while the IdP cannot be reached. Default 3600. */
  jwksStaleIfErrorSeconds?: number;
  /** Per-request timeout for discovery and JWKS fetches. Default 5000. */
  jwksTimeoutMs?: number;
  fetch?: typeof fetch;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  /**
   * Set for a structure's own identity provider (issue #20 rule 6) instead of Pro Santé Connect:
   * the person is then `subjectClaim` (default `sub`), the structure's identifier of its staff
   * member, made into the IdNat `3` + `finess` + `/` + it; the FINESS is this configuration's.
   */
  structure?: { finess: string; subjectClaim?: string };
}

export interface ValidatedToken {
  /** The person: SubjectNameID, else preferred_username, checked as a person's IdNat. */
  idnat: string;
  /** `azp`, else `client_id`: the software that obtained the token. */
  clientId: string | undefined;
  expiresAt: Date;
  issuedAt?: Date;
  jti?: string;
  scope?: string;
  claims: Record<string, unknown>;
  /** Present when a structure's identity provider vouched for its staff member (`idnat` is then `3`+FINESS+`/`…). */
  structure?: { finess: string; issuer: string };
}

export interface TokenValidator {
  /** Resolves with the token's person and client, or rejects with a TokenError. */
  validate(token: string): Promise<ValidatedToken>;
  /** JWKS fetch counters, for metrics and health checks. */
  jwksStats(): JwksStats;
}

export const DEFAULT_ALGORITHMS: readonly string[] = Object.freeze(['RS256', 'PS256', 'ES256']);
export const DEFAULT_AUDIENCE = 'mss-operator';

// Far above a PSC token (a few KiB); bounds the work an unauthenticated client can ask for.
const MAX_TOKEN_CHARS = 16 * 1024;
const B64URL = /^[A-Za-z0-9_-]+$/;
const MAX_NUMERIC_DATE = 8.64e12;

function configError(message: string): TokenConfigError {
  return new TokenConfigError(`token validator: ${message}`);
}

function seconds(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw configError(`${name} must be a number ≥ 0`);
  return v;
}

function stringList(value: string | string[] | undefined, name: string): string[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === 'string' && v !== '')) {
    throw configError(`${name} must be a non-empty string or list of strings`);
  }
  return list;
}

function malformed(message: string): TokenError {
  return new TokenError('malformed', message);
}

function decodeSegment(segment: string, what: string): Buffer {
  // length % 4 === 1 cannot come from any byte string; Buffer would silently drop it.
  if (!B64URL.test(segment) || segment.length % 4 === 1) throw malformed(`${what} is not base64url`);
  return Buffer.from(segment, 'base64url');
}

function jsonObject(bytes: Buffer, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw malformed(`${what} is not JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw malformed(`${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

function numericDate(claims: Record<string, unknown>, name: string): number | undefined {
  const v = claims[name];
  if (v === undefined) return undefined;
  // Beyond ±8.64e12 s a Date is invalid, and an invalid expiresAt would never look expired to a
  // session guard comparing it with the clock.
  if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > MAX_NUMERIC_DATE) throw malformed(`"${name}" is not a NumericDate`);
  return v;
}

/** The person of a PSC token: SubjectNameID, else preferred_username, a person's IdNat. */
function pscIdnat(claims: Record<string, unknown>): string {
  const rawId = claims.SubjectNameID ?? claims.preferred_username;
  if (rawId === undefined || rawId === null)
    throw new TokenError('missing-claim', 'token has neither SubjectNameID nor preferred_username');
  const id = typeof rawId === 'string' ? checkIdNatPerson(rawId) : undefined;
  if (!id?.ok) throw new TokenError('bad-idnat', "token subject is not a person's IdNat", { cause: id?.error });
  return id.value.idnat;
}

/** The staff member of a structure's token: its identifier in the FINESS-staff IdNat form, 3 + FINESS + "/" + id. */
function localIdnat(claims: Record<string, unknown>, structure: { finess: string; subjectClaim?: string }): string {
  const local = claims[structure.subjectClaim ?? 'sub'];
  if (local === undefined || local === null) throw new TokenError('missing-claim', 'token has no subject claim');
  const id = typeof local === 'string' ? checkIdNatPerson(`3${structure.finess}/${local}`) : undefined;
  if (!id?.ok) throw new TokenError('bad-idnat', "token subject is not a structure's identifier of its staff", { cause: id?.error });
  return id.value.idnat;
}

export function createTokenValidator(config: TokenValidatorConfig): TokenValidator {
  const { issuer } = config;
  if (typeof issuer !== 'string' || !URL.canParse(issuer)) throw configError('issuer must be a URL');
  if (config.jwksUri !== undefined && !URL.canParse(config.jwksUri)) throw configError('jwksUri must be a URL');
  const algorithms = config.algorithms ?? DEFAULT_ALGORITHMS;
  if (!Array.isArray(algorithms) || algorithms.length === 0) throw configError('algorithms must be a non-empty list');
  for (const alg of algorithms) {
    // Spelled out although the table has neither: these two are the classic JWT bypasses, and a
    // configuration asking for them is a mistake to stop at start-up, not a preference.
    if (typeof alg !== 'string' || alg.toLowerCase() === 'none' || /^HS/i.test(alg)) {
      throw configError(`algorithm ${String(alg)} is never allowed`);
    }
    if (!Object.hasOwn(ALGORITHMS, alg)) throw configError(`algorithm ${alg} is not supported`);
  }
  const allowed = new Set(algorithms);
  const audiences = new Set(stringList(config.audience, 'audience') ?? [DEFAULT_AUDIENCE]);
  const parties = config.authorizedParties === undefined ? undefined : new Set(stringList(config.authorizedParties, 'authorizedParties'));
  const tolerance = seconds(config.clockToleranceSeconds, 30, 'clockToleranceSeconds');
  const now = config.now ?? Date.now;
  const structure = config.structure;
  if (structure !== undefined) {
    const f = checkFiness(structure.finess);
    if (!f.ok || f.value.finess !== structure.finess) throw configError(`structure FINESS ${String(structure.finess)} is not a FINESS`);
    if (structure.subjectClaim !== undefined && (typeof structure.subjectClaim !== 'string' || structure.subjectClaim === ''))
      throw configError('structure subjectClaim must be a claim name');
  }
  const jwks = new JwksCache({
    issuer,
    jwksUri: config.jwksUri,
    cooldownMs: seconds(config.jwksCooldownSeconds, 5, 'jwksCooldownSeconds') * 1000,
    maxAgeMs: seconds(config.jwksMaxAgeSeconds, 600, 'jwksMaxAgeSeconds') * 1000,
    staleIfErrorMs: seconds(config.jwksStaleIfErrorSeconds, 3600, 'jwksStaleIfErrorSeconds') * 1000,
    timeoutMs: seconds(config.jwksTimeoutMs, 5000, 'jwksTimeoutMs'),
    fetch: config.fetch ?? globalThis.fetch,
    now,
  });

  async function validate(token: string): Promise<ValidatedToken> {
    if (typeof token !== 'string' || token.length === 0) throw malformed('token is empty');
    if (token.length > MAX_TOKEN_CHARS) throw malformed('token is too long');
    const dot1 = token.indexOf('.');
    const dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
    if (dot2 < 0 || token.indexOf('.', dot2 + 1) >= 0) throw malformed('token is not a compact JWS');
    const h = token.slice(0, dot1);
    const p = token.slice(dot1 + 1, dot2);
    const s = token.slice(dot2 + 1);

    const header = jsonObject(decodeSegment(h, 'header'), 'header');
    const { alg, kid } = header;
    if (typeof alg !== 'string' || !allowed.has(alg)) throw new TokenError('alg-not-allowed', 'token algorithm is not allowed');
    if (kid !== undefined && typeof kid !== 'string') throw malformed('"kid" is not a string');
    // We implement no JWS extension, so any `crit` is one we do not understand (RFC 7515 §4.1.11).
    if (header.crit !== undefined) throw malformed('token has critical header extensions');
    // jku, x5u, jwk and x5c are deliberately ignored: keys come from the configured issuer only.

    const signature = decodeSegment(s, 'signature');
    // Trailing bits that base64url ignores would give one token many spellings.
    if (signature.toString('base64url') !== s) throw malformed('signature is not canonical base64url');
    const payloadBytes = decodeSegment(p, 'payload');

    const t = now();
    const key = jwks.lookupFresh(alg, kid, t) ?? (await jwks.resolve(alg, kid, t));
    const spec = algSpec(alg);
    if (spec === undefined || !verifySignature(spec, key.key, Buffer.from(token.slice(0, dot2), 'latin1'), signature)) {
      throw new TokenError('bad-signature', 'token signature does not verify');
    }

    const claims = jsonObject(payloadBytes, 'payload');
    if (claims.iss !== issuer) throw new TokenError('wrong-issuer', 'token is from another issuer');

    const aud = claims.aud;
    if (aud === undefined) throw new TokenError('wrong-audience', 'token has no audience');
    const auds = typeof aud === 'string' ? [aud] : aud;
    if (!Array.isArray(auds) || !auds.every((a) => typeof a === 'string')) throw malformed('"aud" is not a string or list of strings');
    if (!auds.some((a) => audiences.has(a))) throw new TokenError('wrong-audience', 'token is for another audience');

    const azp = claims.azp ?? claims.client_id;
    if (azp !== undefined && typeof azp !== 'string') throw malformed('"azp" is not a string');
    if (parties !== undefined && (azp === undefined || !parties.has(azp))) {
      throw new TokenError('wrong-party', 'token was issued to another client');
    }

    const nowSec = t / 1000;
    const exp = numericDate(claims, 'exp');
    // A bearer token without expiry would be valid forever.
    if (exp === undefined) throw new TokenError('missing-claim', 'token has no "exp"');
    if (nowSec - tolerance >= exp) throw new TokenError('expired', 'token has expired');
    const nbf = numericDate(claims, 'nbf');
    if (nbf !== undefined && nowSec + tolerance < nbf) throw new TokenError('not-yet-valid', 'token is not valid yet');
    const iat = numericDate(claims, 'iat');
    if (iat !== undefined && iat > nowSec + tolerance) throw new TokenError('not-yet-valid', 'token was issued in the future');

    const idnat = structure === undefined ? pscIdnat(claims) : localIdnat(claims, structure);
    const out: ValidatedToken = { idnat, clientId: azp, expiresAt: new Date(exp * 1000), claims };
    if (structure !== undefined) out.structure = { finess: structure.finess, issuer };
    if (iat !== undefined) out.issuedAt = new Date(iat * 1000);
    if (typeof claims.jti === 'string') out.jti = claims.jti;
    if (typeof claims.scope === 'string') out.scope = claims.scope;
    return out;
  }

  return { validate, jwksStats: () => jwks.stats() };
}
