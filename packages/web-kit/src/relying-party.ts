// A web site as an OpenID Connect relying party (the operator's webmail with Pro Santé Connect, the
// stand-ins' sites with FranceConnect or PSC): authorization code with PKCE (S256), state and
// nonce, tokens and userinfo verified by openid-client (an independent, certified relying-party
// library). What each site does with the tokens is its own.

import * as oidc from 'openid-client';

export interface RelyingPartySettings {
  issuer: string;
  clientId: string;
  /** A confidential client's secret (`client_secret_basic`); none: a public client (PKCE only). */
  clientSecret?: string | undefined;
}

export interface RelyingPartyOptions {
  scope: string;
  /** More authorization request parameters (`acr_values`…). */
  extraParams?: Record<string, string>;
  /** The client's registered metadata where it is not the default (FranceConnect signs ID tokens and userinfo in ES256). */
  metadata?: Partial<oidc.ClientMetadata>;
}

/** The identity provider could not be reached (its discovery failed): the site says so and asks to retry. */
export class ProviderUnavailable extends Error {}

/** What a site keeps between sending the browser to the provider and its coming back. */
export interface PendingAuthorization {
  state: string;
  nonce: string;
  verifier: string;
}

export type TokenResponse = oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;

export class OidcRelyingParty {
  readonly settings: RelyingPartySettings;
  readonly #options: RelyingPartyOptions;
  #config: Promise<oidc.Configuration> | undefined;

  constructor(settings: RelyingPartySettings, options: RelyingPartyOptions) {
    this.settings = settings;
    this.#options = options;
  }

  /** Discovery once; forgotten on failure so that the next login tries again. */
  config(): Promise<oidc.Configuration> {
    this.#config ??= oidc
      .discovery(
        new URL(this.settings.issuer),
        this.settings.clientId,
        this.#options.metadata,
        this.settings.clientSecret !== undefined ? oidc.ClientSecretBasic(this.settings.clientSecret) : oidc.None(),
        new URL(this.settings.issuer).protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        this.#config = undefined;
        throw new ProviderUnavailable(`discovery of ${this.settings.issuer} failed: ${String(err)}`, { cause: err });
      });
    return this.#config;
  }

  /** Where to send the browser, and what to keep until it comes back to `redirectUri`. */
  async start(redirectUri: string): Promise<{ url: URL } & PendingAuthorization> {
    const config = await this.config();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: this.#options.scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...this.#options.extraParams,
    });
    return { url, state, nonce, verifier };
  }

  /** The callback URL as the browser reached it → the tokens, the ID token verified (state, nonce, PKCE). */
  async exchange(callback: URL, login: PendingAuthorization): Promise<TokenResponse> {
    return oidc.authorizationCodeGrant(await this.config(), callback, {
      pkceCodeVerifier: login.verifier,
      expectedState: login.state,
      expectedNonce: login.nonce,
      idTokenExpected: true,
    });
  }

  /** The callback URL → the userinfo claims (checked against the ID token's subject) and the ID token. */
  async finish(callback: URL, login: PendingAuthorization): Promise<{ claims: Record<string, unknown>; idToken: string | undefined }> {
    const tokens = await this.exchange(callback, login);
    const sub = tokens.claims()?.sub;
    if (!sub) throw new Error('the identity provider returned no subject');
    const info = await oidc.fetchUserInfo(await this.config(), tokens.access_token, sub);
    return { claims: { ...info }, idToken: tokens.id_token };
  }

  /** A fresh access token from a refresh token (the provider's session must still be alive). */
  async refresh(refreshToken: string): Promise<TokenResponse> {
    return oidc.refreshTokenGrant(await this.config(), refreshToken);
  }

  /** Tells the provider a token is no longer wanted (RFC 7009); best effort. */
  async revoke(token: string): Promise<void> {
    try {
      await oidc.tokenRevocation(await this.config(), token);
    } catch {
      // Provider unreachable or the token already gone: the local session ends anyway.
    }
  }

  /** The provider's end of session, back to `postLogoutRedirectUri` (undefined without an ID token or before discovery). */
  async logoutUrl(idToken: string | undefined, postLogoutRedirectUri: string): Promise<URL | undefined> {
    if (!idToken) return undefined;
    try {
      return oidc.buildEndSessionUrl(await this.config(), {
        id_token_hint: idToken,
        post_logout_redirect_uri: postLogoutRedirectUri,
        state: oidc.randomState(),
      });
    } catch {
      return undefined;
    }
  }
}

/** A claim as text ('' when absent or not a string). */
export const claimText = (v: unknown): string => (typeof v === 'string' ? v : '');
