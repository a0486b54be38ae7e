// The portal as a relying party of FranceConnect (secretaries) and of Pro Santé Connect
// (titulars): authorization code with PKCE, state and nonce, tokens and userinfo verified by
// openid-client (an independent, certified relying party library).

import * as oidc from 'openid-client';

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

export class ProviderUnavailable extends Error {}

export interface PendingLogin {
  state: string;
  nonce: string;
  verifier: string;
}

export class OidcLogin {
  readonly settings: OidcSettings;
  readonly #scope: string;
  readonly #extra: Record<string, string>;
  readonly #metadata: Partial<oidc.ClientMetadata>;
  #config: Promise<oidc.Configuration> | undefined;

  constructor(
    settings: OidcSettings,
    options: { scope: string; extraParams?: Record<string, string>; metadata?: Partial<oidc.ClientMetadata> },
  ) {
    this.settings = settings;
    this.#scope = options.scope;
    this.#extra = options.extraParams ?? {};
    this.#metadata = options.metadata ?? {};
  }

  /** Discovery once; forgotten on failure so that the next login tries again. */
  config(): Promise<oidc.Configuration> {
    this.#config ??= oidc
      .discovery(
        new URL(this.settings.issuer),
        this.settings.clientId,
        this.#metadata,
        oidc.ClientSecretBasic(this.settings.clientSecret),
        new URL(this.settings.issuer).protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        this.#config = undefined;
        throw new ProviderUnavailable(`discovery of ${this.settings.issuer} failed: ${String(err)}`, { cause: err });
      });
    return this.#config;
  }

  async start(redirectUri: string): Promise<{ url: URL } & PendingLogin> {
    const config = await this.config();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: this.#scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...this.#extra,
    });
    return { url, state, nonce, verifier };
  }

  /** The callback URL as the browser reached it → the userinfo claims and the ID token. */
  async finish(callback: URL, login: PendingLogin): Promise<{ claims: Record<string, unknown>; idToken: string | undefined }> {
    const config = await this.config();
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: login.verifier,
      expectedState: login.state,
      expectedNonce: login.nonce,
      idTokenExpected: true,
    });
    const sub = tokens.claims()?.sub;
    if (!sub) throw new Error('the identity provider returned no subject');
    const info = await oidc.fetchUserInfo(config, tokens.access_token, sub);
    return { claims: { ...info }, idToken: tokens.id_token };
  }

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

export const text = (v: unknown): string => (typeof v === 'string' ? v : '');
