import type { Logger } from '@mss/runtime';
import type { DirectorySyncRow, Store } from '@mss/store';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '@mss/directory-feed';
import { applyEntries } from './apply.ts';
import { FeedClient, FeedError } from './client.ts';
import { endUnsupportedDelegations, type SyncConsequences } from './consequences.ts';

export interface DirectorySyncOptions {
  /** The operator's store: its copy of persons, structures and situations, and its cursor. */
  store: Store;
  /** The Annuaire's HTTP origin. */
  url: string;
  apiKey: string;
  logger: Logger;
  /** Governance: what ending a situation does to delegations (R-DEL-5). */
  consequences: SyncConsequences;
  /** Between two polls when caught up (default 60 s; the sandbox: 1 s). */
  intervalMs?: number;
  /** Entries asked per page (default 500). */
  pageSize?: number;
  /** After failures (default 1 s doubling to 5 min; never longer than that). */
  backoff?: BackoffPolicy;
  /** The row of `directory_sync` this follower owns (default `annuaire`). */
  source?: string;
  /** Test pacing: a pause after each page written (default none). */
  pauseAfterPageMs?: number;
}

export interface SyncStatus {
  source: string;
  url: string;
  /** Where the next poll starts; null before the first page (a full resynchronisation comes first). */
  cursor: string | null;
  /** The last time the operator had read everything the Annuaire had; null if never. */
  caughtUpAt: string | null;
  /** Now minus caughtUpAt, in ms: how stale the copy may be (null if never caught up). */
  lagMs: number | null;
  lastAttemptAt: string | null;
  lastSuccessAt: string | null;
  /** The last failure, cleared by the next success. */
  lastError: string | null;
  /** Consecutive failures. */
  failures: number;
  /** When the next poll is due (null when stopped). */
  nextPollAt: string | null;
  entriesApplied: number;
  rowsChanged: number;
  fullResyncs: number;
  lastFullResyncAt: string | null;
  lastFullResyncReason: string | null;
  delegationsEnded: number;
  intervalMs: number;
}

export interface CatchUpResult {
  pages: number;
  entries: number;
  rowsChanged: number;
  delegationsEnded: number;
  caughtUp: boolean;
  fullResync: string | null;
}

const today = (d: Date) => d.toISOString().slice(0, 10);

/**
 * The operator follows the Annuaire's change feed (issue #15): polls it over HTTP, writes each
 * page and the cursor after it in one transaction (a crash loses or repeats nothing; a page seen
 * again writes nothing), then applies the consequences — a situation that ended ends the
 * delegations it supported (R-DEL-5). Without a cursor, or when the Annuaire no longer knows it, it
 * follows the feed from its beginning (the Annuaire's baseline: a full resynchronisation) and says
 * so in its log. A failing Annuaire is retried with exponential backoff; the copy stays as it was.
 */
export class DirectorySync {
  private readonly store: Store;
  private readonly client: FeedClient;
  private readonly logger: Logger;
  private readonly consequences: SyncConsequences;
  private readonly intervalMs: number;
  private readonly pageSize: number;
  private readonly backoff: BackoffPolicy;
  private readonly source: string;
  private readonly url: string;
  private readonly pauseAfterPageMs: number;
  private timer: NodeJS.Timeout | undefined;
  private nextPollAt: Date | null = null;
  private running: Promise<CatchUpResult> | undefined;
  private stopped = true;
  /** Set by stop(): a catch-up under way ends after its current page. */
  private halted = false;
  private delegationsEnded = 0;
  /** The day of the last sweep of end dates reached (R-DEL-5 "end date reached"). */
  private sweptOn: string | null = null;

  constructor(options: DirectorySyncOptions) {
    this.store = options.store;
    this.client = new FeedClient({ url: options.url, apiKey: options.apiKey });
    this.logger = options.logger;
    this.consequences = options.consequences;
    this.intervalMs = options.intervalMs ?? 60_000;
    this.pageSize = options.pageSize ?? 500;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.source = options.source ?? 'annuaire';
    this.url = options.url;
    this.pauseAfterPageMs = options.pauseAfterPageMs ?? 0;
  }

