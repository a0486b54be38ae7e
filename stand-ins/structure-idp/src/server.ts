// A hospital's own OpenID Connect provider (its staff directory's login), on panva's
// oidc-provider: authorization code with PKCE, a login form of the staff's identifier and
// password, and JWT access tokens for the operator (audience `mss-operator`) whose `sub` is the
// structure's identifier of the person. The operator trusts it for that structure's ORG
// mailboxes only, by its configuration; this server knows nothing of mailboxes.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Account, type KoaContextWithOIDC } from 'oidc-provider';
import { listenOn, type Logger } from '@mss/runtime';
import { handleInteraction } from './interactions.ts';
import { MemoryAdapter, MemoryStorage } from '@mss/oidc-kit';

export interface StaffAccount {
  /** The structure's identifier of the person (1-20 letters, digits, hyphens): the tokens' `sub`. */
  localId: string;
  name: string;
  /** Their role in the structure, shown on the login page. */
  role: string;
  password: string;
}

export interface StructureIdpOptions {
  logger: Logger;
  host: string;
  port: number;
  /** The structure this provider belongs to (shown on its pages; the operator binds it in its own configuration). */
  finess: string;
  name: string;
  staff?: readonly StaffAccount[];
  audience?: string;
  accessTokenTtlSeconds?: number;
}

export interface RunningStructureIdp {
  url: string;
  issuer: string;
  stop(): Promise<void>;
}

/** The software of the hospital's staff (a public client, loopback redirect of a native application, RFC 8252 §7.3). */
export const LPS_CLIENT_ID = 'mss-lps-hopital';
const REDIRECT_URI = 'http://127.0.0.1/callback';

/** The sandbox hospital's staff: sandbox passwords, never reuse them. */
export const DEFAULT_STAFF: readonly StaffAccount[] = [
  { localId: 'secr-cardio-01', name: 'Jeanne Dupont', role: 'secrétaire médicale', password: 'mss-sandbox-jeanne' },
  { localId: 'ide-cardio-02', name: 'Marc Leroy', role: 'infirmier', password: 'mss-sandbox-marc' },
];

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function startStructureIdp(options: StructureIdpOptions): Promise<RunningStructureIdp> {
  const staff = options.staff ?? DEFAULT_STAFF;
  const audience = options.audience ?? 'mss-operator';
  const ttl = options.accessTokenTtlSeconds ?? 600;
  const resource = `urn:${audience}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
  const server = http.createServer();
  // A client that keeps a connection for a few seconds (undici keeps them 4 s) must not find it
  // closed under it as it reuses it: idle connections are kept longer than that here.
  server.keepAliveTimeout = 30_000;
  const port = await listenOn(server, 'structureIdp', options.host, options.port);
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  const issuer = url;

  const findAccount = async (_ctx: unknown, sub: string): Promise<Account | undefined> => {
    const person = staff.find((s) => s.localId === sub);
    if (!person) return undefined;
    return { accountId: sub, claims: async () => ({ sub, name: person.name }) };
  };

  const storage = new MemoryStorage();
  const provider = new Provider(issuer, {
    adapter: (name: string) => new MemoryAdapter(name, storage),
    jwks: { keys: [jwk] },
    clients: [
      {
        client_id: LPS_CLIENT_ID,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: 'none',
        application_type: 'native',
      },
    ],
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    findAccount,
    scopes: ['openid', 'profile'],
    claims: { openid: ['sub'], profile: ['name'] },
    responseTypes: ['code'],
    pkce: { required: () => true },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    // The structure's own software: what it asks is granted, no consent page.
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const oidc = ctx.oidc;
      const accountId = oidc?.session.accountId;
      if (!oidc?.client || !accountId) return undefined;
      const grant = new oidc.provider.Grant({ accountId, clientId: oidc.client.clientId });
      grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' ') || 'openid');
      grant.addResourceScope(resource, 'openid');
      await grant.save();
      return grant;
    },
    ttl: { AccessToken: ttl, IdToken: ttl, AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 3600 },
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => resource,
        useGrantedResource: async () => true,
        getResourceServerInfo: async () => ({
          scope: 'openid',
          audience,
          accessTokenTTL: ttl,
          accessTokenFormat: 'jwt' as const,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    extraTokenClaims: async (_ctx: unknown, token: { clientId: string }) => ({ azp: token.clientId }),
  });
  const callback = provider.callback();
  const names = new Map(staff.map((s) => [s.localId, s]));
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const pathname = new URL(req.url ?? '/', url).pathname;
      if (pathname.startsWith('/interaction/')) {
        const handled = await handleInteraction(req, res, pathname, {
          provider,
          structureName: options.name,
          check: (localId, password) => {
            const s = names.get(localId);
            return s !== undefined && same(s.password, password);
          },
        });
        if (handled) return;
      }
      await callback(req, res);
    })().catch((err: unknown) => {
      options.logger.error({ err }, 'structure idp: request failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  options.logger.info({ issuer, finess: options.finess, staff: staff.length }, 'structure identity provider listening');
  return {
    url,
    issuer,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
