// The webmail as a Pro Santé Connect relying party: authorization code with PKCE (S256), state and
// nonce, as the public client `mss-webmail` (no secret: RFC 8252's loopback redirect in the
// sandbox), through openid-client (an independent, certified relying-party library). The tokens
// stay on the server, in the session; the browser only ever holds the session's cookie.

import * as oidc from 'openid-client';

export interface PscSettings {
  /** e.g. http://127.0.0.1:8081/auth/realms/esante-wallet */
  issuer: string;
  /** Default `mss-webmail`. */
  clientId?: string;
  /**
   * A confidential client's secret (`client_secret_basic`), as PSC registers an operator's webmail
   * in production; none: a public client (PKCE only, the sandbox's `mss-webmail`).
   */
  clientSecret?: string;
  /**
   * The callback URL registered at PSC (`…/webmail/callback`). None: built from the request's
   * Host (the sandbox, on loopback). With one, the callback URL checked is always built from it.
   */
  redirectUri?: string;
}

export interface PscTokens {
  accessToken: string;
  refreshToken: string | undefined;
  idToken: string | undefined;
  /** Epoch ms at which the access token expires (from `expires_in`). */
  expiresAt: number;
  givenName: string;
  familyName: string;
}

/** Scopes: `scope_all` brings PSC's person claims; `profile` the names shown in the header. */
export const SCOPE = 'openid profile scope_all';

export class PscUnavailable extends Error {}

export class PscLogin {
  readonly settings: PscSettings & { clientId: string };
  #config: Promise<oidc.Configuration> | undefined;

  constructor(settings: PscSettings) {
    this.settings = { clientId: 'mss-webmail', ...settings };
  }

  /** Discovery once; forgotten on failure so that the next login tries again. */
  config(): Promise<oidc.Configuration> {
    this.#config ??= oidc
      .discovery(
        new URL(this.settings.issuer),
        this.settings.clientId,
        undefined,
        this.settings.clientSecret !== undefined ? oidc.ClientSecretBasic(this.settings.clientSecret) : oidc.None(),
        new URL(this.settings.issuer).protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        this.#config = undefined;
        throw new PscUnavailable(`Pro Santé Connect discovery failed: ${String(err)}`, { cause: err });
      });
    return this.#config;
  }

  async start(redirectUri: string): Promise<{ url: URL; state: string; nonce: string; verifier: string }> {
    const config = await this.config();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: SCOPE,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url, state, nonce, verifier };
  }

  /** The callback URL as the browser reached it → the tokens (ID token verified by openid-client). */
  async finish(callback: URL, login: { state: string; nonce: string; verifier: string }, now: number): Promise<PscTokens> {
    const config = await this.config();
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: login.verifier,
      expectedState: login.state,
      expectedNonce: login.nonce,
      idTokenExpected: true,
    });
    return toTokens(tokens, now);
  }

  /** A fresh access token from the refresh token (PSC's session must still be alive). */
  async refresh(refreshToken: string, now: number): Promise<PscTokens> {
    const config = await this.config();
    return toTokens(await oidc.refreshTokenGrant(config, refreshToken), now);
  }

  /** Tells PSC the tokens are no longer wanted (RFC 7009); best effort at logout. */
  async revoke(token: string): Promise<void> {
    try {
      await oidc.tokenRevocation(await this.config(), token);
    } catch {
      // PSC unreachable or the token already gone: the local session ends anyway.
    }
  }
}

function toTokens(t: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers, now: number): PscTokens {
  const claims = t.claims();
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    accessToken: t.access_token,
    refreshToken: t.refresh_token,
    idToken: t.id_token,
    expiresAt: now + (t.expires_in ?? 60) * 1000,
    givenName: text(claims?.given_name),
    familyName: text(claims?.family_name),
  };
}
