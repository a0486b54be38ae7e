// PSC's access tokens are JWTs, and Keycloak still accepts them at userinfo, introspection and
// revocation. oidc-provider does not: a JWT access token is self-contained for it, never
// stored, so those three endpoints refuse it. This module fills that gap and nothing more.
// The provider still authenticates the client, parses the request and formats errors; we step
// in only where it answered "structured tokens are not supported here" (or, at userinfo,
// before it looks for a stored token), verify the JWT against our own published keys, and
// answer as Keycloak would.
//
// The same middleware adds what the provider leaves to the deployment or words differently
// from PSC: the CIBA `interval` and `slow_down` (the provider enforces no polling pace),
// Keycloak's `refresh_expires_in`, and an honest `backchannel_user_code_parameter_supported`.

import { createLocalJWKSet, jwtVerify, type JWK, type JWTPayload } from 'jose';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC, Middleware } from 'oidc-provider';
import type { Store } from '@mss/store';
import { claimsForScopes, idnatFromSub, pscClaims, type PscDirectory } from './accounts.ts';
import { CIBA_GRANT_TYPE, CIBA_INTERVAL_SECONDS, type CibaRegistry } from './ciba.ts';
import { SIGNING_ALG } from './signing.ts';

/** What the provider tells us about each JWT access token it issues, and which were revoked. */
export class AccessTokenLedger {
  readonly #issued = new Map<string, { grantId: string | undefined; exp: number }>();
  readonly #revoked = new Map<string, number>();
  #keys: ReturnType<typeof createLocalJWKSet> = createLocalJWKSet({ keys: [] });
  readonly #issuer: string;

  constructor(issuer: string) {
    this.#issuer = issuer;
  }

  /** The published keys changed (start, rotation, retirement). */
  setPublishedKeys(keys: JWK[]): void {
    this.#keys = createLocalJWKSet({ keys });
  }

  issued(token: { jti: string; grantId?: string; expiration?: number }): void {
    const ttl = token.expiration ?? 3600;
    this.#issued.set(token.jti, { grantId: token.grantId, exp: Date.now() + ttl * 1000 });
  }

  revoke(jti: string, exp: number): void {
    this.#revoked.set(jti, exp * 1000);
  }

  /**
   * The token's claims when it is one of ours, unexpired, not revoked, and its grant still
   * exists (revoking a refresh token or logging out ends the grant, as in Keycloak). Tokens
   * issued before a restart are unknown to the ledger, as their grants are gone: inactive.
   */
  async verify(token: string, provider: Provider): Promise<JWTPayload | undefined> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#keys, { issuer: this.#issuer, typ: 'at+jwt', algorithms: [SIGNING_ALG] }));
    } catch {
      return undefined;
    }
    if (typeof payload.jti !== 'string' || this.#revoked.has(payload.jti)) return undefined;
    const known = this.#issued.get(payload.jti);
    if (!known) return undefined;
    if (known.grantId) {
      const grant = await provider.Grant.find(known.grantId);
      if (!grant) return undefined;
    }
    return payload;
  }

  sweep(): void {
    const now = Date.now();
    for (const [jti, v] of this.#issued) if (v.exp < now) this.#issued.delete(jti);
    for (const [jti, exp] of this.#revoked) if (exp < now) this.#revoked.delete(jti);
  }
}

function looksLikeJwt(value: unknown): value is string {
  return typeof value === 'string' && /^[\w-]+\.[\w-]+\.[\w-]+$/.test(value);
}

function bearerJwt(authorization: string): string | undefined {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization);
  return m && looksLikeJwt(m[1]) ? m[1] : undefined;
}

