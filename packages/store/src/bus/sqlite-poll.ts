import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';
import type { BusTransport } from './event-bus.ts';

/** How often the other processes' events are looked for; an idle look is one PRAGMA (about a microsecond). */
export const DEFAULT_SQLITE_POLL_MS = 100;
/** How long an event row stays for slow readers before it is deleted. */
const KEEP_MS = 60_000;

/**
 * The bus between the processes of one SQLite file (several workers on one machine): a publish
 * is a row of `bus_events`; each process looks every `pollMs` whether another connection
 * committed anything (`PRAGMA data_version`, no I/O when nothing changed) and, if so, reads the
 * rows after the last it saw. Rows older than a minute are deleted by their writers.
 */
export class SqlitePollTransport implements BusTransport {
  readonly kind = 'sqlite';
  private readonly raw: DatabaseSync;
  private readonly db: Kysely<Database>;
  private readonly pollMs: number;
  private readonly onError: (err: unknown) => void;
  private version: StatementSync | undefined;
  private after: StatementSync | undefined;
  private lastVersion = -1;
  private lastId = 0;
  private timer: NodeJS.Timeout | undefined;
  private onMessage: (message: string) => void = () => {};
  private readonly queued: string[] = [];
  private flushing: Promise<void> | undefined;
  private lastPrune = 0;

  constructor(options: { raw: DatabaseSync; db: Kysely<Database>; pollMs?: number; onError?: (err: unknown) => void }) {
    this.raw = options.raw;
    this.db = options.db;
    this.pollMs = options.pollMs ?? DEFAULT_SQLITE_POLL_MS;
    this.onError = options.onError ?? (() => {});
  }

  async start(onMessage: (message: string) => void): Promise<void> {
    this.onMessage = onMessage;
    this.version = this.raw.prepare('PRAGMA data_version');
    this.after = this.raw.prepare('SELECT id, payload FROM bus_events WHERE id > ? ORDER BY id LIMIT 1000');
    // Only what is published from now on.
    const last = this.raw.prepare('SELECT max(id) AS id FROM bus_events').get() as { id: number | null } | undefined;
    this.lastId = Number(last?.id ?? 0);
    this.timer = setInterval(() => this.poll(), this.pollMs);
    this.timer.unref();
  }

  /** Queued, then written with whatever else is published before the write starts: one commit for a burst. */
  send(message: string): void {
    this.queued.push(message);
    if (!this.flushing) this.flushing = this.flush();
  }

  private async flush(): Promise<void> {
    try {
      while (this.queued.length > 0) {
        const batch = this.queued.splice(0, 500);
        const now = Date.now();
        const createdAt = new Date(now).toISOString();
        // Through the query builder: it waits for a transaction under way on this connection rather than joining it.
        await this.db
          .insertInto('bus_events')
          .values(batch.map((payload) => ({ payload, created_at: createdAt })))
          .execute()
          .catch(this.onError);
        if (now - this.lastPrune > KEEP_MS / 4) {
          this.lastPrune = now;
          await this.db
            .deleteFrom('bus_events')
            .where('created_at', '<', new Date(now - KEEP_MS).toISOString())
            .execute()
            .catch(this.onError);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flushing;
  }

  /** Reads what other processes published since the last look, if anything was committed. */
  poll(): void {
    try {
      const v = Number((this.version!.get() as { data_version: number }).data_version);
      if (v === this.lastVersion) return;
      this.lastVersion = v;
      for (;;) {
        const rows = this.after!.all(this.lastId) as { id: number; payload: string }[];
        for (const r of rows) {
          this.lastId = Number(r.id);
          this.onMessage(r.payload);
        }
        if (rows.length < 1000) break;
      }
    } catch (err) {
      this.onError(err);
    }
  }
}
