// One HTTP server for the stand-in: the OpenID Connect provider under /api/v2 (oidc-provider),
// the simulated identity provider's pages beside it, and a page of links at /.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { MssError, answerClientErrorsAsProblems, listenOn, type Logger } from '@mss/runtime';
import { KeyFileStore, MemoryStorage, sendHtml, sendProblem, urlHost } from '@mss/oidc-kit';
import { DEMO_CITIZENS, staticCitizens, type CitizenDirectory } from './citizens.ts';
import { handleInteraction } from './interactions.ts';
import { indexPage } from './pages.ts';
import { API_PATH, INTERACTION_PATH, SIGNING_ALG, buildProvider, type FranceConnectClientConfig } from './provider.ts';

export interface FranceConnectOptions {
  logger: Logger;
  host: string;
  /** 0 = any free port. */
  port: number;
  /** Keys and the pairwise secret go to `<dataDir>/franceconnect/`. */
  dataDir: string;
  clients?: FranceConnectClientConfig[];
  /** Who can log in (default: `DEMO_CITIZENS`). */
  citizens?: CitizenDirectory;
}

export interface RunningFranceConnect {
  /** http://host:port */
  url: string;
  /** url + '/api/v2' */
  issuer: string;
  stop(): Promise<void>;
}

/**
 * The sandbox's two services: Mon Espace Santé (patients) and the RPPS+ registration portal
 * (secretaries and assistants, domain reference §7). Loopback redirects match on any port
 * (RFC 8252 §7.3), so these follow --port-base; the sandbox still sets the real ports.
 */
export const DEFAULT_FRANCECONNECT_CLIENTS: FranceConnectClientConfig[] = [
  {
    clientId: 'mes-sandbox',
    clientSecret: 'mes-sandbox-secret',
    name: 'Mon Espace Santé',
    redirectUris: ['http://127.0.0.1/connexion/retour'],
    postLogoutRedirectUris: ['http://127.0.0.1/deconnexion/fin'],
  },
  {
    clientId: 'rpps-plus-sandbox',
    clientSecret: 'rpps-plus-sandbox-secret',
    name: 'Portail RPPS+ (enregistrement des secrétaires et assistants)',
    redirectUris: ['http://127.0.0.1/franceconnect/retour'],
    postLogoutRedirectUris: ['http://127.0.0.1/franceconnect/deconnexion'],
  },
];

/** The secret behind pairwise `sub`s: created once, so a citizen keeps their `sub` across restarts. */
function loadPairwiseSecret(dataDir: string): string {
  const file = path.join(dataDir, 'franceconnect', 'pairwise-secret');
  try {
    if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const secret = randomBytes(32).toString('base64url');
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
    return secret;
  } catch (err) {
    throw new MssError(
      'FRANCECONNECT_SECRET_UNUSABLE',
      `cannot read or create ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      { cause: err },
    );
  }
}

export async function startFranceConnect(options: FranceConnectOptions): Promise<RunningFranceConnect> {
  const { logger, host } = options;
  const clients = options.clients ?? DEFAULT_FRANCECONNECT_CLIENTS;
  const citizens = options.citizens ?? staticCitizens(DEMO_CITIZENS);
  const keys = await new KeyFileStore(
    options.dataDir,
    { dir: 'franceconnect', label: 'FranceConnect', code: 'FRANCECONNECT' },
    SIGNING_ALG,
  ).loadOrCreate(new Date());
  const pairwiseSecret = loadPairwiseSecret(options.dataDir);
  const storage = new MemoryStorage();
  const cookieKeys = [randomBytes(32).toString('base64url')];
  const serviceNames = new Map(clients.map((c) => [c.clientId, c.name]));

  let callback: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
  let interactionDeps: Parameters<typeof handleInteraction>[3] | undefined;
  let issuer = '';
  const interactions = `${API_PATH}${INTERACTION_PATH}`;

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawUrl = req.url ?? '/';
    const { pathname } = new URL(rawUrl, 'http://franceconnect.invalid');
    if (pathname === API_PATH || pathname.startsWith(`${API_PATH}/`)) {
      if (!callback || !interactionDeps) return sendProblem(res, 503, 'Service Unavailable', 'FranceConnect is starting');
      if (pathname.startsWith(`${interactions}/`) && (await handleInteraction(req, res, pathname, interactionDeps))) return;
      // The provider derives its mount path from originalUrl minus url (oidc_context urlFor).
      Object.assign(req, { originalUrl: rawUrl });
      req.url = rawUrl.slice(API_PATH.length) || '/';
      await callback(req, res);
      return;
    }
    if (pathname === '/' && req.method === 'GET') return sendHtml(res, 200, indexPage(issuer, [...serviceNames.values()]));
    sendProblem(res, 404, 'Not Found', `no such resource: ${req.method ?? 'GET'} ${pathname}`);
  };

  const server = http.createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      logger.error({ err, method: req.method, url: req.url }, 'franceconnect: request failed');
      if (!res.headersSent) sendProblem(res, 500, 'Internal Server Error', 'the FranceConnect stand-in failed to answer; see its log');
      else res.destroy();
    });
  });
  answerClientErrorsAsProblems(server);

  const port = await listenOn(server, 'franceconnect', host, options.port);
  const url = `http://${urlHost(host)}:${port}`;
  issuer = `${url}${API_PATH}`;
  try {
    const provider = buildProvider({ issuer, keys, clients, storage, cookieKeys, citizens, pairwiseSecret, logger });
    callback = provider.callback();
    interactionDeps = { logger, provider, citizens, serviceNames, basePath: interactions };
  } catch (err) {
    server.close();
    throw err;
  }
  const sweeper = setInterval(() => storage.sweep(), 60_000);
  sweeper.unref();
  logger.info({ url, issuer }, 'franceconnect: FranceConnect stand-in listening');

  let stopped: Promise<void> | undefined;
  return {
    url,
    issuer,
    stop: () => {
      stopped ??= (async () => {
        clearInterval(sweeper);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return stopped;
    },
  };
}
