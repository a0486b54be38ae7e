// `mss serve --workers N`: one primary process forks N workers (node:cluster), each a whole
// operator (startOperator) on the same database; the primary accepts connections on the shared
// listeners and hands them round-robin to the workers (docs/choices.md says why not
// SO_REUSEPORT). It serves no mail itself: it restarts a worker that dies (with backoff), names
// the leader among the workers on SQLite (leadership.ts), links the workers of one SQLite file
// (their event bus and their write token go through it: ipc-bus.ts, write-token.ts), answers the operations endpoints for the
// whole machine (metrics summed over the workers by prom-client's AggregatorRegistry), and on
// SIGTERM drains every worker before it exits.

import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, Counter, Gauge, Registry } from 'prom-client';
import { type Logger, WORKER_COUNT_VARIABLE, WORKER_INDEX_VARIABLE, workerPlacement } from '@mss/runtime';
import type { Store, StoreOptions } from '@mss/store';
import { IpcBusRelay, workerBusTransport } from './ipc-bus.ts';
import type { LeaderMessage } from './leadership.ts';
import { WriteTokenGranter, workerWriteGate } from './write-token.ts';
import { startOperations } from './operations.ts';
import { checkReadiness } from './readiness.ts';

/** What a worker tells its primary once its listeners are up. */
export interface WorkerReadyMessage {
  type: 'mss:ready';
  endpoints: Record<string, string>;
}

function isReadyMessage(m: unknown): m is WorkerReadyMessage {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'mss:ready';
}

/** The worker's place among its primary's (stable across restarts), read from its environment. */
export interface WorkerIdentity {
  index: number;
  count: number;
}

/** Set in a worker forked by `runClusterPrimary`, undefined anywhere else. */
export function clusterWorkerIdentity(): WorkerIdentity | undefined {
  if (!cluster.isWorker) return undefined;
  return workerPlacement();
}

/** In a worker: tells the primary it serves, and lets the primary collect its metrics. */
export function announceWorkerReady(endpoints: Record<string, string>, registry: Registry): void {
  // Constructing one installs prom-client's answer to the primary's metrics requests.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  process.send?.({ type: 'mss:ready', endpoints } satisfies WorkerReadyMessage);
}

/**
 * In a worker: its store's links to the other workers of the SQLite file, through the primary (the
 * event bus and the write token). The store ignores them on PostgreSQL.
 */
export function workerSqliteLinks(): Pick<StoreOptions, 'busTransport' | 'writeGate'> {
  return { busTransport: workerBusTransport(), writeGate: workerWriteGate() };
}

export interface ClusterPrimaryOptions {
  workers: number;
  logger: Logger;
  /** The primary's own connection, for readiness (the database answers). */
  store: Store;
  host: string;
  /** The operations listener (/healthz, /readyz, /metrics for the whole machine). */
  operationsPort: number;
  operationsService?: string;
  /**
   * SQLite: the primary names the leader among its workers, relays their events and hands out
   * their write token (`workerSqliteLinks` in each worker); PostgreSQL: they take the advisory
   * lock themselves and talk through the database.
   */
  sqlite: boolean;
  /** How long a worker may take to drain at SIGTERM before it is killed (its own drain timeout, plus a margin). */
  drainTimeoutMs: number;
  /** Restart backoff: first delay, doubling up to the maximum; a worker up for `stableAfterMs` starts again from the first. */
  restart?: { firstDelayMs: number; maxDelayMs: number; stableAfterMs: number };
  /** Once every worker serves: the endpoints (the workers' listeners and the primary's operations). */
  onReady(endpoints: Record<string, string>, pids: number[]): void;
}

interface Slot {
  index: number;
  worker: Worker | undefined;
  ready: boolean;
  startedAt: number;
  restarts: number;
  delayMs: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Runs the primary until a SIGTERM or SIGINT has drained every worker; resolves with the exit
 * status (0 after a drain; 1 if a worker could not start at first).
 */
export async function runClusterPrimary(o: ClusterPrimaryOptions): Promise<number> {
  const log = o.logger.child({ role: 'primary' });
  const backoff = o.restart ?? { firstDelayMs: 500, maxDelayMs: 30_000, stableAfterMs: 60_000 };
  const slots: Slot[] = Array.from({ length: o.workers }, (_, index) => ({
    index,
    worker: undefined,
    ready: false,
    startedAt: 0,
    restarts: 0,
    delayMs: backoff.firstDelayMs,
    timer: undefined,
  }));
  let draining = false;
  let starting = true;
  let leader: Slot | undefined;
  let endpoints: Record<string, string> = {};

  const relay = o.sqlite ? new IpcBusRelay() : undefined;
  const writeToken = o.sqlite ? new WriteTokenGranter() : undefined;

  const registry = new Registry();
  const aggregator = new AggregatorRegistry();
  new Gauge({
    name: 'mss_workers',
    help: 'Worker processes of this machine, by state (ready: serving; down: dead or starting)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const up = slots.filter((s) => s.ready).length;
      this.set({ state: 'ready' }, up);
      this.set({ state: 'down' }, slots.length - up);
    },
  });
  const restarts = new Counter({
    name: 'mss_worker_restarts_total',
    help: 'Workers restarted by the primary after they died',
    registers: [registry],
  });
  const facts = () => ({ workers: { ready: slots.filter((s) => s.ready).length, of: slots.length } });

