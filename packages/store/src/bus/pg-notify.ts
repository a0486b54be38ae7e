import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import type { Database } from '../schema.ts';
import type { BusTransport } from './event-bus.ts';

/** The channel of one store: its schema's own, so that stores sharing a database (tests, the sandbox) do not hear each other. */
export function channelOf(schema: string | undefined): string {
  return !schema || schema === 'public' ? 'mss_events' : `mss_events_${schema}`.slice(0, 63);
}

/**
 * PostgreSQL LISTEN/NOTIFY: one connection outside the pool LISTENs for good; a publish is
 * `pg_notify` through the pool (after the publisher's commit, so listeners read committed
 * rows), those of one turn of the event loop in one statement. A lost connection is made again
 * after a short wait; what was notified meanwhile is lost (sessions still re-check at their next
 * command, the queue at its next poll).
 */
export class PgNotifyTransport implements BusTransport {
  readonly kind = 'postgres';
  readonly channel: string;
  private readonly connect: () => pg.Client;
  private readonly db: Kysely<Database>;
  private readonly onError: (err: unknown) => void;
  private client: pg.Client | undefined;
  private onMessage: (message: string) => void = () => {};
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private readonly sending = new Set<Promise<void>>();
  private pending: string[] = [];
  /** Counts the LISTEN connections made: a notice may have been missed between two of them. */
  private epoch = 0;

  constructor(options: { connect: () => pg.Client; db: Kysely<Database>; schema: string | undefined; onError?: (err: unknown) => void }) {
    this.connect = options.connect;
    this.db = options.db;
    this.channel = channelOf(options.schema);
    this.onError = options.onError ?? (() => {});
  }

  async start(onMessage: (message: string) => void): Promise<void> {
    this.onMessage = onMessage;
    await this.listen();
  }

  /** The current LISTEN connection's number while it listens; undefined while it is being made again. */
  coverage(): number | undefined {
    return this.client ? this.epoch : undefined;
  }

  send(message: string): void {
    this.pending.push(message);
    if (this.pending.length === 1) setImmediate(() => this.flush());
  }

  /**
   * What was published in one turn of the event loop goes in one statement: a group commit's
   * deliveries are answered together and each tells of its folder, one round trip instead of
   * one each (PostgreSQL also folds identical notices of one transaction into one).
   */
  private flush(): void {
    if (this.pending.length === 0) return;
    const messages = this.pending;
    this.pending = [];
    const sent = sql`select pg_notify(${this.channel}, m) from unnest(${messages}::text[]) as m`.execute(this.db).then(
      () => undefined,
      (err: unknown) => this.onError(err),
    );
    this.sending.add(sent);
    void sent.finally(() => this.sending.delete(sent));
  }

  /** Sends what was published (the pool is closed next), then stops listening. */
  async close(): Promise<void> {
    this.flush();
    await Promise.all([...this.sending]);
    this.closed = true;
    clearTimeout(this.retry);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => {});
  }

  private async listen(): Promise<void> {
    const c = this.connect();
    c.on('notification', (n) => {
      if (n.channel === this.channel && n.payload) this.onMessage(n.payload);
    });
    // An idle connection's error (server restart) must not crash the process: listen again.
    c.on('error', (err) => this.lost(c, err));
    c.on('end', () => this.lost(c, undefined));
    await c.connect();
    await c.query(`LISTEN "${this.channel}"`);
    if (this.closed) {
      await c.end().catch(() => {});
      return;
    }
    this.epoch++;
    this.client = c;
  }

  private lost(c: pg.Client, err: unknown): void {
    if (this.closed || this.client !== c) return;
    this.client = undefined;
    if (err) this.onError(err);
    c.end().catch(() => {});
    const again = (): void => {
      this.retry = setTimeout(() => {
        this.listen().catch((e: unknown) => {
          this.onError(e);
          again();
        });
      }, 500);
      this.retry.unref();
    };
    again();
  }
}