function bearerError(ctx: KoaContextWithOIDC, status: number, error: string, description: string): void {
  ctx.status = status;
  ctx.set('WWW-Authenticate', `Bearer error="${error}", error_description="${description}"`);
  ctx.body = { error, error_description: description };
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

export interface MiddlewareDeps {
  ledger: AccessTokenLedger;
  registry: CibaRegistry;
  store: Store;
  directory: PscDirectory;
  current: () => Provider;
}

async function userinfo(ctx: KoaContextWithOIDC, token: string, deps: MiddlewareDeps): Promise<void> {
  ctx.set('Cache-Control', 'no-store');
  const payload = await deps.ledger.verify(token, deps.current());
  if (!payload || typeof payload.sub !== 'string') return bearerError(ctx, 401, 'invalid_token', 'invalid or expired access token');
  const scopes = new Set(typeof payload.scope === 'string' ? payload.scope.split(' ') : []);
  if (!scopes.has('openid')) return bearerError(ctx, 403, 'insufficient_scope', 'access token missing openid scope');
  const idnat = idnatFromSub(payload.sub);
  const claims = idnat === undefined ? undefined : await pscClaims(deps.directory, idnat, deps.store.now().toISOString().slice(0, 10));
  if (!claims) return bearerError(ctx, 401, 'invalid_token', 'associated account not found');
  const released = claimsForScopes(scopes);
  ctx.status = 200;
  ctx.body = Object.fromEntries(Object.entries(claims).filter(([name]) => name === 'sub' || released.has(name)));
}

async function introspect(ctx: KoaContextWithOIDC, token: string, deps: MiddlewareDeps): Promise<void> {
  ctx.set('Cache-Control', 'no-store');
  ctx.status = 200;
  const payload = await deps.ledger.verify(token, deps.current());
  const caller = ctx.oidc?.client;
  // As the provider's policy for opaque tokens: a public client sees only its own tokens.
  if (!payload || !caller || (caller.clientAuthMethod === 'none' && payload.client_id !== caller.clientId)) {
    ctx.body = { active: false };
    return;
  }
  ctx.body = { ...payload, active: true, token_type: 'Bearer', typ: 'Bearer', username: payload.preferred_username };
}

async function revoke(ctx: KoaContextWithOIDC, token: string, deps: MiddlewareDeps): Promise<void> {
  const payload = await deps.ledger.verify(token, deps.current());
  const caller = ctx.oidc?.client;
  // RFC 7009 §2.2: an invalid or unknown token is not an error.
  if (payload && caller && typeof payload.jti === 'string' && typeof payload.exp === 'number') {
    if (payload.client_id !== caller.clientId) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: 'client is not authorized to revoke the presented token' };
      return;
    }
    deps.ledger.revoke(payload.jti, payload.exp);
  }
  ctx.status = 200;
  ctx.body = '';
}

export function pscMiddleware(deps: MiddlewareDeps): Middleware {
  return async (ctx, next) => {
    if (ctx.path.endsWith('/protocol/openid-connect/userinfo') && (ctx.method === 'GET' || ctx.method === 'POST')) {
      const token = bearerJwt(ctx.get('authorization'));
      if (token) return userinfo(ctx, token, deps);
    }
    await next();
    const body = asRecord(ctx.body);
    if (!body) return;
    const params = ctx.oidc?.params ?? {};
    if (ctx.path === '/.well-known/openid-configuration' && ctx.status === 200) {
      // The provider always says yes; the simulated e-CPS has no user code and ignores one.
      body.backchannel_user_code_parameter_supported = false;
    } else if (ctx.path.endsWith('/ext/ciba/auth') && ctx.status === 200 && typeof body.auth_req_id === 'string') {
      body.interval = CIBA_INTERVAL_SECONDS;
    } else if (ctx.path.endsWith('/protocol/openid-connect/token')) {
      if (params.grant_type === CIBA_GRANT_TYPE && body.error === 'authorization_pending' && typeof params.auth_req_id === 'string') {
        if (deps.registry.pollTooFast(params.auth_req_id)) {
          ctx.body = {
            error: 'slow_down',
            error_description: `polling faster than the ${CIBA_INTERVAL_SECONDS} s interval; wait 5 s more between polls`,
          };
          ctx.status = 400;
        }
      } else if (ctx.status === 200 && typeof body.refresh_token === 'string') {
        const rt = ctx.oidc?.entities.RefreshToken;
        const left = typeof rt?.exp === 'number' ? rt.exp - Math.floor(Date.now() / 1000) : rt?.expiration;
        if (typeof left === 'number') body.refresh_expires_in = Math.max(0, left);
      }
    } else if (body.error === 'unsupported_token_type' && ctx.oidc?.client && looksLikeJwt(params.token)) {
      // Raised by the provider only after it authenticated the client.
      if (ctx.path.endsWith('/token/introspect')) await introspect(ctx, params.token, deps);
      else if (ctx.path.endsWith('/protocol/openid-connect/revoke')) await revoke(ctx, params.token, deps);
    }
  };
}
