import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MssError, answerClientErrorsAsProblems, listenOn, type Logger } from '@mss/runtime';
import type { DirectoryData } from '../directory/data.ts';
import { extractionZip } from '../extraction/extraction.ts';
import { EXTRACTION_FILE, listExtractionFiles } from '../extraction/files.ts';
import { capabilityStatement } from '../fhir/capability.ts';
import { FhirError, operationOutcome } from '../fhir/outcome.ts';
import { readResource } from '../fhir/read.ts';
import { search, SEARCHABLE_TYPES, type SearchableType } from '../fhir/search.ts';
import { resolveMailbox, ResolutionError } from '../resolve/resolver.ts';
import { feedHandler, type FeedOptions } from '../feed/routes.ts';
import { changeFeed, type ChangeFeedSource } from '../fhir/changes.ts';
import { deltaExtraction } from '../extraction/delta.ts';
import type { SearchWorkers } from './search-workers.ts';

export const FHIR_BASE_PATH = '/fhir/v2';
export const API_KEY_HEADER = 'esante-api-key';
/** The key the sandbox hands out; any list of keys may be configured instead. */
export const SANDBOX_API_KEY = 'mss-sandbox-esante-api-key';
/** Where the real service publishes the file, kept so that existing downloaders work unchanged. */
export const LEGACY_EXTRACTION_PATH = '/annuaire-sante-webservices/V300/services/extraction/Extraction_Correspondance_MSSante';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const MAX_FORM_BYTES = 64 * 1024;

export interface AnnuaireHttpOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  logger: Logger;
  data: DirectoryData;
  /** Accepted values of the ESANTE-API-KEY header; at least one. */
  apiKeys: readonly string[];
  /** Where daily extraction files are kept (see writeExtractionFile); listed and served when set. */
  extractionDir?: string;
  now?: () => Date;
  /** The operators' write side (FHIR PATCH, full declaration); read-only without it. */
  feed?: FeedOptions;
  /** The change feed (`GET /fhir/v2?_type=…&_cursor=…`, issue #15): not served without it. */
  changes?: ChangeFeedSource;
  /** Threads that run FHIR searches (each with its own store connection); on the main thread without it. */
  searchWorkers?: SearchWorkers;
}

export interface RunningAnnuaireHttp {
  /** `http://host:port`; the FHIR base is `${url}/fhir/v2`. */
  url: string;
  fhirBase: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * The Annuaire Santé's HTTP side: the FHIR R4 API "v2" (read-only: metadata, search, read), the
 * extraction files, and the mailbox resolver (R-ANN-4). See stand-ins/annuaire/README.md.
 */
export async function startAnnuaireHttp(options: AnnuaireHttpOptions): Promise<RunningAnnuaireHttp> {
  const { host, port, logger, data } = options;
  if (options.apiKeys.length === 0 || options.apiKeys.some((k) => k === '')) {
    throw new MssError('ANNUAIRE_NO_API_KEY', 'the Annuaire HTTP server needs at least one non-empty API key (ESANTE-API-KEY)');
  }
  const keys = new Set(options.apiKeys);
  const now = options.now ?? (() => new Date());
  let origin = '';
  const feed = options.feed ? feedHandler(options.feed, { data, logger, now }) : undefined;

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const p = url.pathname;
    if (feed?.handles(method, p, FHIR_BASE_PATH))
      return feed.handle(req, res, url, FHIR_BASE_PATH, (status, body, headers) => sendJson(res, status, FHIR_JSON, body, false, headers));
    if (p === FHIR_BASE_PATH || p.startsWith(`${FHIR_BASE_PATH}/`)) return fhir(req, res, url, method);
    if (p === '/resolve') {
      if (method !== 'GET' && method !== 'HEAD') return sendProblem(res, 405, 'method not allowed: use GET', { Allow: 'GET, HEAD' });
      if (!authorised(req)) return sendProblem(res, 401, `missing or unknown ${API_KEY_HEADER.toUpperCase()} header`);
      return resolve(res, url, method === 'HEAD');
    }
    if (
      p === '/extractions' ||
      p === '/extractions/' ||
      p === '/extractions/latest' ||
      p === LEGACY_EXTRACTION_PATH ||
      p.startsWith('/extractions/')
    ) {
      if (method !== 'GET' && method !== 'HEAD') return sendProblem(res, 405, 'method not allowed: use GET', { Allow: 'GET, HEAD' });
      return extraction(req, res, p, method === 'HEAD');
    }
    if (p === '/') {
      return sendJson(
        res,
        200,
        'application/json; charset=utf-8',
        {
          service: 'mss-operator Annuaire Santé stand-in (HTTP)',
          fhir: `${origin}${FHIR_BASE_PATH}`,
          extractions: `${origin}/extractions`,
          resolve: `${origin}/resolve?professional=<IdNat|RPPS>&structure=<FINESS|SIRET>`,
        },
        method === 'HEAD',
      );
    }
    return sendProblem(res, 404, `no resource at ${p}`);
  };

