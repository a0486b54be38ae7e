// The webmail as a Pro Santé Connect relying party (@mss/web-kit's: authorization code with PKCE
// (S256), state and nonce, through openid-client), as the public client `mss-webmail` (no secret:
// RFC 8252's loopback redirect in the sandbox) or a confidential one. The tokens
// stay on the server, in the session; the browser only ever holds the session's cookie.

import { claimText, OidcRelyingParty, type PendingAuthorization, type TokenResponse } from '@mss/web-kit';

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

/** Pro Santé Connect could not be reached (its discovery failed). */
export { ProviderUnavailable as PscUnavailable } from '@mss/web-kit';

export class PscLogin {
  readonly settings: PscSettings & { clientId: string };
  readonly #rp: OidcRelyingParty;

  constructor(settings: PscSettings) {
    this.settings = { clientId: 'mss-webmail', ...settings };
    this.#rp = new OidcRelyingParty(this.settings, { scope: SCOPE });
  }

  start(redirectUri: string): ReturnType<OidcRelyingParty['start']> {
    return this.#rp.start(redirectUri);
  }

  /** The callback URL as the browser reached it → the tokens (ID token verified by openid-client). */
  async finish(callback: URL, login: PendingAuthorization, now: number): Promise<PscTokens> {
    return toTokens(await this.#rp.exchange(callback, login), now);
  }

  /** A fresh access token from the refresh token (PSC's session must still be alive). */
  async refresh(refreshToken: string, now: number): Promise<PscTokens> {
    return toTokens(await this.#rp.refresh(refreshToken), now);
  }

  /** Tells PSC the tokens are no longer wanted (RFC 7009); best effort at logout. */
  revoke(token: string): Promise<void> {
    return this.#rp.revoke(token);
  }
}

function toTokens(t: TokenResponse, now: number): PscTokens {
  const claims = t.claims();
  return {
    accessToken: t.access_token,
    refreshToken: t.refresh_token,
    idToken: t.id_token,
    expiresAt: now + (t.expires_in ?? 60) * 1000,
    givenName: claimText(claims?.given_name),
    familyName: claimText(claims?.family_name),
  };
}
