// Pro Santé Connect for health software, on openid-client (panva): CIBA in poll mode for
// desktop and server software (the person approves on their e-CPS), the authorization code with
// PKCE for web applications, and the refresh grant. PSC's own conventions (formats-notes §6):
// discovery at `<issuer>/.well-known/wallet-openid-configuration`, scope `openid scope_all`,
// `acr_values=eidas1`, the person's IdNat as `login_hint`.

import * as oidc from 'openid-client';
import { MssClientError } from '../errors.ts';

export const PSC_SCOPE = 'openid scope_all';
export const PSC_ACR = 'eidas1';
export const PSC_DISCOVERY_PATH = '/.well-known/wallet-openid-configuration';

export interface PscClientOptions {
  /** PSC's issuer (realm URL), e.g. `http://127.0.0.1:8081/auth/realms/esante-wallet` in the sandbox. */
  readonly issuer: string;
  readonly clientId: string;
  /** client_secret_basic when given (the sandbox's CIBA client); none (public client, PKCE) otherwise. */
  readonly clientSecret?: string;
}

export interface TokenSet {
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly idToken?: string;
  /** Epoch milliseconds after which the access token is refused. */
  readonly expiresAt: number;
  /** Epoch milliseconds after which the refresh token is refused (Keycloak's `refresh_expires_in`). */
  readonly refreshExpiresAt?: number;
  readonly scope?: string;
}

/** A CIBA request waiting for the person's approval on their e-CPS (CIBA Core §7.3). */
export interface CibaRequest {
  readonly authReqId: string;
  /** Seconds the request stays valid. */
  readonly expiresIn: number;
  /** Seconds between polls. */
  readonly interval: number;
  readonly bindingMessage?: string;
  /** What openid-client needs to poll; opaque to callers. */
  readonly response: oidc.BackchannelAuthenticationResponse;
}

export interface CibaOptions {
  /** Shown on the e-CPS so the person can tell this request from another (1–80 characters). */
  readonly bindingMessage?: string;
  readonly scope?: string;
  readonly acrValues?: string;
}

/** What a web application keeps in its session between the redirect and the callback. */
export interface WebLogin {
  readonly url: URL;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
  readonly redirectUri: string;
}

