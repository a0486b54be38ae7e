// The operator's copy of the whitelist. An operator must keep deciding who is in the trust
// space when the ANS is unreachable or publishes something broken, so the last good copy is
// kept in memory and on disk and only ever replaced by a better one: well-formed, in the right
// namespace, and not empty (the real list is never empty, and ours always holds the patient
// domain — an empty document is a broken publication, not the end of the trust space).
//
// Domains match exactly, case-insensitively: the list names every domain in full (the ANS
// registers each operator domain separately), and a sub-domain of a listed domain is not known
// to be run by the same operator, so `x.operateur-a.mssante.fr` is not in the trust space
// because `operateur-a.mssante.fr` is.

import fs from 'node:fs/promises';
import path from 'node:path';
import { readIfExists, writeFileAtomic, type Logger } from '@mss/runtime';
import { RefreshLoop, fetchErrorMessage, readLimited } from './refresh.ts';
import {
  ROUTES_PATH,
  WHITELIST_PATH,
  normaliseDomain,
  parseRoutes,
  parseWhitelistXml,
  type MxEndpoint,
  type RoutesDocument,
} from './whitelist-document.ts';

export interface WhitelistCacheOptions {
  /** Base URL of the trust service (e.g. `http://127.0.0.1:8087`), or the full list URL. */
  url: string;
  /** Where the last good copy is kept (created if missing). */
  cacheDir: string;
  logger: Logger;
  /** Time between refreshes (default 60 s; the sandbox's operators register while others run). */
  refreshIntervalMs?: number;
  /** Per request (default 5 s). */
  timeoutMs?: number;
  /** Documents beyond this size are refused (default 16 MiB; the real list is far smaller). */
  maxBytes?: number;
  fetch?: typeof fetch;
}

export interface WhitelistCacheStatus {
  /** Where the copy in use came from: the network, the disk copy at start, or nothing yet. */
  source: 'network' | 'disk' | 'none';
  domains: number;
  /** When the copy in use was fetched (ISO), if known. */
  fetchedAt: string | undefined;
  /** Last time the service answered with a usable list or "not modified". */
  checkedAt: string | undefined;
  /** Why the last refresh kept the old copy; undefined after a good refresh. */
  lastError: string | undefined;
}

interface Meta {
  xmlEtag?: string;
  routesEtag?: string;
  fetchedAt?: string;
}

const XML_FILE = 'listeblanchemssante.xml';
const ROUTES_FILE = 'routes.json';
const META_FILE = 'whitelist-cache.json';

export class WhitelistCache {
  private readonly xmlUrl: string;
  private readonly routesUrl: string;
  private readonly cacheDir: string;
  private readonly logger: Logger;
  private readonly loop: RefreshLoop;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly fetchImpl: typeof fetch;

  private domainSet = new Set<string>();
  private routes: RoutesDocument['routes'] = {};
  private meta: Meta = {};
  private source: WhitelistCacheStatus['source'] = 'none';
  private checkedAt: string | undefined;
  private lastError: string | undefined;
  private failureKey: string | undefined;

