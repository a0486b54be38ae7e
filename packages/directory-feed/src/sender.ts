import type { Logger } from '@mss/runtime';
import type { DirectoryOutboxRow, DirectoryPublication, Store } from '@mss/store';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.ts';
import { DirectoryClient, type Answer } from './client.ts';
import { declarationLines } from './declaration.ts';
import { patchBody, patchPath } from './fhir.ts';

export interface DirectoryFeedOptions {
  /** The operator's store: its `directory_outbox` is drained, its mailboxes declared. */
  store: Store;
  /** The directory's HTTP origin (`http://127.0.0.1:8082`). */
  url: string;
  /** The key the directory issued to this operator. */
  key: string;
  logger: Logger;
  backoff?: BackoffPolicy;
  /** Rows read per query while draining (default 100). */
  batch?: number;
}

export interface DrainResult {
  sent: number;
  /** Rows the directory refused for good (closed with their error, see README). */
  refused: number;
  /** Set when a row could not be sent and is kept for the next attempt. */
  error?: string;
  /** Another node was draining (PostgreSQL): this one read nothing and sent nothing. */
  skipped?: true;
}

/**
 * The operator side of the directory feed. Rows are sent strictly in outbox order: a row that
 * cannot be sent stops the drain, so a later change never overtakes an earlier one (a liste
 * rouge switched on then off must end off). A failing directory is retried with exponential
 * backoff; rows stay pending meanwhile, across restarts too.
 */
export class DirectoryFeedSender {
  private readonly store: Store;
  private readonly client: DirectoryClient;
  private readonly logger: Logger;
  private readonly backoff: BackoffPolicy;
  private readonly batch: number;
  private failures = 0;
  private nextAttempt = 0;
  /** The pending timer of each periodic task (`drain`, `declaration`). */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private running: Promise<DrainResult> | undefined;
  private declaring: Promise<Answer> | undefined;
  private stopped = false;

  constructor(options: DirectoryFeedOptions) {
    this.store = options.store;
    this.client = new DirectoryClient({ url: options.url, key: options.key });
    this.logger = options.logger;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.batch = options.batch ?? 100;
  }

  /**
   * Sends pending rows in order until none is left or one fails. One drain at a time, and of
   * several nodes on one database one only (Store.exclusive): two drains at once would each send
   * every pending row, and a slow one could send an old change after a newer one.
   */
  drain(): Promise<DrainResult> {
    this.running ??= this.store
      .exclusive('directory-outbox', () => this.drainOnce())
      .then((r): DrainResult => (r.ran ? r.value : { sent: 0, refused: 0, skipped: true }))
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** Drains every `pollMs` (unref'd), waiting out the backoff after a failure. */
  start(pollMs = 1000): void {
    this.stopped = false;
    this.repeat('drain', 0, pollMs, async () => {
      if (Date.now() >= this.nextAttempt)
        await this.drain().catch((err: unknown) => this.logger.error({ err }, 'directory feed: drain failed'));
    });
  }

  /**
   * Declares the full list every `everyMs` (unref'd), the first time after `firstInMs`. A
   * declaration repairs whatever drifted: a directory restored from an older copy, a row the
   * directory refused for good. Declarations never overlap.
   */
  declarePeriodically(everyMs: number, firstInMs = everyMs): void {
    this.repeat('declaration', firstInMs, everyMs, async () => {
      await this.declareAll().catch((err: unknown) => this.logger.error({ err }, 'directory feed: full declaration failed'));
    });
  }

  /** Runs `work` after `firstMs`, then `everyMs` after each run ends, until stop() (unref'd timers). */
  private repeat(name: string, firstMs: number, everyMs: number, work: () => Promise<void>): void {
    const tick = async () => {
      if (this.stopped) return;
      await work();
      if (!this.stopped) this.timers.set(name, setTimeout(tick, everyMs).unref());
    };
    this.timers.set(name, setTimeout(tick, firstMs).unref());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.all([this.running?.catch(() => {}), this.declaring?.catch(() => {})]);
  }

  /**
   * R-ANN-1: sends the complete list of the operator's mailboxes; the directory withdraws those
   * of the operator's domains that the list leaves out. Streamed from the store page by page.
   */
  declareAll(): Promise<Answer> {
    this.declaring ??= this.declareOnce().finally(() => {
      this.declaring = undefined;
    });
    return this.declaring;
  }

  private async declareOnce(): Promise<Answer> {
    const started = Date.now();
    const answer = await this.client.declare(declarationLines(this.store));
    if (answer.error) this.logger.warn({ error: answer.error }, 'directory feed: full declaration failed');
    else this.logger.info({ summary: answer.body, ms: Date.now() - started }, 'directory feed: full declaration sent');
    return answer;
  }

  private async drainOnce(): Promise<DrainResult> {
    const result: DrainResult = { sent: 0, refused: 0 };
    for (;;) {
      const rows = await this.store.outbox.pending(this.batch);
      if (rows.length === 0) return result;
      for (const row of rows) {
        const answer = await this.send(row);
        if (answer.status >= 200 && answer.status < 300) {
          await this.store.outbox.markSent(row.id);
          result.sent++;
          this.failures = 0;
          this.nextAttempt = 0;
        } else if (isFinal(answer.status)) {
          // Retrying a request the directory judged wrong would block every row behind it.
          await this.store.outbox.markFailed(row.id, `refused: ${answer.error}`);
          await this.store.outbox.markSent(row.id);
          result.refused++;
          this.logger.error(
            { address: row.address, operation: row.operation, error: answer.error },
            'directory feed: the directory refused a change; closed, see directory_outbox.last_error',
          );
        } else {
          await this.store.outbox.markFailed(row.id, answer.error ?? `HTTP ${answer.status}`);
          this.failures++;
          const wait = backoffDelay(this.failures, this.backoff);
          this.nextAttempt = Date.now() + wait;
          this.logger.warn({ address: row.address, error: answer.error, retryInMs: wait }, 'directory feed: not sent, will retry');
          return { ...result, error: answer.error ?? `HTTP ${answer.status}` };
        }
      }
    }
  }

  private send(row: DirectoryOutboxRow): Promise<Answer> {
    const publication = JSON.parse(row.payload) as DirectoryPublication;
    return this.client.patch(patchPath(publication, row.operation), patchBody(publication, row.operation));
  }
}

/**
 * Refusals that no retry can change: a malformed or forbidden change, an unknown or ambiguous
 * target. 401 (a key not yet configured), 408, 409 (a concurrent write), 429 and 5xx are retried.
 */
function isFinal(status: number): boolean {
  return (
    status === 400 ||
    status === 403 ||
    status === 404 ||
    status === 405 ||
    status === 412 ||
    status === 413 ||
    status === 415 ||
    status === 422
  );
}
