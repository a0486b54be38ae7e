// One HTTP server for the whole stand-in: the realm (served by oidc-provider), the login
// pages, the e-CPS simulator and the admin hook. The provider instance behind the realm can
// be replaced while the server runs: oidc-provider reads its signing keys once, at
// construction, so a key rotation builds a new instance. Storage, cookie keys, pending CIBA
// requests and the token ledger live here, outside the provider, and survive the swap.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import { MssError, answerClientErrorsAsProblems, isLoopbackAddress, listenOn, type Logger } from '@mss/runtime';
import type { Store } from '@mss/store';
import { CibaRegistry, toJson } from './ciba.ts';
import { PendingLogins, handleInteraction } from './interactions.ts';
import {
  BodyTooLarge,
  KeyFileStore,
  MemoryStorage,
  newSigningKey,
  nextRetirement,
  pruneRetired,
  publicJwk,
  readForm,
  redirect,
  sendHtml,
  sendJson,
  sendProblem,
  urlHost,
  type KeyFile,
} from '@mss/oidc-kit';
import { indexPage, phonePage } from './pages.ts';
import { combinedDirectory, type PscDirectory } from './accounts.ts';
import { ACR_EIDAS1, LOGIN_ACTIONS_PATH, REALM_PATH, SCOPES, buildProvider, type PscClientConfig } from './provider.ts';
import { SIGNING_ALG } from './signing.ts';
import { AccessTokenLedger } from './tokens.ts';

export interface PscOptions {
  store: Store;
  logger: Logger;
  host: string;
  port: number;
  dataDir: string;
  clients?: PscClientConfig[];
  /**
   * Accounts besides the store's directory, asked when the store does not know an IdNat: in the
   * sandbox, the secretaries whose e-CPS the RPPS+ portal has activated.
   */
  moreAccounts?: PscDirectory;
  /** `aud` of access tokens (default 'mss-operator'). */
  accessTokenAudience?: string;
  /** Lifetime of access and ID tokens (default 600 s). */
  accessTokenTtlSeconds?: number;
  /** How long a rotated-out key stays in the JWKS (default access token TTL + 300 s). */
  keyRetireAfterSeconds?: number;
  /** Lifetime of refresh tokens (default 1800 s, Keycloak's default idle session). */
  refreshTokenTtlSeconds?: number;
}

export interface RunningPsc {
  /** http://host:port */
  url: string;
  /** url + '/auth/realms/esante-wallet' */
  issuer: string;
  stop(): Promise<void>;
  rotateKeys(): Promise<{ kid: string }>;
}

export const DEFAULT_PSC_CLIENTS: PscClientConfig[] = [
  {
    clientId: 'mss-webmail',
    redirectUris: ['http://127.0.0.1:8080/webmail/callback'],
    grantTypes: ['authorization_code', 'refresh_token'],
    tokenEndpointAuthMethod: 'none',
  },
  {
    clientId: 'mss-lps-sandbox',
    clientSecret: 'mss-lps-sandbox-secret',
    grantTypes: ['urn:openid:params:grant-type:ciba', 'refresh_token'],
    tokenEndpointAuthMethod: 'client_secret_basic',
  },
  {
    // The RPPS+ portal (stand-ins/rpps-plus): titulars log in with the code flow; its scripted
    // API takes their access tokens, which `mss rpps` gets by CIBA.
    clientId: 'rpps-plus-sandbox',
    clientSecret: 'rpps-plus-sandbox-secret',
    redirectUris: ['http://127.0.0.1/psc/retour'],
    grantTypes: ['authorization_code', 'urn:openid:params:grant-type:ciba'],
    tokenEndpointAuthMethod: 'client_secret_basic',
  },
  {
    clientId: 'mss-bench',
    clientSecret: 'mss-bench-secret',
    grantTypes: ['urn:openid:params:grant-type:ciba', 'refresh_token'],
    tokenEndpointAuthMethod: 'client_secret_basic',
  },
];

