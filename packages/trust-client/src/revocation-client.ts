// The operator's copy of the trust space CA's revocation list (CRL), kept like its whitelist copy
// (`client.ts`): fetched periodically with conditional requests, the last good copy kept in
// memory and on disk, replaced only by a better one. "Better" is stricter here than for the
// whitelist, because a CRL decides who may log in: signed by the CA the operator trusts, issued
// by it, not from the future, and never older than the copy in use (an older CRL replayed by
// whoever sits between us and the ANS would un-revoke certificates).

import fs from 'node:fs/promises';
import path from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { readIfExists, writeFileAtomic, type Logger } from '@mss/runtime';
import { RefreshLoop, fetchErrorMessage, readLimited } from './refresh.ts';
import { CRL_PATH, normaliseSerial } from './crl.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export type RevocationStatus = 'good' | 'revoked' | 'unknown';

export interface RevocationListCacheOptions {
  /** Base URL of the trust service (e.g. `http://127.0.0.1:8087`), or the CRL's full URL. */
  url: string;
  /** The CA the CRL must be signed by (the operator's trust anchor for client certificates). */
  caCertPem: string;
  /** Where the last good copy is kept (created if missing). */
  cacheDir: string;
  logger: Logger;
  /** Time between refreshes (default 60 s). */
  refreshIntervalMs?: number;
  /** Per request (default 5 s). */
  timeoutMs?: number;
  /** Documents beyond this size are refused (default 4 MiB). */
  maxBytes?: number;
  fetch?: typeof fetch;
  /** The clock (tests). */
  now?: () => Date;
}

export interface RevocationListState {
  source: 'network' | 'disk' | 'none';
  revoked: number;
  thisUpdate: string | undefined;
  nextUpdate: string | undefined;
  /** Past its nextUpdate: still used (the last good copy), and said in the log. */
  stale: boolean;
  checkedAt: string | undefined;
  lastError: string | undefined;
}

const CRL_FILE = 'ca.crl';
const META_FILE = 'crl-cache.json';
/** A CRL dated this far ahead of our clock is refused (clocks of the sandbox are close). */
const FUTURE_SKEW_MS = 5 * 60 * 1000;

interface Loaded {
  der: Uint8Array;
  serials: Set<string>;
  thisUpdate: Date;
  nextUpdate: Date | undefined;
}

export class RevocationListCache {
  private readonly url: string;
  private readonly ca: x509.X509Certificate;
  private readonly cacheDir: string;
  private readonly logger: Logger;
  private readonly loop: RefreshLoop;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => Date;
  private current: Loaded | undefined;
  private etag: string | undefined;
  private source: RevocationListState['source'] = 'none';
  private checkedAt: string | undefined;
  private lastError: string | undefined;
  private warnedStale = false;
  private readonly listeners = new Set<(newlyRevoked: string[]) => void>();

  constructor(options: RevocationListCacheOptions) {
    const base = options.url.replace(/\/+$/, '');
    this.url = /\.(crl|pem)$/.test(base) ? base : `${base}${CRL_PATH}`;
    this.ca = new x509.X509Certificate(options.caCertPem);
    this.cacheDir = path.resolve(options.cacheDir);
    this.logger = options.logger;
    this.loop = new RefreshLoop({
      intervalMs: options.refreshIntervalMs ?? 60_000,
      refreshOnce: () => this.refreshOnce(),
      onCrash: (err) => this.logger.error({ err }, 'trust: CRL refresh crashed'),
    });
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
    this.fetchImpl = options.fetch ?? fetch;
    this.now = options.now ?? (() => new Date());
  }

  /** Loads the disk copy, refreshes once, then keeps refreshing. Never fails because the service is down. */
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

  /** `unknown` until a CRL has been loaded: the caller decides (certificate logins fail closed). */
  status(serial: string): RevocationStatus {
    if (!this.current) return 'unknown';
    const s = normaliseSerial(serial);
    if (s === undefined) return 'unknown';
    this.noteStaleness();
    return this.current.serials.has(s) ? 'revoked' : 'good';
  }

