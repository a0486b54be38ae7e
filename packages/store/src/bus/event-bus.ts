import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';

/**
 * What every process of an operator must hear, whichever process it happened in (issue #17):
 * `folder-changed` (a folder id: IDLE, JMAP push), `revocation` (R-AUTH-4, R-DEL-5: sessions
 * re-check), `queue` (something is due: the senders look now rather than at their next poll),
 * `directory` (the directory snapshot changed).
 */
export const BUS_TOPICS = ['folder-changed', 'revocation', 'queue', 'directory'] as const;
export type BusTopic = (typeof BUS_TOPICS)[number];

/**
 * How messages reach the other processes: PostgreSQL LISTEN/NOTIFY, SQLite's polled table, or a
 * channel the caller supplies (`ipc`: the workers of `mss serve` on SQLite, through their primary).
 * A transport carries opaque strings and never calls back for a message this process sent
 * (the bus filters its own by origin).
 */
export interface BusTransport {
  readonly kind: 'postgres' | 'sqlite' | 'ipc';
  start(onMessage: (message: string) => void): Promise<void>;
  send(message: string): void;
  close(): Promise<void>;
  /**
   * While every message published from now on is sure to reach this process (or be followed by
   * another value), a number that stays the same: the LISTEN connection's epoch on PostgreSQL.
   * Undefined while not listening, and for transports that cannot say (see `EventBus.coverage`).
   */
  coverage?(): number | undefined;
}

interface Envelope {
  /** The publishing bus (one per store and process). */
  o: string;
  t: BusTopic;
  d: unknown;
}

const TOPICS = new Set<string>(BUS_TOPICS);

/**
 * One publish/subscribe for the store's processes. Listeners of this process are called at once
 * (synchronously, as an EventEmitter would); the transport, if any, carries the event to the
 * other processes, whose listeners are called when it arrives. Without a transport (one
 * process on SQLite) it is an in-process emitter.
 */
export class EventBus {
  readonly origin = randomUUID();
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private readonly transport: BusTransport | undefined;
  private readonly onError: (err: unknown) => void;
  /** Events that arrived from other processes (for tests and metrics). */
  received = 0;

  constructor(transport?: BusTransport, onError: (err: unknown) => void = () => {}) {
    this.transport = transport;
    this.onError = onError;
  }

  /** `local` (this process only), `postgres` (LISTEN/NOTIFY), `sqlite` (polled table) or `ipc` (the caller's channel). */
  get kind(): 'local' | BusTransport['kind'] {
    return this.transport?.kind ?? 'local';
  }

  /**
   * A value that stays the same for as long as this process keeps hearing every event published
   * on the transport; undefined when it cannot be sure (no transport, not listening). A reader
   * that saw the same value before and after reading some state, and no event meanwhile, knows
   * that no publisher reported a change to it in between (IMAP's shared folder indexes).
   */
  coverage(): number | undefined {
    return this.transport?.coverage?.();
  }

  async start(): Promise<void> {
    await this.transport?.start((message) => this.arrived(message));
  }

  /** Tells this process's listeners now, and the other processes through the transport. Never throws. */
  publish(topic: BusTopic, data: unknown): void {
    this.deliver(topic, data);
    if (!this.transport) return;
    try {
      this.transport.send(JSON.stringify({ o: this.origin, t: topic, d: data } satisfies Envelope));
    } catch (err) {
      this.onError(err);
    }
  }

  subscribe(topic: BusTopic, listener: (data: unknown) => void): () => void {
    this.emitter.on(topic, listener);
    return () => this.emitter.off(topic, listener);
  }

  listenerCount(topic: BusTopic): number {
    return this.emitter.listenerCount(topic);
  }

  async close(): Promise<void> {
    await this.transport?.close();
  }

  private arrived(message: string): void {
    let e: Envelope;
    try {
      e = JSON.parse(message) as Envelope;
    } catch {
      return;
    }
    if (e.o === this.origin || !TOPICS.has(e.t)) return;
    this.received++;
    this.deliver(e.t, e.d);
  }

  private deliver(topic: BusTopic, data: unknown): void {
    // A listener's failure is its own: the others and the publisher go on.
    for (const listener of this.emitter.listeners(topic)) {
      try {
        (listener as (d: unknown) => void)(data);
      } catch (err) {
        this.onError(err);
      }
    }
  }
}