const SWEEP_INTERVAL_MS = 60_000;
/** setTimeout's ceiling (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new MssError('PSC_OPTION_INVALID', `${name} must be a positive whole number of seconds (got ${String(value)})`);
  return value;
}

export async function startPsc(options: PscOptions): Promise<RunningPsc> {
  const { store, logger, host } = options;
  const accessTokenTtl = positiveInteger('accessTokenTtlSeconds', options.accessTokenTtlSeconds, 600);
  const refreshTokenTtl = positiveInteger('refreshTokenTtlSeconds', options.refreshTokenTtlSeconds, 1800);
  const retireAfter = positiveInteger('keyRetireAfterSeconds', options.keyRetireAfterSeconds, accessTokenTtl + 300);
  const audience = options.accessTokenAudience ?? 'mss-operator';
  const clients = options.clients ?? DEFAULT_PSC_CLIENTS;

  const keyFiles = new KeyFileStore(options.dataDir, { dir: 'psc', label: 'PSC', code: 'PSC' }, SIGNING_ALG);
  let keys: KeyFile = await keyFiles.loadOrCreate(new Date());

  const directory = combinedDirectory(store.directory, options.moreAccounts);
  const storage = new MemoryStorage();
  const registry = new CibaRegistry();
  const logins = new PendingLogins();
  // Signed cookies must stay readable across provider rebuilds; a restart drops sessions anyway.
  const cookieKeys = [randomBytes(32).toString('base64url')];

  let provider: Provider | undefined;
  let callback: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
  let ledger: AccessTokenLedger | undefined;
  let issuer = '';
  const current = (): Provider => {
    if (!provider) throw new Error('psc: provider not ready');
    return provider;
  };

  const install = (): void => {
    if (!ledger) throw new Error('psc: ledger not ready');
    provider = buildProvider({
      issuer,
      keys,
      clients,
      storage,
      cookieKeys,
      store,
      directory,
      logger,
      registry,
      ledger,
      audience,
      accessTokenTtl,
      refreshTokenTtl,
      current,
    });
    callback = provider.callback();
    ledger.setPublishedKeys(keys.keys.map(publicJwk));
  };

  // Rotation and retirement rewrite the key file and swap the provider: one at a time.
  let keyWork: Promise<unknown> = Promise.resolve();
  const serialised = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = keyWork.then(fn, fn);
    keyWork = run.catch(() => {});
    return run;
  };

  let retireTimer: NodeJS.Timeout | undefined;
  const scheduleRetirement = (): void => {
    if (retireTimer) clearTimeout(retireTimer);
    retireTimer = undefined;
    const at = nextRetirement(keys);
    if (at === undefined) return;
    retireTimer = setTimeout(
      () => {
        void serialised(async () => {
          const pruned = pruneRetired(keys, new Date());
          if (pruned.keys.length !== keys.keys.length) {
            keys = pruned;
            keyFiles.save(keys);
            install();
            logger.info({ kids: keys.keys.map((k) => k.kid) }, 'psc: retired signing key dropped from the JWKS');
          }
          scheduleRetirement();
        }).catch((err: unknown) => logger.error({ err }, 'psc: key retirement failed'));
      },
      Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now()) + 50),
    );
    retireTimer.unref();
  };

  const rotateKeys = (): Promise<{ kid: string }> =>
    serialised(async () => {
      const now = new Date();
      const fresh = await newSigningKey(SIGNING_ALG);
      const kept = pruneRetired(keys, now);
      const [previous] = kept.keys;
      const retireAt = { ...kept.retireAt };
      if (previous) retireAt[previous.kid] = new Date(now.getTime() + retireAfter * 1000).toISOString();
      keys = { keys: [fresh, ...kept.keys], retireAt };
      keyFiles.save(keys);
      install();
      scheduleRetirement();
      logger.info({ kid: fresh.kid, retiring: previous?.kid }, 'psc: signing key rotated');
      return { kid: fresh.kid };
    });

  /** Approves or denies a pending CIBA request as the person's e-CPS would. */
  const decide = async (authReqId: string, decision: 'approved' | 'denied'): Promise<boolean> => {
    const pending = registry.open(authReqId);
    if (!pending) return false;
    // Decided before any await, so that two clicks cannot both go through.
    registry.decide(authReqId, decision);
    const p = current();
    const request = await p.BackchannelAuthenticationRequest.find(authReqId);
    if (!request) return false;
    if (decision === 'denied') {
      await p.backchannelResult(request, new errors.AccessDenied('the person refused the request on their e-CPS'));
    } else {
      const grant = new p.Grant({ accountId: request.accountId, clientId: request.clientId });
      const requested = (request.scope ?? '').split(' ').filter(Boolean);
      const oidcScopes = requested.filter((s) => (SCOPES as readonly string[]).includes(s));
      if (oidcScopes.length) grant.addOIDCScope(oidcScopes.join(' '));
      const resources = request.resource === undefined ? [] : Array.isArray(request.resource) ? request.resource : [request.resource];
      for (const r of resources) grant.addResourceScope(r, requested.join(' '));
      await grant.save();
      await p.backchannelResult(request, grant, { acr: ACR_EIDAS1, authTime: Math.floor(Date.now() / 1000) });
    }
    logger.info({ idnat: pending.idnat, clientId: pending.clientId, decision }, 'psc: e-CPS decision');
    return true;
  };

  const loginActions = `${REALM_PATH}${LOGIN_ACTIONS_PATH}`;
  const interactionDeps = { directory, logger, provider: current, basePath: loginActions };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawUrl = req.url ?? '/';
    const { pathname, searchParams, search } = new URL(rawUrl, 'http://psc.invalid');
    const method = req.method ?? 'GET';

    if (pathname === REALM_PATH || pathname.startsWith(`${REALM_PATH}/`)) {
      if (!callback) return sendProblem(res, 503, 'Service Unavailable', 'Pro Santé Connect is starting');
      if (pathname.startsWith(`${loginActions}/`) && (await handleInteraction(req, res, pathname, interactionDeps, logins))) return;
      let inner = rawUrl.slice(REALM_PATH.length) || '/';
      // PSC's own discovery path (formats-notes §6.1) serves the standard document.
      if (pathname === `${REALM_PATH}/.well-known/wallet-openid-configuration`) inner = `/.well-known/openid-configuration${search}`;
      // The provider derives its mount path from originalUrl minus url (oidc_context urlFor).
      Object.assign(req, { originalUrl: `${REALM_PATH}${inner}` });
      req.url = inner;
      await callback(req, res);
      return;
    }

    if (pathname === '/' && method === 'GET') return sendHtml(res, 200, indexPage(issuer));
    if (pathname === '/ecps' && method === 'GET') {
      const idnat = searchParams.get('idnat') ?? undefined;
      return sendHtml(res, 200, phonePage(registry.pending(idnat), idnat));
    }
    if (pathname === '/ecps/requests' && method === 'GET') {
      return sendJson(res, 200, registry.pending(searchParams.get('idnat') ?? undefined).map(toJson));
    }
    const decision = /^\/ecps\/requests\/([^/]+)\/(approve|deny)$/.exec(pathname);
    if (decision && method === 'POST') {
      const fromPage = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
      if (fromPage) {
        try {
          await readForm(req);
        } catch (err) {
          if (!(err instanceof BodyTooLarge)) throw err;
        }
      }
      const id = decodeURIComponent(decision[1] as string);
      const done = await decide(id, decision[2] === 'approve' ? 'approved' : 'denied');
      if (fromPage) return redirect(res, '/ecps');
      if (!done) return sendProblem(res, 404, 'Not Found', `no pending e-CPS request ${id} (unknown, expired or already decided)`);
      res.writeHead(204).end();
      return;
    }
    if (pathname === '/admin/rotate-keys' && method === 'POST') {
      if (!isLoopbackAddress(req.socket.remoteAddress))
        return sendProblem(res, 403, 'Forbidden', 'key rotation is only accepted from this machine');
      return sendJson(res, 200, await rotateKeys());
    }
    sendProblem(res, 404, 'Not Found', `no such resource: ${method} ${pathname}`);
  };

  const server = http.createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      logger.error({ err, method: req.method, url: req.url }, 'psc: request failed');
      if (!res.headersSent) sendProblem(res, 500, 'Internal Server Error', 'the PSC stand-in failed to answer; see its log');
      else res.destroy();
    });
  });
  // Requests Node's parser refuses (431 for an oversized query string…) get problem+json too.
  answerClientErrorsAsProblems(server);

  const port = await listenOn(server, 'psc', host, options.port);
  const url = `http://${urlHost(host)}:${port}`;
  issuer = `${url}${REALM_PATH}`;
  ledger = new AccessTokenLedger(issuer);
  try {
    install();
  } catch (err) {
    server.close();
    throw err;
  }
  scheduleRetirement();

  const sweeper = setInterval(() => {
    storage.sweep();
    registry.sweep();
    ledger?.sweep();
    logins.sweep();
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();

  logger.info({ url, issuer, kid: keys.keys[0]?.kid }, 'psc: Pro Santé Connect stand-in listening');

  let stopped: Promise<void> | undefined;
  return {
    url,
    issuer,
    rotateKeys,
    stop: () => {
      stopped ??= (async () => {
        clearInterval(sweeper);
        if (retireTimer) clearTimeout(retireTimer);
        await keyWork;
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return stopped;
    },
  };
}
