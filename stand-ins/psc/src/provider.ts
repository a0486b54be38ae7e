// The oidc-provider configuration that makes it look like Pro Santé Connect: Keycloak's
// `esante-wallet` realm layout, PSC's scopes and claims, JWT access tokens for the operator,
// CIBA in poll mode approved on a simulated e-CPS, and first-party clients whose consent is
// implied. Everything OAuth (client authentication, PKCE, codes, refresh, revocation,
// introspection of opaque tokens, CIBA errors) is the provider's.

import Provider, {
  errors,
  interactionPolicy,
  type Account,
  type ClientInstance,
  type JsonObject,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import type { Logger } from '@mss/runtime';
import type { Store } from '@mss/store';
import { SCOPE_CLAIMS, idnatFromSub, pscClaims, pscUser, subFor, type PscDirectory } from './accounts.ts';
import { applicationTypeFor, standInProviderConfig, type KeyFile, type MemoryStorage } from '@mss/oidc-kit';
import { CIBA_GRANT_TYPE, cibaExpiry, type CibaRegistry } from './ciba.ts';
import { SIGNING_ALG } from './signing.ts';
import { errorPage, logoutPage, logoutSuccessPage } from './pages.ts';
import { pscMiddleware, type AccessTokenLedger } from './tokens.ts';

export const REALM_PATH = '/auth/realms/esante-wallet';

/** Keycloak's endpoint paths, relative to the realm (the issuer). */
export const ROUTES = {
  authorization: '/protocol/openid-connect/auth',
  token: '/protocol/openid-connect/token',
  userinfo: '/protocol/openid-connect/userinfo',
  jwks: '/protocol/openid-connect/certs',
  introspection: '/protocol/openid-connect/token/introspect',
  revocation: '/protocol/openid-connect/revoke',
  end_session: '/protocol/openid-connect/logout',
  backchannel_authentication: '/protocol/openid-connect/ext/ciba/auth',
  pushed_authorization_request: '/protocol/openid-connect/ext/par/request',
} as const;

/** Where the login pages live, under the realm like Keycloak's own login actions. */
export const LOGIN_ACTIONS_PATH = '/login-actions';

export const ACR_EIDAS1 = 'eidas1';
export const SCOPES = ['openid', 'offline_access', 'profile', 'scope_all'] as const;

export interface PscClientConfig {
  clientId: string;
  clientSecret?: string;
  redirectUris?: string[];
  grantTypes: string[];
  tokenEndpointAuthMethod?: string;
}

export interface ProviderDeps {
  issuer: string;
  keys: KeyFile;
  clients: readonly PscClientConfig[];
  storage: MemoryStorage;
  cookieKeys: string[];
  store: Store;
  /** Who may log in and what their claims say (the store's directory, and any other accounts). */
  directory: PscDirectory;
  logger: Logger;
  registry: CibaRegistry;
  ledger: AccessTokenLedger;
  audience: string;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  /** The provider currently serving requests (the ledger checks grants with it). */
  current: () => Provider;
}

/** A resource indicator must be an absolute URI; the audience it stands for need not be. */
export function resourceFor(audience: string): string {
  return URL.canParse(audience) ? audience : `urn:${audience}`;
}

/** oidc-provider client metadata for one configured client. */
export function clientMetadata(c: PscClientConfig): JsonObject {
  const redirectUris = c.redirectUris ?? [];
  const usesCode = c.grantTypes.includes('authorization_code');
  return {
    client_id: c.clientId,
    ...(c.clientSecret === undefined ? {} : { client_secret: c.clientSecret }),
    grant_types: c.grantTypes,
    response_types: usesCode ? ['code'] : [],
    redirect_uris: redirectUris,
    token_endpoint_auth_method: c.tokenEndpointAuthMethod ?? (c.clientSecret === undefined ? 'none' : 'client_secret_basic'),
    application_type: usesCode ? applicationTypeFor(redirectUris) : 'web',
    ...(c.grantTypes.includes(CIBA_GRANT_TYPE) ? { backchannel_token_delivery_mode: 'poll' } : {}),
  };
}

function today(store: Store): string {
  return store.now().toISOString().slice(0, 10);
}

function stringParam(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** PSC's ANS mock accepts free text; we only refuse what cannot be shown on a phone. */
const BINDING_MESSAGE = /^[\p{L}\p{N}\p{P}\p{Zs}]{1,80}$/u;

export function buildProvider(deps: ProviderDeps): Provider {
  const { store, directory, logger, registry, audience } = deps;
  const resource = resourceFor(audience);
  const resourceServerInfo = {
    scope: SCOPES.filter((s) => s !== 'offline_access').join(' '),
    audience,
    accessTokenTTL: deps.accessTokenTtl,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: SIGNING_ALG } },
  };

  const policy = interactionPolicy.base();
  // Native clients are asked for consent at every login by default; ours are first-party.
  policy.get('consent')?.checks.remove('native_client_prompt');

  const findAccount = async (_ctx: unknown, sub: string): Promise<Account | undefined> => {
    const idnat = idnatFromSub(sub);
    if (idnat === undefined || !(await pscUser(directory, idnat))) return undefined;
    return {
      accountId: sub,
      claims: async () => (await pscClaims(directory, idnat, today(store))) ?? { sub },
    };
  };

  const base = standInProviderConfig({
    storage: deps.storage,
    keys: deps.keys.keys,
    clients: deps.clients.map(clientMetadata),
    cookieKeys: deps.cookieKeys,
    interactionPath: `${new URL(deps.issuer).pathname}${LOGIN_ACTIONS_PATH}`,
    pages: { error: errorPage, logout: logoutPage, logoutSuccess: logoutSuccessPage },
  });
  const provider = new Provider(deps.issuer, {
    ...base,
    findAccount,
    acrValues: [ACR_EIDAS1],
    scopes: [...SCOPES],
    claims: { acr: null, auth_time: null, sid: null, iss: null, ...SCOPE_CLAIMS },
    extraParams: ['channel'],
    routes: ROUTES,
    interactions: { ...base.interactions, policy },
    // Keycloak hands a refresh token to every client allowed the grant, offline_access or not.
    issueRefreshToken: async (_ctx: unknown, client: ClientInstance) => client.grantTypeAllowed('refresh_token'),
    extraTokenClaims: async (ctx: KoaContextWithOIDC | undefined, token: { accountId?: string; clientId: string }) => {
      const idnat = token.accountId ? idnatFromSub(token.accountId) : undefined;
      if (idnat === undefined) return undefined;
      const e = ctx?.oidc?.entities;
      const acr = e?.BackchannelAuthenticationRequest?.acr ?? e?.AuthorizationCode?.acr ?? e?.RefreshToken?.acr ?? ACR_EIDAS1;
      return { SubjectNameID: idnat, preferred_username: idnat, acr, azp: token.clientId };
    },
    ttl: {
      AccessToken: deps.accessTokenTtl,
      IdToken: deps.accessTokenTtl,
      RefreshToken: deps.refreshTokenTtl,
      AuthorizationCode: 60,
      BackchannelAuthenticationRequest: (ctx: KoaContextWithOIDC | undefined) => cibaExpiry(ctx?.oidc?.params?.requested_expiry),
      ClientCredentials: deps.accessTokenTtl,
      DeviceCode: 600,
      PreAuthorizedCode: 600,
      Interaction: 600,
      // Keycloak's default SSO session maximum, and grants that outlive their refresh tokens.
      Session: 10 * 3600,
      Grant: 12 * 3600,
    },
    features: {
      ...base.features,
      introspection: {
        enabled: true,
        // The provider's default: public clients may introspect only their own tokens.
        allowedPolicy: async (ctx: KoaContextWithOIDC, client: ClientInstance, token: { clientId: string }) =>
          !(client.clientAuthMethod === 'none' && token.clientId !== ctx.oidc?.client?.clientId),
      },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx: unknown, client: ClientInstance, token: { clientId: string }) => {
          if (token.clientId === client.clientId) return true;
          if (client.clientAuthMethod === 'none') return false;
          throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: async (_ctx: unknown, _client: unknown, oneOf?: string[]) =>
          oneOf ? (oneOf.includes(resource) ? resource : oneOf[0]) : resource,
        // Without this the provider issues an opaque, userinfo-only token whenever `openid` is
        // asked for; PSC's access tokens are always JWTs for the resource server.
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: unknown, indicator: string) => {
          if (indicator !== resource) throw new errors.InvalidTarget(`the only resource served here is ${resource}`);
          return resourceServerInfo;
        },
      },
      ciba: {
        enabled: true,
        deliveryModes: ['poll'],
        processLoginHint: async (_ctx: unknown, loginHint: string) => {
          const person = await pscUser(directory, loginHint);
          return person ? subFor(person.idnat) : undefined;
        },
        processLoginHintToken: async () => {
          throw new errors.InvalidRequest('login_hint_token is not supported; send the IdNat as login_hint');
        },
        validateBindingMessage: async (_ctx: unknown, message: string | undefined) => {
          if (message !== undefined && !BINDING_MESSAGE.test(message)) {
            throw new errors.InvalidBindingMessage('binding_message must be 1 to 80 letters, digits, spaces or punctuation');
          }
        },
        validateRequestContext: async () => {},
        // The e-CPS app has no user code: the person unlocks it with their own PIN.
        verifyUserCode: async () => {},
        triggerAuthenticationDevice: async (
          ctx: KoaContextWithOIDC,
          request: { jti: string; expiration?: number; scope?: string },
          account: Account,
          client: ClientInstance,
        ) => {
          const idnat = idnatFromSub(account.accountId) as string;
          const person = await pscUser(directory, idnat);
          const params = ctx.oidc?.params ?? {};
          const now = Date.now();
          registry.add({
            authReqId: request.jti,
            idnat,
            givenName: person?.first_name ?? '',
            familyName: person?.last_name ?? '',
            clientId: client.clientId,
            scope: request.scope ?? '',
            bindingMessage: stringParam(params.binding_message),
            createdAt: now,
            expiresAt: now + (request.expiration ?? cibaExpiry(params.requested_expiry)) * 1000,
            decided: undefined,
          });
          logger.info({ idnat, clientId: client.clientId }, 'psc: CIBA request waiting for e-CPS approval');
        },
      },
    },
  });

  provider.use(pscMiddleware({ ledger: deps.ledger, registry, store, directory, current: deps.current }));
  provider.on('access_token.issued', (token: { jti: string; grantId?: string; expiration?: number }) => deps.ledger.issued(token));
  provider.on('server_error', (_ctx: unknown, err: unknown) => logger.error({ err }, 'psc: provider error'));
  return provider;
}