  const ops = await startOperations({
    host: o.host,
    port: o.operationsPort,
    service: o.operationsService ?? 'operations',
    logger: log,
    source: {
      facts,
      // The database and the blob store as a node checks them; not ready either while no worker serves (`workers` says so).
      readiness: async () => {
        const r = await checkReadiness(o.store);
        return slots.some((s) => s.ready) ? r : { ...r, ready: false };
      },
      // The workers' series summed (gauges of the database: their maximum), then the primary's own.
      scrape: async () => ({
        contentType: aggregator.contentType,
        text: `${await aggregator.clusterMetrics()}${await registry.metrics()}`,
      }),
    },
  });

  const tell = (slot: Slot, message: LeaderMessage): void => {
    if (slot.worker?.isConnected()) slot.worker.send(message);
  };
  const chooseLeader = (): void => {
    if (!o.sqlite || draining || leader) return;
    const next = slots.find((s) => s.ready);
    if (!next) return;
    leader = next;
    log.info({ worker: next.index, workerPid: next.worker?.process.pid }, 'leader chosen for the once-per-operator jobs');
    tell(next, { type: 'mss:leader', leader: true });
  };

  let firstFailure: ((err: Error) => void) | undefined;
  let allReady: (() => void) | undefined;
  const initialStart = new Promise<void>((resolve, reject) => {
    allReady = resolve;
    firstFailure = reject;
  });

  const fork = (slot: Slot): void => {
    slot.timer = undefined;
    slot.ready = false;
    slot.startedAt = Date.now();
    const worker = cluster.fork({ [WORKER_INDEX_VARIABLE]: String(slot.index), [WORKER_COUNT_VARIABLE]: String(o.workers) });
    slot.worker = worker;
    relay?.attach(worker);
    writeToken?.attach(worker);
    worker.on('message', (m: unknown) => {
      if (!isReadyMessage(m) || slot.worker !== worker) return;
      slot.ready = true;
      endpoints = m.endpoints;
      log.info({ worker: slot.index, workerPid: worker.process.pid, restarts: slot.restarts }, 'worker ready');
      chooseLeader();
      if (starting && slots.every((s) => s.ready)) allReady?.();
    });
    worker.on('exit', (code, signal) => {
      if (slot.worker !== worker) return;
      const wasReady = slot.ready;
      slot.ready = false;
      slot.worker = undefined;
      if (leader === slot) leader = undefined;
      if (draining) {
        log.info({ worker: slot.index, workerPid: worker.process.pid, code, signal }, 'worker stopped');
        return;
      }
      if (starting && !wasReady) {
        firstFailure?.(new Error(`worker ${slot.index} exited before it was ready (code ${code}, signal ${signal})`));
        return;
      }
      // Backoff per slot: a worker that keeps dying is not restarted in a tight loop.
      if (Date.now() - slot.startedAt >= backoff.stableAfterMs) slot.delayMs = backoff.firstDelayMs;
      const delay = slot.delayMs;
      slot.delayMs = Math.min(slot.delayMs * 2, backoff.maxDelayMs);
      slot.restarts++;
      restarts.inc();
      log.warn(
        { worker: slot.index, workerPid: worker.process.pid, code, signal, restartInMs: delay, restarts: slot.restarts },
        'worker died',
      );
      chooseLeader();
      slot.timer = setTimeout(() => fork(slot), delay);
    });
  };

  const stopAll = async (signal: NodeJS.Signals): Promise<void> => {
    for (const s of slots) clearTimeout(s.timer);
    const alive = slots.map((s) => s.worker).filter((w): w is Worker => w !== undefined && !w.isDead());
    await Promise.all(
      alive.map(
        (w) =>
          new Promise<void>((resolve) => {
            const killer = setTimeout(() => {
              log.error({ workerPid: w.process.pid }, 'worker did not drain in time: killed');
              w.process.kill('SIGKILL');
            }, o.drainTimeoutMs);
            w.once('exit', () => {
              clearTimeout(killer);
              resolve();
            });
            w.process.kill(signal);
          }),
      ),
    );
  };

  // Listened for from the start: a signal while the workers start stops them as well.
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  void signalled.then(() => firstFailure?.(new Error('stopped while starting')));
  log.info({ workers: o.workers, leadership: o.sqlite ? 'primary' : 'advisory' }, 'starting workers');
  for (const slot of slots) fork(slot);
  try {
    await initialStart;
  } catch (err) {
    log.error({ err }, 'a worker could not start: stopping the others');
    draining = true;
    ops.setReady(false);
    await stopAll('SIGTERM');
    await ops.stop();
    return 1;
  }
  starting = false;
  ops.setReady(true);
  const all = { ...endpoints, [o.operationsService ?? 'operations']: ops.url };
  log.info({ endpoints: all, workerPids: slots.map((s) => s.worker?.process.pid) }, 'operator ready');
  o.onReady(
    all,
    slots.map((s) => s.worker?.process.pid ?? 0),
  );

  const signal = await signalled;
  draining = true;
  ops.setReady(false);
  log.info({ signal }, 'draining');
  // SIGTERM to each worker: its own drain (stop accepting, finish transactions, BYE, 421).
  await stopAll('SIGTERM');
  await ops.stop();
  return 0;
}
