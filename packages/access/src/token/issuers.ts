// The operator trusts more than one issuer: Pro Santé Connect for every professional, and for
// each FINESS structure that authenticates its own staff (issue #20 rule 6), that structure's
// identity provider, named in the operator's configuration. A token is routed by its `iss` to
// the one validator of that issuer, which verifies the signature with that issuer's keys and
// checks `iss` again, exactly: the peek only chooses whose keys to try, it grants nothing.

import { TokenConfigError, TokenError } from './errors.ts';
import { createTokenValidator, type TokenValidator, type TokenValidatorConfig } from './validator.ts';
import type { JwksStats } from './jwks.ts';

/** One structure's identity provider, as the operator's configuration names it. */
export interface StructureIssuer {
  /** The structure (FINESS, 9 characters) whose ORG mailboxes its staff may open. */
  finess: string;
  issuer: string;
  /** Accepted `aud` values (default `mss-operator`, as for PSC). */
  audience?: string | string[];
  jwksUri?: string;
  /** Claim holding the structure's identifier of the person (default `sub`). */
  subjectClaim?: string;
}

export interface TrustedIssuersConfig {
  psc: TokenValidatorConfig;
  structures: readonly StructureIssuer[];
  /** Settings every structure validator shares with PSC's (clock, fetch, JWKS timings…). */
  shared?: Omit<TokenValidatorConfig, 'issuer' | 'jwksUri' | 'audience' | 'authorizedParties' | 'structure'>;
}

const MAX_PEEK_CHARS = 16 * 1024;

/** The `iss` a compact JWS says it has, unverified; undefined when it cannot be read. */
function claimedIssuer(token: string): string | undefined {
  if (typeof token !== 'string' || token.length > MAX_PEEK_CHARS) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[1]!)) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    const iss = payload && typeof payload === 'object' ? (payload as { iss?: unknown }).iss : undefined;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One validator for every issuer the operator trusts. A token that names another issuer is
 * refused (`wrong-issuer`) before any key is fetched; one whose payload cannot be read goes to
 * PSC's validator, which refuses it as it always did (`malformed`…).
 */
export function createTrustedIssuers(config: TrustedIssuersConfig): TokenValidator {
  const psc = createTokenValidator({ ...config.shared, ...config.psc });
  const byIssuer = new Map<string, TokenValidator>();
  const finesses = new Set<string>();
  for (const s of config.structures) {
    if (s.issuer === config.psc.issuer)
      throw new TokenConfigError(`token validator: structure ${s.finess}'s issuer is Pro Santé Connect's`);
    if (byIssuer.has(s.issuer)) throw new TokenConfigError(`token validator: issuer ${s.issuer} is configured for two structures`);
    if (finesses.has(s.finess)) throw new TokenConfigError(`token validator: structure ${s.finess} has two issuers`);
    finesses.add(s.finess);
    byIssuer.set(
      s.issuer,
      createTokenValidator({
        ...config.shared,
        issuer: s.issuer,
        ...(s.jwksUri !== undefined ? { jwksUri: s.jwksUri } : {}),
        ...(s.audience !== undefined ? { audience: s.audience } : {}),
        structure: { finess: s.finess, ...(s.subjectClaim !== undefined ? { subjectClaim: s.subjectClaim } : {}) },
      }),
    );
  }
  const all = [psc, ...byIssuer.values()];
  return {
    async validate(token: string) {
      const iss = claimedIssuer(token);
      if (iss === undefined || iss === config.psc.issuer) return psc.validate(token);
      const structure = byIssuer.get(iss);
      if (!structure) throw new TokenError('wrong-issuer', 'token is from an issuer this operator does not trust');
      return structure.validate(token);
    },
    jwksStats(): JwksStats {
      const stats = all.map((v) => v.jwksStats());
      const dates = stats.map((s) => s.fetchedAt).filter((d): d is Date => d !== undefined);
      return {
        fetches: stats.reduce((n, s) => n + s.fetches, 0),
        failures: stats.reduce((n, s) => n + s.failures, 0),
        keys: stats.reduce((n, s) => n + s.keys, 0),
        fetchedAt: dates.length ? new Date(Math.max(...dates.map((d) => d.getTime()))) : undefined,
      };
    },
  };
}