  const authorised = (req: IncomingMessage): boolean => {
    const key = req.headers[API_KEY_HEADER];
    return typeof key === 'string' && keys.has(key);
  };

  const fhir = async (req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<void> => {
    try {
      const rest = url.pathname.slice(FHIR_BASE_PATH.length).split('/').filter(Boolean);
      if (!authorised(req))
        throw new FhirError(401, 'login', `missing or unknown ${API_KEY_HEADER.toUpperCase()} header: every request needs an API key`);
      const head = method === 'HEAD';
      const base = `${origin}${FHIR_BASE_PATH}`;
      if (rest.length === 1 && rest[0] === 'metadata') {
        if (method !== 'GET' && !head)
          throw new FhirError(405, 'not-supported', `${method} is not allowed on metadata`, { Allow: 'GET, HEAD' });
        return sendJson(res, 200, FHIR_JSON, capabilityStatement(base, now().toISOString()), head);
      }
      const type = rest[0];
      if (!type && options.changes) {
        if (method !== 'GET' && !head) throw new FhirError(405, 'not-supported', `use GET for the change feed`, { Allow: 'GET, HEAD' });
        return sendJson(res, 200, FHIR_JSON, await changeFeed({ data, changes: options.changes, base, now }, url.searchParams), head);
      }
      if (!type) throw new FhirError(404, 'not-found', 'no resource type given: use Practitioner, PractitionerRole or Organization');
      if (!SEARCHABLE_TYPES.includes(type as SearchableType)) {
        throw new FhirError(
          404,
          'not-supported',
          `Unknown resource type '${type}' - Server knows how to handle: [${SEARCHABLE_TYPES.join(', ')}]`,
        );
      }
      const t = type as SearchableType;
      const ctx = { data, base, now };
      if (rest.length === 1) {
        if (method !== 'GET' && !head)
          throw new FhirError(405, 'not-supported', `${method} is not allowed: this API is read-only (GET, or POST ${t}/_search)`, {
            Allow: 'GET, HEAD',
          });
        if (options.searchWorkers)
          return sendText(res, 200, FHIR_JSON, await options.searchWorkers.search(t, url.searchParams, base, now()), head);
        return sendJson(res, 200, FHIR_JSON, await search(ctx, t, url.searchParams), head);
      }
      if (rest.length === 2 && rest[1] === '_search') {
        if (method !== 'POST') throw new FhirError(405, 'not-supported', `use POST on ${t}/_search`, { Allow: 'POST' });
        const params = new URLSearchParams(url.searchParams);
        for (const [k, v] of await readForm(req)) params.append(k, v);
        if (options.searchWorkers) return sendText(res, 200, FHIR_JSON, await options.searchWorkers.search(t, params, base, now()), false);
        return sendJson(res, 200, FHIR_JSON, await search(ctx, t, params), false);
      }
      if (rest.length === 2) {
        if (method !== 'GET' && !head)
          throw new FhirError(405, 'not-supported', `${method} is not allowed: this API is read-only`, { Allow: 'GET, HEAD' });
        let id: string;
        try {
          id = decodeURIComponent(rest[1]!);
        } catch {
          throw new FhirError(400, 'invalid', `"${rest[1]}" is not a valid percent-encoded id`);
        }
        return sendJson(res, 200, FHIR_JSON, await readResource(data, t, id, now().toISOString().slice(0, 10)), head);
      }
      throw new FhirError(404, 'not-supported', `${url.pathname} is not an interaction this server supports (search, read, metadata)`);
    } catch (err) {
      if (err instanceof FhirError)
        return sendJson(res, err.status, FHIR_JSON, operationOutcome('error', err.code, err.message), method === 'HEAD', err.headers);
      throw err;
    }
  };

  const resolve = async (res: ServerResponse, url: URL, head: boolean): Promise<void> => {
    const q = url.searchParams;
    for (const name of q.keys()) {
      if (!['professional', 'structure', 'postal-code', 'city'].includes(name))
        return sendProblem(res, 400, `unknown parameter ${name} (professional, structure, postal-code, city)`);
    }
    const professional = q.get('professional');
    if (!professional) return sendProblem(res, 400, 'professional is required (an IdNat or an RPPS)');
    try {
      const r = await resolveMailbox(
        data,
        professional,
        { structure: q.get('structure') ?? undefined, postalCode: q.get('postal-code') ?? undefined, city: q.get('city') ?? undefined },
        now().toISOString().slice(0, 10),
      );
      const { matchedSituations: _, ...body } = r;
      return sendJson(res, 200, 'application/json; charset=utf-8', body, head);
    } catch (err) {
      if (err instanceof ResolutionError) return sendProblem(res, err.status, err.message);
      throw err;
    }
  };

  const extraction = async (req: IncomingMessage, res: ServerResponse, p: string, head: boolean): Promise<void> => {
    if (p === '/extractions' || p === '/extractions/') {
      const stored = listExtractionFiles(options.extractionDir).map((f) => ({
        name: f.name,
        size: f.size,
        url: `${origin}/extractions/${f.name}`,
      }));
      return sendJson(res, 200, 'application/json; charset=utf-8', { latest: `${origin}/extractions/latest`, files: stored }, head);
    }
    if (p === '/extractions/delta') {
      if (!options.changes) return sendProblem(res, 404, 'this Annuaire does not record its changes: no delta extraction');
      const cursor = new URL(req.url ?? '/', 'http://localhost').searchParams.get('_cursor');
      if (!cursor)
        return sendProblem(
          res,
          400,
          '_cursor is required: the next cursor of the previous delta (X-Next-Cursor), or the head of the FHIR change feed (/fhir/v2?_count=0)',
        );
      let delta: Awaited<ReturnType<typeof deltaExtraction>>;
      try {
        delta = await deltaExtraction(options.changes, cursor, now());
      } catch (err) {
        if (err instanceof FhirError) return sendProblem(res, err.status, err.message);
        throw err;
      }
      res.writeHead(200, {
        'Content-Type': 'application/zip',
        'Content-Disposition': `attachment; filename=${delta.fileName}`,
        'Cache-Control': 'no-store',
        'X-Next-Cursor': delta.next,
        Link: `<${origin}/extractions/delta?_cursor=${delta.next}>; rel="next"`,
      });
      if (head) {
        await delta.chunks.return(undefined);
        res.end();
        return;
      }
      try {
        await pipeline(Readable.from(delta.chunks, { highWaterMark: 1 }), res);
      } catch (err) {
        if (!req.destroyed && !res.destroyed) logger.error({ err }, 'annuaire: delta extraction stream failed');
        res.destroy();
      }
      return;
    }
    if (p === '/extractions/latest' || p === LEGACY_EXTRACTION_PATH) {
      const { fileName, chunks } = extractionZip(data, now());
      res.writeHead(200, {
        'Content-Type': 'application/zip',
        'Content-Disposition': `attachment; filename=${fileName}`,
        'Cache-Control': 'no-store',
      });
      if (head) {
        await chunks.return(undefined);
        res.end();
        return;
      }
      try {
        await pipeline(Readable.from(chunks, { highWaterMark: 1 }), res);
      } catch (err) {
        if (!req.destroyed && !res.destroyed) logger.error({ err }, 'annuaire: extraction stream failed');
        res.destroy();
      }
      return;
    }
    const name = p.slice('/extractions/'.length);
    if (!EXTRACTION_FILE.test(name) || !options.extractionDir) return sendProblem(res, 404, `no extraction file ${name}`);
    const file = path.join(options.extractionDir, name);
    let size: number;
    try {
      size = fs.statSync(file).size;
    } catch {
      return sendProblem(res, 404, `no extraction file ${name}`);
    }
    res.writeHead(200, {
      'Content-Type': 'application/zip',
      'Content-Length': String(size),
      'Content-Disposition': `attachment; filename=${name}`,
    });
    if (head) return void res.end();
    await pipeline(fs.createReadStream(file), res).catch(() => res.destroy());
  };

  const server = http.createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      logger.error({ err, url: req.url, method: req.method }, 'annuaire http: request failed');
      if (res.headersSent) return void res.destroy();
      if ((req.url ?? '').startsWith(FHIR_BASE_PATH))
        sendJson(res, 500, FHIR_JSON, operationOutcome('fatal', 'exception', "internal error; see the stand-in's log"), false);
      else sendProblem(res, 500, "internal error; see the stand-in's log");
    });
  });
  // Requests Node's parser refuses (431 for an oversized query string…) get problem+json too.
  answerClientErrorsAsProblems(server);
  server.keepAliveTimeout = 5_000;
  const bound = await listenOn(server, 'annuaireHttp', host, port);
  origin = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  logger.info({ url: origin, fhir: `${origin}${FHIR_BASE_PATH}` }, 'annuaire http: listening');

  let stopped: Promise<void> | undefined;
  return {
    url: origin,
    fhirBase: `${origin}${FHIR_BASE_PATH}`,
    port: bound,
    stop: () => {
      stopped ??= new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new FhirError(415, 'not-supported', `POST _search takes application/x-www-form-urlencoded, not ${type || 'no content type'}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new FhirError(413, 'too-costly', `the search form is over ${MAX_FORM_BYTES} bytes`);
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sendJson(
  res: ServerResponse,
  status: number,
  type: string,
  body: unknown,
  head: boolean,
  headers: Record<string, string> = {},
): void {
  sendText(res, status, type, JSON.stringify(body), head, headers);
}

function sendText(
  res: ServerResponse,
  status: number,
  type: string,
  json: string,
  head: boolean,
  headers: Record<string, string> = {},
): void {
  const text = Buffer.from(json);
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': String(text.length), ...headers });
  res.end(head ? undefined : text);
}

/** RFC 9457 problem details, as the operator's own API answers. */
function sendProblem(res: ServerResponse, status: number, detail: string, headers: Record<string, string> = {}): void {
  sendJson(
    res,
    status,
    'application/problem+json',
    { type: 'about:blank', title: http.STATUS_CODES[status] ?? 'Error', status, detail },
    false,
    headers,
  );
}
