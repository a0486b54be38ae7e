// Mon Espace Santé as a FranceConnect service provider: authorization code with PKCE, state and
// nonce, the ID token and the signed userinfo answer verified by openid-client (an independent,
// certified relying party library), then the identity pivot handed to MES to find the patient.

import * as oidc from 'openid-client';

export interface FranceConnectSettings {
  /** e.g. http://127.0.0.1:8089/api/v2 */
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/** FranceConnect's identity pivot, as its userinfo gives it. */
export interface IdentityPivot {
  sub: string;
  givenName: string;
  familyName: string;
  birthdate: string;
  gender: 'female' | 'male' | undefined;
  birthplace: string;
  birthcountry: string;
}

export const SCOPE = 'openid identite_pivot';

export class FranceConnectUnavailable extends Error {}

export class FranceConnectLogin {
  readonly settings: FranceConnectSettings;
  #config: Promise<oidc.Configuration> | undefined;

  constructor(settings: FranceConnectSettings) {
    this.settings = settings;
  }

  /** Discovery once; forgotten on failure so that the next login tries again. */
  config(): Promise<oidc.Configuration> {
    this.#config ??= oidc
      .discovery(
        new URL(this.settings.issuer),
        this.settings.clientId,
        { id_token_signed_response_alg: 'ES256', userinfo_signed_response_alg: 'ES256' },
        oidc.ClientSecretBasic(this.settings.clientSecret),
        new URL(this.settings.issuer).protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        this.#config = undefined;
        throw new FranceConnectUnavailable(`FranceConnect discovery failed: ${String(err)}`, { cause: err });
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
      acr_values: 'eidas1',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url, state, nonce, verifier };
  }

  /** The callback URL as the browser reached it → the verified identity and the ID token. */
  async finish(
    callback: URL,
    login: { state: string; nonce: string; verifier: string },
  ): Promise<{ identity: IdentityPivot; idToken: string | undefined }> {
    const config = await this.config();
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: login.verifier,
      expectedState: login.state,
      expectedNonce: login.nonce,
      idTokenExpected: true,
    });
    const sub = tokens.claims()?.sub;
    if (!sub) throw new Error('FranceConnect returned no subject');
    const info = await oidc.fetchUserInfo(config, tokens.access_token, sub);
    const text = (v: unknown) => (typeof v === 'string' ? v : '');
    return {
      identity: {
        sub,
        givenName: text(info.given_name),
        familyName: text(info.family_name),
        birthdate: text(info.birthdate),
        gender: info.gender === 'female' || info.gender === 'male' ? info.gender : undefined,
        birthplace: text(info.birthplace),
        birthcountry: text(info.birthcountry),
      },
      idToken: tokens.id_token,
    };
  }

  /** FranceConnect's end of session, back to `postLogoutRedirectUri` (undefined before discovery). */
  async logoutUrl(idToken: string | undefined, postLogoutRedirectUri: string): Promise<URL | undefined> {
    if (!idToken) return undefined;
    try {
      const config = await this.config();
      return oidc.buildEndSessionUrl(config, {
        id_token_hint: idToken,
        post_logout_redirect_uri: postLogoutRedirectUri,
        state: oidc.randomState(),
      });
    } catch {
      return undefined;
    }
  }
}
