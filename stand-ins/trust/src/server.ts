// The ANS side of the trust space over HTTP: the whitelist in its published XML shape, the
// routing data the sandbox uses instead of DNS, the test CA and its revocation list (CRL), and a
// registration hook for the sandbox's operators. State is the whitelist file and the PKI directory under
// <dataDir>/trust; everything served is rebuilt from them at each change.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { MssError, answerClientErrorsAsProblems, isLoopbackAddress, listenOn, type Logger } from '@mss/runtime';
import { loadOrCreatePki, type Pki } from './pki.ts';
import { CRL_PATH, CRL_PEM_PATH } from './revocation.ts';
import {
  ROUTES_PATH,
  WHITELIST_PATH,
  emptyWhitelist,
  loadWhitelist,
  saveWhitelist,
  toRoutes,
  toXml,
  upsertOperator,
  whitelistDomains,
  whitelistFile,
  type Whitelist,
  type WhitelistOperator,
} from './whitelist.ts';

export const CA_PATH = '/pki/ca.pem';
export const CHAIN_PATH = '/pki/chain.p7b';
export const OPERATORS_PATH = '/operators';

export interface TrustOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  dataDir: string;
  logger: Logger;
  /** Registered (added or updated by name) at start, e.g. the sandbox's operators. */
  operators?: WhitelistOperator[];
}

export interface RunningTrust {
  /** http://host:port */
  url: string;
  pki: Pki;
  /** The same as POST /operators, in process. */
  registerOperator(operator: WhitelistOperator): Promise<{ created: boolean; operator: WhitelistOperator }>;
  /** A copy of the current list. */
  whitelist(): Whitelist;
  stop(): Promise<void>;
}

interface Published {
  xml: Buffer;
  xmlEtag: string;
  routes: Buffer;
  routesEtag: string;
  lastModified: string;
}

const BODY_LIMIT = 64 * 1024;

export async function startTrust(options: TrustOptions): Promise<RunningTrust> {
  const { host, port, logger } = options;
  const dataDir = path.resolve(options.dataDir);
  const pki = await loadOrCreatePki(path.join(dataDir, 'trust', 'pki'));
  const file = whitelistFile(dataDir);
  const stored = await loadWhitelist(file);
  let list = stored ?? { ...emptyWhitelist(), updatedAt: new Date().toISOString() };
  let dirty = stored === undefined;
  for (const op of options.operators ?? []) {
    const next = upsertOperator(list, op);
    // A restart with the same operators must not move Last-Modified (operators would refetch).
    if (JSON.stringify(next.list.operators) !== JSON.stringify(list.operators)) {
      list = next.list;
      dirty = true;
    }
  }
  if (dirty) await saveWhitelist(file, list);

  let published = publish(list);
  const caPem = Buffer.from(pki.caCertPem);
  const chain = Buffer.from(pki.chainP7b());

  // Registrations are applied one at a time so that the file always holds a list that was served.
  let writes: Promise<unknown> = Promise.resolve();
  const registerOperator = (operator: WhitelistOperator): Promise<{ created: boolean; operator: WhitelistOperator }> => {
    const run = writes.then(async () => {
      const result = upsertOperator(list, operator);
      await saveWhitelist(file, result.list);
      list = result.list;
      published = publish(list);
      logger.info(
        { operator: result.operator.name, domains: result.operator.domains, mx: result.operator.mx, created: result.created },
        'trust: operator registered',
      );
      return { created: result.created, operator: result.operator };
    });
    writes = run.catch(() => {});
    return run;
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { pathname } = new URL(req.url ?? '/', 'http://trust.invalid');
    const method = req.method ?? 'GET';
    const read = method === 'GET' || method === 'HEAD';

    if (pathname === WHITELIST_PATH) {
      if (!read) return methodNotAllowed(res, 'GET, HEAD');
      return sendCacheable(req, res, published.xml, 'application/xml; charset=utf-8', published.xmlEtag, published.lastModified);
    }
    if (pathname === ROUTES_PATH) {
      if (!read) return methodNotAllowed(res, 'GET, HEAD');
      return sendCacheable(req, res, published.routes, 'application/json; charset=utf-8', published.routesEtag, published.lastModified);
    }
    if (pathname === CA_PATH) {
      if (!read) return methodNotAllowed(res, 'GET, HEAD');
      return sendCacheable(req, res, caPem, 'application/x-pem-file', etagOf(caPem), undefined);
    }
    if (pathname === CHAIN_PATH) {
      if (!read) return methodNotAllowed(res, 'GET, HEAD');
      return sendCacheable(req, res, chain, 'application/pkcs7-mime; smime-type=certs-only', etagOf(chain), undefined);
    }
    if (pathname === CRL_PATH || pathname === CRL_PEM_PATH) {
      if (!read) return methodNotAllowed(res, 'GET, HEAD');
      // Read at each request: `mss trust revoke` (another process) changes the list on disk.
      const crl = await pki.crl();
      const pem = pathname === CRL_PEM_PATH;
      const body = pem ? Buffer.from(crl.pem) : Buffer.from(crl.der);
      return sendCacheable(
        req,
        res,
        body,
        pem ? 'application/x-pem-file' : 'application/pkix-crl',
        etagOf(body),
        crl.thisUpdate.toUTCString(),
      );
    }
    if (pathname === OPERATORS_PATH) {
      if (read) return sendJson(res, 200, list.operators, method === 'HEAD');
      if (method !== 'POST') return methodNotAllowed(res, 'GET, HEAD, POST');
      if (!isLoopbackAddress(req.socket.remoteAddress))
        return sendProblem(res, 403, 'Forbidden', 'operators can only be registered from this machine');
      // JSON only: a web page cannot send it cross-origin without a preflight, which we never
      // grant, so a page open in the sandbox user's browser cannot register an operator.
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
        return sendProblem(
          res,
          415,
          'Unsupported Media Type',
          'send the operator as application/json: { "name", "domains": [...], "mx": { "host", "port" } }',
        );
      }
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req));
      } catch (err) {
        if (err instanceof BodyTooLarge) return sendProblem(res, 413, 'Payload Too Large', `the body is limited to ${BODY_LIMIT} bytes`);
        return sendProblem(res, 400, 'Bad Request', 'the body is not valid JSON');
      }
      try {
        const result = await registerOperator(body as WhitelistOperator);
        return sendJson(res, result.created ? 201 : 200, result.operator);
      } catch (err) {
        if (err instanceof MssError && err.code === 'TRUST_DOMAIN_TAKEN') return sendProblem(res, 409, 'Conflict', err.message);
        if (err instanceof MssError && err.code === 'TRUST_WHITELIST_INVALID') return sendProblem(res, 400, 'Bad Request', err.message);
        throw err;
      }
    }
    if (pathname === '/') {
      if (!read) return methodNotAllowed(res, 'GET, HEAD');
      return sendJson(
        res,
        200,
        {
          service: 'mss-operator trust space stand-in (ANS)',
          endpoints: [WHITELIST_PATH, ROUTES_PATH, CA_PATH, CHAIN_PATH, CRL_PATH, CRL_PEM_PATH, OPERATORS_PATH],
          domains: whitelistDomains(list).length,
        },
        method === 'HEAD',
      );
    }
    return sendProblem(res, 404, 'Not Found', `no resource at ${pathname}`);
  };

  const server = http.createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      logger.error({ err, url: req.url, method: req.method }, 'trust: request failed');
      if (!res.headersSent) sendProblem(res, 500, 'Internal Server Error', 'the trust stand-in failed; see its log');
      else res.destroy();
    });
  });
  // Requests Node's parser refuses (431 for an oversized query string…) get problem+json too.
  answerClientErrorsAsProblems(server);
  server.keepAliveTimeout = 5_000;

  const bound = await listenOn(server, 'trust', host, port);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  logger.info({ url, domains: whitelistDomains(list).length, pki: pki.dir }, 'trust: listening');

  let stopped: Promise<void> | undefined;
  return {
    url,
    pki,
    registerOperator,
    whitelist: () => structuredClone(list),
    stop: () => {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => writes.then(() => undefined));
      return stopped;
    },
  };
}

