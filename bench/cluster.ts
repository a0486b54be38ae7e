/**
 * Bench listeners as several processes sharing their ports, as `mss serve --workers N` runs the
 * operator (node:cluster, connections handed to the workers in turn; issue #17). The primary
 * prepares the store once (seeded) and forks the workers; each worker opens the same store with
 * the cross-process bus and listens; the primary prints the ready line once all of them serve.
 *
 * `BENCH_WORKERS` is a comma-separated list of worker counts the benchmarks measure our side with
 * (default `1`; `1,2` prints both, next to the peer's figures). A bench listener reads its own
 * count from `BENCH_LISTENER_WORKERS`, set by the benchmark for each run.
 */
import cluster from 'node:cluster';
import { IpcBusRelay, WriteTokenGranter, workerBusTransport, workerWriteGate } from '@mss/operator';
import type { StoreOptions } from '@mss/store';

/** A comma-separated list of counts from `variable` (`1,2`); whole numbers of at least 1, else `[1]`. */
function countsFrom(variable: string): number[] {
  const counts = (process.env[variable] ?? '1')
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n >= 1);
  return counts.length > 0 ? counts : [1];
}

/** The worker counts to measure (`BENCH_WORKERS=1,2`). */
export function benchWorkerCounts(): number[] {
  return countsFrom('BENCH_WORKERS');
}

/** This listener's worker count (1: everything in this process, as before). */
export function listenerWorkers(): number {
  const n = Number(process.env.BENCH_LISTENER_WORKERS ?? 1);
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/** True in the primary of a listener with more than one worker: it prepares and forks instead of serving. */
export function isBenchPrimary(): boolean {
  return listenerWorkers() > 1 && cluster.isPrimary;
}

/** True in a forked worker: the store is already made and seeded by the primary. */
export function isBenchWorker(): boolean {
  return cluster.isWorker;
}

/** In the primary: forks `n` workers with `env`, resolves with what each sent once serving. */
export async function forkBenchWorkers<T>(n: number, env: Record<string, string>): Promise<{ ready: T[]; stop(): Promise<void> }> {
  const workers = Array.from({ length: n }, () => cluster.fork(env));
  // As `mss serve`'s primary does on SQLite: the workers' bus and write token go through here.
  const relay = new IpcBusRelay();
  const token = new WriteTokenGranter();
  for (const w of workers) {
    if (process.env.BENCH_SQLITE_IPC_BUS !== '0') relay.attach(w);
    if (process.env.BENCH_SQLITE_WRITE_TOKEN !== '0') token.attach(w);
  }
  const ready = await Promise.all(
    workers.map(
      (w) =>
        new Promise<T>((resolve, reject) => {
          w.once('message', (m: { ready?: T }) => (m.ready !== undefined ? resolve(m.ready) : reject(new Error('bad message'))));
          w.once('exit', (code) => reject(new Error(`bench worker exited before ready (${code})`)));
        }),
    ),
  );
  return {
    ready,
    stop: async () => {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.isDead()) return resolve();
              w.once('exit', () => resolve());
              w.process.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

/**
 * In a worker: the store options that link it to its siblings through the primary, as in
 * `mss serve` (the IPC bus and the write token; `BENCH_SQLITE_IPC_BUS=0` keeps the polled table,
 * `BENCH_SQLITE_WRITE_TOKEN=0` leaves the writers to SQLite's busy wait, for comparison).
 */
export function benchWorkerStoreOptions(): Pick<StoreOptions, 'crossProcessEvents' | 'busTransport' | 'writeGate'> {
  return {
    crossProcessEvents: true,
    ...(process.env.BENCH_SQLITE_IPC_BUS !== '0' ? { busTransport: workerBusTransport() } : {}),
    ...(process.env.BENCH_SQLITE_WRITE_TOKEN !== '0' ? { writeGate: workerWriteGate() } : {}),
  };
}

/** In a worker: tells the primary it serves; `stop` runs at SIGTERM, then the worker leaves. */
export function benchWorkerServes(ready: unknown, stop: () => Promise<void>): void {
  process.send?.({ ready });
  process.once('SIGTERM', () => {
    void stop().finally(() => process.exit(0));
  });
}

/**
 * One measured setup of our side: the database engine, the number of nodes (separate listener
 * process trees on one PostgreSQL database, each with its own ports, as two `mss serve` would be)
 * and the number of worker processes of each node.
 */
export interface BenchSetup {
  engine: 'sqlite' | 'postgres';
  nodes: number;
  workers: number;
  /** For the SMTP rows: `sqlite, 2 workers`, `pg, 2 nodes, 1 worker`. */
  label: string;
  /** For the IMAP rows: `sqlite-2w`, `pg-2n-1w`. */
  tag: string;
}

/** `BENCH_DATABASE=sqlite,postgres` (default `sqlite`): the engines to measure, in this order. */
export function benchDatabases(): ('sqlite' | 'postgres')[] {
  const names = (process.env.BENCH_DATABASE ?? 'sqlite').split(',').map((s) => s.trim().toLowerCase());
  const out: ('sqlite' | 'postgres')[] = [];
  for (const n of names) {
    const engine = n === 'sqlite' ? 'sqlite' : n === 'postgres' || n === 'pg' || n === 'postgresql' ? 'postgres' : null;
    if (!engine) throw new Error(`BENCH_DATABASE: "${n}" is not sqlite or postgres`);
    if (!out.includes(engine)) out.push(engine);
  }
  return out.length > 0 ? out : ['sqlite'];
}

/** `BENCH_NODES=1,2` (default `1`): node counts, on PostgreSQL only (SQLite is one file on one machine's disk). */
export function benchNodeCounts(): number[] {
  return countsFrom('BENCH_NODES');
}

/** Every setup to measure: engines × (PostgreSQL only) node counts × worker counts. */
export function benchSetups(): BenchSetup[] {
  const setups: BenchSetup[] = [];
  const plural = (n: number, what: string) => `${n} ${what}${n > 1 ? 's' : ''}`;
  for (const engine of benchDatabases())
    for (const nodes of engine === 'postgres' ? benchNodeCounts() : [1])
      for (const workers of benchWorkerCounts()) {
        const label =
          engine === 'sqlite' ? `sqlite, ${plural(workers, 'worker')}` : `pg, ${plural(nodes, 'node')}, ${plural(workers, 'worker')}`;
        const tag = engine === 'sqlite' ? `sqlite-${workers}w` : `pg-${nodes}n-${workers}w`;
        setups.push({ engine, nodes, workers, label, tag });
      }
  return setups;
}

/** `total` split in `parts` as evenly as whole numbers allow (the first parts take the remainder). */
export function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}
