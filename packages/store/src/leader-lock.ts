import type pg from 'pg';

/**
 * A lock only one process of all those on this PostgreSQL database (and schema) holds at a time:
 * what decides which worker or node runs the operator's once-per-operator jobs (issue #17: the
 * directory feed's drain, directory-sync polling, the R-DEL-5 clock). It is a session advisory
 * lock on a connection of its own, so it is held exactly as long as that connection lives: a
 * process killed with -9, or cut from the database, loses it when the server sees the
 * connection end, and another takes it at its next try. The key is a hash of the schema and the
 * name (`hashtextextended`), so that stores in other schemas of one database (tests, the sandbox)
 * do not compete.
 */
export class PgLeaderLock {
  readonly key: string;
  private readonly connect: () => pg.Client;
  private readonly onError: (err: unknown) => void;
  private client: pg.Client | undefined;
  private held = false;
  private closed = false;
  private readonly lostListeners = new Set<() => void>();

  constructor(options: { connect: () => pg.Client; schema: string | undefined; name: string; onError?: (err: unknown) => void }) {
    this.connect = options.connect;
    this.key = `mss-leader:${options.schema ?? 'public'}:${options.name}`;
    this.onError = options.onError ?? (() => {});
  }

  get isHeld(): boolean {
    return this.held;
  }

  /** Takes the lock if nobody holds it; true while this process holds it. Never throws (false when the database does not answer). */
  async tryAcquire(): Promise<boolean> {
    if (this.held || this.closed) return this.held;
    try {
      const c = await this.connection();
      const r = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok', [this.key]);
      this.held = r.rows[0]?.ok === true && this.client === c;
    } catch (err) {
      this.onError(err);
      this.drop();
    }
    return this.held;
  }

  /** Called once each time a held lock is lost (its connection ended). */
  onLost(listener: () => void): () => void {
    this.lostListeners.add(listener);
    return () => this.lostListeners.delete(listener);
  }

  /** Gives the lock up (ending its connection) and takes no more. */
  async close(): Promise<void> {
    this.closed = true;
    this.held = false;
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => {});
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const c = this.connect();
    // An error on an idle connection (server restart) must not crash the process: the lock is lost.
    c.on('error', (err) => {
      this.onError(err);
      if (this.client === c) this.drop();
    });
    c.on('end', () => {
      if (this.client === c) this.drop();
    });
    this.client = c;
    try {
      await c.connect();
    } catch (err) {
      if (this.client === c) this.client = undefined;
      throw err;
    }
    return c;
  }

  private drop(): void {
    const c = this.client;
    this.client = undefined;
    c?.end().catch(() => {});
    if (!this.held) return;
    this.held = false;
    for (const l of [...this.lostListeners]) l();
  }
}