  constructor(options: WhitelistCacheOptions) {
    const base = options.url.replace(/\/+$/, '');
    this.xmlUrl = base.endsWith('.xml') ? base : `${base}${WHITELIST_PATH}`;
    this.routesUrl = base.endsWith('.xml') ? new URL(ROUTES_PATH, base).toString() : `${base}${ROUTES_PATH}`;
    this.cacheDir = path.resolve(options.cacheDir);
    this.logger = options.logger;
    this.loop = new RefreshLoop({
      intervalMs: options.refreshIntervalMs ?? 60_000,
      refreshOnce: () => this.refreshOnce(),
      onCrash: (err) => this.logger.error({ err }, 'trust: whitelist refresh crashed'),
    });
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /**
   * Loads the disk copy, refreshes once, then keeps refreshing in the background. Never fails
   * because the service is down: with no copy at all, no domain is whitelisted until one comes.
   */
  start(): Promise<void> {
    return this.loop.start(() => this.loadDiskCopy());
  }

  /** Stops refreshing, once a fetch under way has finished (it may be writing the disk copy). */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Fetches now. Resolves true when the copy in use is current, false when the old one was kept. */
  refresh(): Promise<boolean> {
    return this.loop.refresh();
  }

  isWhitelisted(domain: string): boolean {
    const d = normaliseDomain(domain);
    return d !== undefined && this.domainSet.has(d);
  }

  /**
   * Where mail for the domain goes; undefined when the domain is not whitelisted or nothing
   * serves it yet (mail to it is queued). The XML list decides membership, routes.json only
   * the address.
   */
  routeFor(domain: string): MxEndpoint | undefined {
    const d = normaliseDomain(domain);
    if (d === undefined || !this.domainSet.has(d)) return undefined;
    const mx = this.routes[d]?.mx;
    return mx ? { ...mx } : undefined;
  }

  /** The operator the domain belongs to (from routes.json), when whitelisted. */
  operatorFor(domain: string): string | undefined {
    const d = normaliseDomain(domain);
    if (d === undefined || !this.domainSet.has(d)) return undefined;
    return this.routes[d]?.operator;
  }

  domains(): string[] {
    return [...this.domainSet].sort();
  }

  status(): WhitelistCacheStatus {
    return {
      source: this.source,
      domains: this.domainSet.size,
      fetchedAt: this.meta.fetchedAt,
      checkedAt: this.checkedAt,
      lastError: this.lastError,
    };
  }

  private async loadDiskCopy(): Promise<void> {
    try {
      const [xml, routes, meta] = await Promise.all([
        readIfExists(path.join(this.cacheDir, XML_FILE)),
        readIfExists(path.join(this.cacheDir, ROUTES_FILE)),
        readIfExists(path.join(this.cacheDir, META_FILE)),
      ]);
      if (xml === undefined) return;
      const domains = parseWhitelistXml(xml);
      if (domains.length === 0) throw new Error('the saved list is empty');
      this.domainSet = new Set(domains);
      this.meta = meta ? (JSON.parse(meta) as Meta) : {};
      if (routes !== undefined) this.routes = parseRoutes(JSON.parse(routes)).routes;
      else delete this.meta.routesEtag;
      this.source = 'disk';
      this.logger.info({ domains: domains.length, fetchedAt: this.meta.fetchedAt }, 'trust: whitelist loaded from the local copy');
    } catch (err) {
      // A damaged copy is not worth refusing to start over: the network may give a good one.
      this.meta = {};
      this.logger.warn({ err, dir: this.cacheDir }, 'trust: local whitelist copy unreadable, ignored');
    }
  }

  private async refreshOnce(): Promise<boolean> {
    const problems: Problem[] = [];
    const before = JSON.stringify(this.meta);
    let xmlOk = false;
    // Both documents are fetched before either is put in use, so that a domain never shows as
    // whitelisted without its route (or the other way round) between the two answers.
    let newXml: { body: string; domains: string[]; etag: string | undefined } | undefined;
    let newRoutes: { body: string; routes: RoutesDocument['routes']; etag: string | undefined } | undefined;
    try {
      const got = await this.get(this.xmlUrl, this.domainSet.size > 0 ? this.meta.xmlEtag : undefined);
      if (got !== 'not-modified') {
        const domains = parseWhitelistXml(got.body);
        if (domains.length === 0) throw new Error('the list has no domain');
        newXml = { body: got.body, domains, etag: got.etag };
      }
      xmlOk = true;
    } catch (err) {
      problems.push({ text: `${this.xmlUrl}: ${fetchErrorMessage(err)}`, unreachable: err instanceof Unreachable });
    }
    try {
      const hasRoutes = Object.keys(this.routes).length > 0;
      const got = await this.get(this.routesUrl, hasRoutes ? this.meta.routesEtag : undefined);
      if (got !== 'not-modified') newRoutes = { body: got.body, routes: parseRoutes(JSON.parse(got.body)).routes, etag: got.etag };
    } catch (err) {
      problems.push({ text: `${this.routesUrl}: ${fetchErrorMessage(err)}`, unreachable: err instanceof Unreachable });
    }
    if (xmlOk) this.source = 'network';
    if (newXml) {
      const { domains } = newXml;
      const changed = domains.length !== this.domainSet.size || domains.some((d) => !this.domainSet.has(d));
      this.domainSet = new Set(domains);
      this.meta.xmlEtag = newXml.etag;
      this.meta.fetchedAt = new Date().toISOString();
      if (changed) this.logger.info({ domains: domains.length }, 'trust: whitelist updated');
    }
    if (newRoutes) {
      this.routes = newRoutes.routes;
      this.meta.routesEtag = newRoutes.etag;
    }
    // In use before it is saved: a full disk must not keep a good list out of memory.
    if (newXml) await this.save(XML_FILE, newXml.body, problems);
    if (newRoutes) await this.save(ROUTES_FILE, newRoutes.body, problems);
    if (JSON.stringify(this.meta) !== before) await this.save(META_FILE, JSON.stringify(this.meta) + '\n', problems);

    if (problems.length === 0) {
      if (this.lastError !== undefined) this.logger.info({ domains: this.domainSet.size }, 'trust: whitelist service reachable again');
      this.lastError = undefined;
      this.failureKey = undefined;
      this.checkedAt = new Date().toISOString();
      return true;
    }
    if (xmlOk) this.checkedAt = new Date().toISOString();
    const error = problems.map((p) => p.text).join('; ');
    // Once per kind of failure: a service down for an hour must not fill the log, whatever the
    // socket error of each attempt; each different broken answer is worth its own line.
    const key = problems.every((p) => p.unreachable) ? 'unreachable' : error;
    if (key !== this.failureKey) {
      this.logger.warn(
        { error, kept: this.source, domains: this.domainSet.size, fetchedAt: this.meta.fetchedAt },
        'trust: whitelist refresh failed, keeping the last good copy',
      );
    } else {
      this.logger.debug({ error }, 'trust: whitelist refresh failed again');
    }
    this.failureKey = key;
    this.lastError = error;
    return false;
  }

  private async save(file: string, content: string, problems: Problem[]): Promise<void> {
    try {
      await writeFileAtomic(path.join(this.cacheDir, file), content);
    } catch (err) {
      problems.push({ text: `saving ${path.join(this.cacheDir, file)}: ${fetchErrorMessage(err)}`, unreachable: false });
    }
  }

  private async fetchOnce(url: string, headers: Record<string, string>): Promise<Response> {
    try {
      return await this.fetchImpl(url, { headers, signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error' });
    } catch (err) {
      throw new Unreachable(fetchErrorMessage(err), { cause: err });
    }
  }

  private async get(url: string, etag: string | undefined): Promise<'not-modified' | { body: string; etag: string | undefined }> {
    const headers: Record<string, string> = {};
    if (etag) headers['if-none-match'] = etag;
    const res = await this.fetchOnce(url, headers).catch((err: unknown) => {
      // One more try at once: a kept-alive connection the server has just closed fails the
      // first request without saying anything about the service.
      if (err instanceof Unreachable && !(err.cause instanceof Error && err.cause.name === 'TimeoutError'))
        return this.fetchOnce(url, headers);
      throw err;
    });
    if (res.status === 304) {
      await res.body?.cancel();
      if (!etag) throw new Error('304 to an unconditional request');
      return 'not-modified';
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`HTTP ${res.status}`);
    }
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > this.maxBytes) {
      await res.body?.cancel();
      throw new Error(`${declared} bytes, more than the ${this.maxBytes} accepted`);
    }
    const body = new TextDecoder('utf-8', { fatal: true }).decode(await readLimited(res, this.maxBytes));
    return { body, etag: res.headers.get('etag') ?? undefined };
  }
}

class Unreachable extends Error {}

interface Problem {
  text: string;
  unreachable: boolean;
}

/** For `mss` commands: drops the operator's cached copy (the next start fetches afresh). */
export async function clearWhitelistCache(cacheDir: string): Promise<void> {
  await Promise.all([XML_FILE, ROUTES_FILE, META_FILE].map((f) => fs.rm(path.join(cacheDir, f), { force: true })));
}
