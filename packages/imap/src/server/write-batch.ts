import type { Repositories, Store } from '@mss/store';

interface Job {
  fn: (tx: Repositories) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** At most this many writes share one commit. */
const MAX_BATCH = 64;

/**
 * Group commit for the small writes of IMAP sessions (STORE, \Seen on FETCH, APPEND's rows).
 * Each commit is fsynced, and on SQLite that happens on the event loop; writes that arrive
 * together (several sessions' commands read in the same turn) run one after another in one
 * transaction, exactly as they would have in turn, and share its commit. If any of them fails,
 * the batch is rolled back and each is run again alone, so one failure touches no other write.
 */
class WriteBatcher {
  private readonly store: Store;
  private queue: Job[] = [];
  private scheduled = false;

  constructor(store: Store) {
    this.store = store;
  }

  run<T>(fn: (tx: Repositories) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After this turn's other sockets have been read: their writes join this commit.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const jobs = this.queue.splice(0, MAX_BATCH);
        if (jobs.length === 1) {
          await this.alone(jobs[0]!);
          continue;
        }
        let results: unknown[] | undefined;
        try {
          results = await this.store.transaction(async (tx) => {
            const out: unknown[] = [];
            for (const job of jobs) out.push(await job.fn(tx));
            return out;
          });
        } catch {
          results = undefined;
        }
        if (results) jobs.forEach((job, i) => job.resolve(results[i]));
        else for (const job of jobs) await this.alone(job);
      }
    } finally {
      this.scheduled = false;
      if (this.queue.length > 0) {
        this.scheduled = true;
        setImmediate(() => void this.drain());
      }
    }
  }

  private async alone(job: Job): Promise<void> {
    try {
      job.resolve(await this.store.transaction(job.fn));
    } catch (err) {
      job.reject(err);
    }
  }
}

const batchers = new WeakMap<Store, WriteBatcher>();

/** Runs `fn` in a transaction that may be shared with other sessions' writes (see WriteBatcher). */
export function batchedWrite<T>(store: Store, fn: (tx: Repositories) => Promise<T>): Promise<T> {
  let b = batchers.get(store);
  if (!b) batchers.set(store, (b = new WriteBatcher(store)));
  return b.run(fn);
}