  /** Starts polling now, then every interval (or by backoff after failures). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.halted = false;
    this.schedule(0);
  }

  /** Stops polling and waits for a page being written. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.halted = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.nextPollAt = null;
    await this.running?.catch(() => undefined);
  }

  /** Reads the feed until caught up (one run at a time); throws the failure after recording it. */
  catchUp(): Promise<CatchUpResult> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async status(): Promise<SyncStatus> {
    const row = await this.store.directorySync.get(this.source);
    const now = this.store.now();
    return statusOf(row, {
      source: this.source,
      url: this.url,
      now,
      nextPollAt: this.nextPollAt,
      delegationsEnded: this.delegationsEnded,
      intervalMs: this.intervalMs,
    });
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.nextPollAt = new Date(this.store.now().getTime() + delayMs);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.catchUp().then(
        () => this.schedule(this.intervalMs),
        async () => {
          const failures = (await this.store.directorySync.get(this.source).catch(() => undefined))?.failures ?? 1;
          this.schedule(Math.min(backoffDelay(failures, this.backoff), Math.max(this.backoff.maxMs, this.intervalMs)));
        },
      );
    }, delayMs);
    this.timer.unref?.();
  }

  private async run(): Promise<CatchUpResult> {
    const result: CatchUpResult = { pages: 0, entries: 0, rowsChanged: 0, delegationsEnded: 0, caughtUp: false, fullResync: null };
    const attemptAt = this.store.now().toISOString();
    await this.store.directorySync.update(this.source, { last_attempt_at: attemptAt });
    try {
      // End dates reached since the last sweep, and anything a crash left between a page and its consequences.
      const day = today(this.store.now());
      if (this.sweptOn !== day) {
        const delegates = await this.store.directory.delegatesWithEndedEmployment(day);
        result.delegationsEnded += await endUnsupportedDelegations(this.store, this.consequences, delegates, day);
        this.sweptOn = day;
      }
      let cursor = (await this.store.directorySync.get(this.source))?.cursor ?? null;
      if (cursor === null) result.fullResync = await this.beginFullResync('no cursor yet');
      let restarted = false;
      for (;;) {
        const askedAt = this.store.now().toISOString();
        let page: Awaited<ReturnType<FeedClient['page']>>;
        try {
          page = await this.client.page(cursor, this.pageSize);
        } catch (err) {
          if (err instanceof FeedError && err.failure.kind === 'cursor-unknown' && !restarted) {
            restarted = true;
            result.fullResync = await this.beginFullResync(err.failure.message);
            cursor = null;
            continue;
          }
          throw err;
        }
        const applied = await this.store.transaction(async (tx) => {
          const a = await applyEntries(tx, page.entries);
          await tx.directorySync.update(this.source, {
            cursor: page.next,
            last_success_at: askedAt,
            last_error: null,
            failures: 0,
            ...(page.entries.length < this.pageSize ? { caught_up_at: askedAt } : {}),
          });
          await tx.directorySync.count(this.source, a.entries, a.rowsChanged);
          return a;
        });
        for (const s of applied.skipped) this.logger.warn({ resource: s.resource, why: s.why }, 'directory sync: entry left out');
        cursor = page.next;
        result.pages++;
        result.entries += applied.entries;
        result.rowsChanged += applied.rowsChanged;
        result.delegationsEnded += await endUnsupportedDelegations(this.store, this.consequences, applied.persons, today(this.store.now()));
        if (page.entries.length < this.pageSize) {
          result.caughtUp = true;
          break;
        }
        if (this.pauseAfterPageMs > 0) await new Promise((r) => setTimeout(r, this.pauseAfterPageMs));
        if (this.halted) break;
      }
      this.delegationsEnded += result.delegationsEnded;
      if (result.rowsChanged > 0 || result.delegationsEnded > 0 || result.fullResync)
        this.logger.info(result, 'directory sync: applied the Annuaire’s changes');
      return result;
    } catch (err) {
      this.delegationsEnded += result.delegationsEnded;
      const message = err instanceof Error ? err.message : String(err);
      const row = await this.store.directorySync.get(this.source);
      await this.store.directorySync.update(this.source, { last_error: message, failures: (row?.failures ?? 0) + 1 });
      this.logger.warn(
        { err: message, failures: (row?.failures ?? 0) + 1 },
        'directory sync: the Annuaire could not be followed; keeping the last copy',
      );
      throw err;
    }
  }

  private async beginFullResync(reason: string): Promise<string> {
    const row = await this.store.directorySync.get(this.source);
    await this.store.directorySync.update(this.source, {
      cursor: null,
      full_resyncs: (row?.full_resyncs ?? 0) + 1,
      last_full_resync_at: this.store.now().toISOString(),
      last_full_resync_reason: reason,
    });
    this.logger.warn({ reason }, 'directory sync: full resynchronisation from the beginning of the Annuaire’s feed');
    return reason;
  }
}

export function statusOf(
  row: DirectorySyncRow | undefined,
  extra: { source: string; url: string; now: Date; nextPollAt: Date | null; delegationsEnded: number; intervalMs: number },
): SyncStatus {
  const caughtUpAt = row?.caught_up_at ?? null;
  return {
    source: extra.source,
    url: extra.url,
    cursor: row?.cursor ?? null,
    caughtUpAt,
    lagMs: caughtUpAt ? Math.max(0, extra.now.getTime() - Date.parse(caughtUpAt)) : null,
    lastAttemptAt: row?.last_attempt_at ?? null,
    lastSuccessAt: row?.last_success_at ?? null,
    lastError: row?.last_error ?? null,
    failures: row?.failures ?? 0,
    nextPollAt: extra.nextPollAt?.toISOString() ?? null,
    entriesApplied: row?.entries_applied ?? 0,
    rowsChanged: row?.rows_changed ?? 0,
    fullResyncs: row?.full_resyncs ?? 0,
    lastFullResyncAt: row?.last_full_resync_at ?? null,
    lastFullResyncReason: row?.last_full_resync_reason ?? null,
    delegationsEnded: extra.delegationsEnded,
    intervalMs: extra.intervalMs,
  };
}