  /** Called with the serials a new CRL revokes, so that open sessions can be ended (R-AUTH-4). */
  onRevoked(listener: (newlyRevoked: string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  state(): RevocationListState {
    const c = this.current;
    return {
      source: this.source,
      revoked: c?.serials.size ?? 0,
      thisUpdate: c?.thisUpdate.toISOString(),
      nextUpdate: c?.nextUpdate?.toISOString(),
      stale: c?.nextUpdate !== undefined && c.nextUpdate.getTime() < this.now().getTime(),
      checkedAt: this.checkedAt,
      lastError: this.lastError,
    };
  }

  private noteStaleness(): void {
    const next = this.current?.nextUpdate;
    const stale = next !== undefined && next.getTime() < this.now().getTime();
    if (stale && !this.warnedStale)
      this.logger.warn(
        { nextUpdate: next.toISOString(), url: this.url },
        'trust: the CRL in use is past its nextUpdate (kept: the last good copy)',
      );
    this.warnedStale = stale;
  }

  private async loadDiskCopy(): Promise<void> {
    try {
      const der = await fs.readFile(path.join(this.cacheDir, CRL_FILE)).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (der === undefined) return;
      const meta = await readIfExists(path.join(this.cacheDir, META_FILE));
      this.current = await this.check(new Uint8Array(der));
      this.etag = meta ? (JSON.parse(meta) as { etag?: string }).etag : undefined;
      this.source = 'disk';
      this.logger.info(
        { revoked: this.current.serials.size, thisUpdate: this.current.thisUpdate.toISOString() },
        'trust: CRL loaded from the local copy',
      );
    } catch (err) {
      // A copy of another CA (the sandbox's PKI was recreated) or a damaged file: the network decides.
      this.current = undefined;
      this.etag = undefined;
      this.logger.warn({ err: fetchErrorMessage(err), dir: this.cacheDir }, 'trust: local CRL copy unusable, ignored');
    }
  }

  private async refreshOnce(): Promise<boolean> {
    try {
      const got = await this.get(this.current ? this.etag : undefined);
      this.checkedAt = this.now().toISOString();
      if (got !== 'not-modified') {
        const next = await this.check(got.der);
        const previous = this.current;
        if (previous && next.thisUpdate.getTime() < previous.thisUpdate.getTime()) {
          throw new Error(`older than the CRL in use (thisUpdate ${next.thisUpdate.toISOString()} < ${previous.thisUpdate.toISOString()})`);
        }
        this.current = next;
        this.etag = got.etag;
        const added = [...next.serials].filter((s) => !previous?.serials.has(s));
        if (added.length > 0 || !previous) this.logger.info({ revoked: next.serials.size, added: added.length }, 'trust: CRL updated');
        await writeFileAtomic(path.join(this.cacheDir, CRL_FILE), next.der);
        await writeFileAtomic(path.join(this.cacheDir, META_FILE), JSON.stringify({ etag: got.etag, fetchedAt: this.checkedAt }) + '\n');
        if (previous && added.length > 0) for (const l of this.listeners) l(added);
      }
      this.source = 'network';
      if (this.lastError !== undefined) this.logger.info({ url: this.url }, 'trust: CRL service reachable again');
      this.lastError = undefined;
      return true;
    } catch (err) {
      const error = `${this.url}: ${fetchErrorMessage(err)}`;
      if (error !== this.lastError) this.logger.warn({ error, kept: this.source }, 'trust: CRL refresh failed, keeping the last good copy');
      this.lastError = error;
      return false;
    }
  }

  /** The CRL if it is the CA's, well signed and not from the future (RFC 5280 §6.3.3 (b), (f)). */
  private async check(der: Uint8Array): Promise<Loaded> {
    let crl: x509.X509Crl;
    try {
      crl = new x509.X509Crl(der);
    } catch {
      throw new Error('not a DER CRL');
    }
    if (crl.issuer !== this.ca.subject) throw new Error(`issued by "${crl.issuer}", not by the trust space CA`);
    if (!(await crl.verify({ publicKey: this.ca }))) throw new Error('bad signature (not signed by the trust space CA)');
    if (crl.thisUpdate.getTime() > this.now().getTime() + FUTURE_SKEW_MS)
      throw new Error(`dated in the future (${crl.thisUpdate.toISOString()})`);
    const serials = new Set<string>();
    for (const e of crl.entries) {
      const s = normaliseSerial(e.serialNumber);
      if (s !== undefined) serials.add(s);
    }
    return { der, serials, thisUpdate: crl.thisUpdate, nextUpdate: crl.nextUpdate };
  }

  private async get(etag: string | undefined): Promise<'not-modified' | { der: Uint8Array; etag: string | undefined }> {
    const headers: Record<string, string> = etag ? { 'if-none-match': etag } : {};
    let res: Response;
    try {
      res = await this.fetchImpl(this.url, { headers, signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error' });
    } catch (err) {
      throw new Error(fetchErrorMessage(err), { cause: err });
    }
    if (res.status === 304 && etag) {
      await res.body?.cancel();
      return 'not-modified';
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`HTTP ${res.status}`);
    }
    const der = new Uint8Array(await readLimited(res, this.maxBytes));
    return { der, etag: res.headers.get('etag') ?? undefined };
  }
}
