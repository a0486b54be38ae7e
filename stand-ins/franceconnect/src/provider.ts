// The oidc-provider configuration that makes it look like FranceConnect v2 (the "particuliers"
// service, eIDAS low): its /api/v2 endpoints, ES256-signed ID tokens and userinfo answers,
// FranceConnect's scopes and claims, a `sub` of 64 hex digits and "v1" that differs for each
// service provider (pairwise), and the authorization parameters v2 makes mandatory. Everything
// OAuth (client authentication, PKCE, codes, errors) is the provider's.

import { createHmac } from 'node:crypto';
import Provider, { errors, type Account, type ClientInstance, type JsonObject } from 'oidc-provider';
import type { Logger } from '@mss/runtime';
import { applicationTypeFor, standInProviderConfig, type KeyFile, type MemoryStorage } from '@mss/oidc-kit';
import { SCOPES, SCOPE_CLAIMS, citizenClaims } from './claims.ts';
import type { CitizenDirectory } from './citizens.ts';
import { errorPage, logoutPage, logoutSuccessPage } from './pages.ts';

/** FranceConnect v2 signs with ES256 (recommended by its documentation; RS256 is the other choice). */
export const SIGNING_ALG = 'ES256';
export const API_PATH = '/api/v2';
export const ACR_EIDAS1 = 'eidas1';

export const ROUTES = {
  authorization: '/authorize',
  token: '/token',
  userinfo: '/userinfo',
  jwks: '/jwks',
  end_session: '/session/end',
} as const;

/** Where the simulated login pages live, under the issuer like v2's own `/interaction/:uid`. */
export const INTERACTION_PATH = '/interaction';

/** A service provider (fournisseur de service, FS) registered with FranceConnect. */
export interface FranceConnectClientConfig {
  clientId: string;
  clientSecret: string;
  /** The service's name as the citizen sees it on the login pages. */
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
}

export interface ProviderDeps {
  issuer: string;
  keys: KeyFile;
  clients: readonly FranceConnectClientConfig[];
  storage: MemoryStorage;
  cookieKeys: string[];
  citizens: CitizenDirectory;
  /** Secret of the pairwise `sub`, kept with the keys so a citizen's `sub` survives restarts. */
  pairwiseSecret: string;
  logger: Logger;
}

export function clientMetadata(c: FranceConnectClientConfig): JsonObject {
  return {
    client_id: c.clientId,
    client_secret: c.clientSecret,
    client_name: c.name,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: c.redirectUris,
    post_logout_redirect_uris: c.postLogoutRedirectUris ?? [],
    token_endpoint_auth_method: 'client_secret_basic',
    application_type: applicationTypeFor(c.redirectUris),
    subject_type: 'pairwise',
    id_token_signed_response_alg: SIGNING_ALG,
    userinfo_signed_response_alg: SIGNING_ALG,
  };
}

/**
 * FranceConnect's `sub`: 64 hexadecimal digits and the letter "v" with a version, different for
 * each service provider, so that two services cannot join their users on it.
 */
export function pairwiseSub(secret: string, clientId: string, accountId: string): string {
  return `${createHmac('sha256', secret).update(`${clientId}\0${accountId}`).digest('hex')}v1`;
}

function required(name: string, check?: (value: string) => string | undefined) {
  return async (_ctx: unknown, value: unknown): Promise<void> => {
    if (typeof value !== 'string' || value === '') throw new errors.InvalidRequest(`${name} is required by FranceConnect v2`);
    const problem = check?.(value);
    if (problem) throw new errors.InvalidRequest(problem);
  };
}

export function buildProvider(deps: ProviderDeps): Provider {
  const { citizens, logger } = deps;
  const issuerPath = new URL(deps.issuer).pathname;
  const findAccount = async (_ctx: unknown, id: string): Promise<Account | undefined> => {
    const citizen = await citizens.find(id);
    if (!citizen) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...citizenClaims(citizen) }) };
  };

  const base = standInProviderConfig({
    storage: deps.storage,
    keys: deps.keys.keys,
    clients: deps.clients.map(clientMetadata),
    cookieKeys: deps.cookieKeys,
    interactionPath: `${issuerPath}${INTERACTION_PATH}`,
    pages: { error: errorPage, logout: logoutPage, logoutSuccess: logoutSuccessPage },
  });
  const provider = new Provider(deps.issuer, {
    ...base,
    findAccount,
    acrValues: [ACR_EIDAS1],
    scopes: SCOPES,
    claims: { acr: null, amr: null, auth_time: null, sid: null, ...SCOPE_CLAIMS },
    subjectTypes: ['public', 'pairwise'],
    pairwiseIdentifier: async (_ctx: unknown, accountId: string, client: ClientInstance) =>
      pairwiseSub(deps.pairwiseSecret, client.clientId, accountId),
    // v2 makes these mandatory on /authorize; a request without them goes back to the service
    // with `invalid_request` (its redirect_uri is known by then).
    extraParams: {
      state: required('state'),
      nonce: required('nonce'),
      acr_values: required('acr_values', (v) =>
        v.split(' ').includes(ACR_EIDAS1) ? undefined : `acr_values must include ${ACR_EIDAS1} (FranceConnect's level)`,
      ),
    },
    routes: ROUTES,
    issueRefreshToken: async () => false,
    ttl: {
      // FranceConnect's access tokens live 60 s: enough to read userinfo once after the callback.
      AccessToken: 60,
      IdToken: 60,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: 30 * 60,
      Grant: 30 * 60,
    },
    features: {
      ...base.features,
      jwtUserinfo: { enabled: true },
      introspection: { enabled: false },
      revocation: { enabled: false },
    },
  });
  provider.on('server_error', (_ctx: unknown, err: unknown) => logger.error({ err }, 'franceconnect: provider error'));
  return provider;
}