function publish(list: Whitelist): Published {
  const xml = Buffer.from(toXml(list));
  const routes = Buffer.from(JSON.stringify(toRoutes(list), null, 2) + '\n');
  const updated = list.updatedAt ? new Date(list.updatedAt) : new Date();
  return { xml, xmlEtag: etagOf(xml), routes, routesEtag: etagOf(routes), lastModified: updated.toUTCString() };
}

function etagOf(body: Uint8Array): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

/** RFC 9110 §13.1.2: If-None-Match wins over If-Modified-Since; the comparison is weak. */
function notModified(req: IncomingMessage, etag: string, lastModified: string | undefined): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) {
    if (inm.trim() === '*') return true;
    const bare = (t: string): string => t.trim().replace(/^W\//, '');
    return inm.split(',').some((t) => bare(t) === bare(etag));
  }
  const ims = req.headers['if-modified-since'];
  if (ims !== undefined && lastModified !== undefined) {
    const since = Date.parse(ims);
    return Number.isFinite(since) && Date.parse(lastModified) <= since;
  }
  return false;
}

function sendCacheable(
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  type: string,
  etag: string,
  lastModified: string | undefined,
): void {
  const headers: Record<string, string> = { etag, 'cache-control': 'no-cache' };
  if (lastModified) headers['last-modified'] = lastModified;
  if (notModified(req, etag, lastModified)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-type': type, 'content-length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headOnly = false): void {
  const text = Buffer.from(JSON.stringify(body, null, 2) + '\n');
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': String(text.length),
  });
  res.end(headOnly ? undefined : text);
}

function sendProblem(res: ServerResponse, status: number, title: string, detail: string): void {
  res.writeHead(status, { 'content-type': 'application/problem+json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ type: 'about:blank', title, status, detail }));
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('allow', allow);
  sendProblem(res, 405, 'Method Not Allowed', `allowed: ${allow}`);
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