function pscError(err: unknown): MssClientError {
  if (err instanceof MssClientError) return err;
  const e = err as { error?: unknown; error_description?: unknown; code?: unknown; cause?: unknown };
  const description = typeof e.error_description === 'string' ? `: ${e.error_description}` : '';
  // A 401 with WWW-Authenticate (client authentication refused) carries the error in its challenge.
  const challenged = Array.isArray(e.cause)
    ? (e.cause[0] as { parameters?: { error?: unknown } } | undefined)?.parameters?.error
    : undefined;
  switch (e.error ?? challenged) {
    case 'unknown_user_id':
      return new MssClientError('PSC_UNKNOWN_USER', `Pro Santé Connect does not know this IdNat${description}`, { cause: err });
    case 'access_denied':
      return new MssClientError('PSC_DENIED', 'the person refused the request on their e-CPS', { cause: err });
    case 'expired_token':
      return new MssClientError('PSC_EXPIRED', 'the request expired before the person approved it', { cause: err });
    case 'invalid_client':
    case 'unauthorized_client':
      return new MssClientError('PSC_CLIENT_REFUSED', `Pro Santé Connect refused the client${description}`, { cause: err });
    case 'invalid_grant':
      return new MssClientError('PSC_NO_REFRESH', `the refresh token is no longer valid${description}`, { cause: err });
  }
  if (typeof e.error === 'string')
    return new MssClientError('PSC_ERROR', `Pro Santé Connect answered ${e.error}${description}`, { cause: err });
  if (err instanceof TypeError || e.code === 'ECONNREFUSED' || (e.cause as { code?: unknown } | undefined)?.code === 'ECONNREFUSED') {
    return new MssClientError('PSC_UNREACHABLE', 'cannot reach Pro Santé Connect', { cause: err });
  }
  return new MssClientError('PSC_ERROR', `Pro Santé Connect: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

function tokenSet(r: oidc.TokenEndpointResponse, now: number): TokenSet {
  const refreshIn = (r as { refresh_expires_in?: unknown }).refresh_expires_in;
  return {
    accessToken: r.access_token,
    ...(r.refresh_token === undefined ? {} : { refreshToken: r.refresh_token }),
    ...(r.id_token === undefined ? {} : { idToken: r.id_token }),
    expiresAt: now + (r.expires_in ?? 0) * 1000,
    ...(typeof refreshIn === 'number' && refreshIn > 0 ? { refreshExpiresAt: now + refreshIn * 1000 } : {}),
    ...(r.scope === undefined ? {} : { scope: r.scope }),
  };
}

export class PscClient {
  readonly #config: oidc.Configuration;

  private constructor(config: oidc.Configuration) {
    this.#config = config;
  }

  /** Reads PSC's discovery document (its non-standard path) and prepares the client. */
  static async connect(options: PscClientOptions): Promise<PscClient> {
    const issuer = options.issuer.replace(/\/+$/, '');
    const insecure = issuer.startsWith('http:');
    try {
      const config = await oidc.discovery(
        new URL(`${issuer}${PSC_DISCOVERY_PATH}`),
        options.clientId,
        undefined,
        options.clientSecret === undefined ? oidc.None() : oidc.ClientSecretBasic(options.clientSecret),
        // Plain HTTP only for a sandbox on this machine; PSC itself is HTTPS.
        insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
      );
      return new PscClient(config);
    } catch (err) {
      throw pscError(err);
    }
  }

  get issuer(): string {
    return this.#config.serverMetadata().issuer;
  }

  /** CIBA Core §7.1: asks PSC to have the person approve on their e-CPS. */
  async requestApproval(idnat: string, options: CibaOptions = {}): Promise<CibaRequest> {
    try {
      const response = await oidc.initiateBackchannelAuthentication(this.#config, {
        scope: options.scope ?? PSC_SCOPE,
        acr_values: options.acrValues ?? PSC_ACR,
        login_hint: idnat,
        ...(options.bindingMessage === undefined ? {} : { binding_message: options.bindingMessage }),
      });
      return {
        authReqId: response.auth_req_id,
        expiresIn: response.expires_in,
        interval: response.interval ?? 5,
        ...(options.bindingMessage === undefined ? {} : { bindingMessage: options.bindingMessage }),
        response,
      };
    } catch (err) {
      throw pscError(err);
    }
  }

  /** Polls the token endpoint at the interval PSC asked for (growing on `slow_down`) until approval, refusal or expiry. */
  async waitForApproval(request: CibaRequest, options: { signal?: AbortSignal } = {}): Promise<TokenSet> {
    try {
      const r = await oidc.pollBackchannelAuthenticationGrant(this.#config, request.response, undefined, {
        signal: options.signal ?? AbortSignal.timeout((request.expiresIn + 5) * 1000),
      });
      return tokenSet(r, Date.now());
    } catch (err) {
      throw pscError(err);
    }
  }

  /** The refresh grant: a new access token without asking the person again. */
  async refresh(tokens: TokenSet): Promise<TokenSet> {
    if (tokens.refreshToken === undefined) throw new MssClientError('PSC_NO_REFRESH', 'these tokens came without a refresh token');
    try {
      const r = await oidc.refreshTokenGrant(this.#config, tokens.refreshToken);
      return tokenSet(r, Date.now());
    } catch (err) {
      throw pscError(err);
    }
  }

  /** Authorization code + PKCE (RFC 7636, S256), for web applications: where to redirect the browser. */
  async startWebLogin(options: { redirectUri: string; scope?: string; acrValues?: string }): Promise<WebLogin> {
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(this.#config, {
      redirect_uri: options.redirectUri,
      scope: options.scope ?? PSC_SCOPE,
      acr_values: options.acrValues ?? PSC_ACR,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url, state, nonce, codeVerifier, redirectUri: options.redirectUri };
  }

  /** The callback: checks state and nonce, exchanges the code with the verifier. */
  async finishWebLogin(login: WebLogin, callbackUrl: string | URL): Promise<TokenSet> {
    const url = new URL(callbackUrl);
    if (url.searchParams.get('state') !== login.state) {
      throw new MssClientError('LOGIN_STATE_MISMATCH', 'the callback does not carry the state of this login (another login, or forged)');
    }
    try {
      const r = await oidc.authorizationCodeGrant(this.#config, url, {
        pkceCodeVerifier: login.codeVerifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
      return tokenSet(r, Date.now());
    } catch (err) {
      throw pscError(err);
    }
  }
}
