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

/** The worker counts to measure (`BENCH_WORKERS=1,2`). */
export function benchWorkerCounts(): number[] {
  const counts = (process.env.BENCH_WORKERS ?? '1')
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n >= 1);
  return counts.length > 0 ? counts : [1];
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

/** In a worker: tells the primary it serves; `stop` runs at SIGTERM, then the worker leaves. */
export function benchWorkerServes(ready: unknown, stop: () => Promise<void>): void {
  process.send?.({ ready });
  process.once('SIGTERM', () => {
    void stop().finally(() => process.exit(0));
  });
}
