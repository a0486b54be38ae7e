import { Worker } from 'node:worker_threads';

/**
 * The durable part of a blob's commit — create the temporary file, write, fsync, close, create
 * the fan-out directory if needed (fsyncing its parents), rename into place, fsync the directory —
 * done in one go by a worker thread with synchronous calls, instead of nine round trips through
 * libuv's thread pool. Each of those round trips wakes a pool thread and then the event loop;
 * on a busy machine every wake-up is a chance for the main thread to lose its CPU (measured:
 * the dispatching calls were the main thread's largest cost after socket writes). Workers are
 * started on demand (fsync blocks a worker for milliseconds, so concurrent commits need several),
 * never keep the process alive, and stop after a while without work (each is a V8 isolate of
 * tens of MB: a burst of deliveries must not leave eight of them behind in every store).
 */
export interface BlobSyncJob {
  tmp: string;
  final: string;
  dir: string;
  /** Create `dir` (and fsync the parents of what was created) before the rename. */
  ensureDir: boolean;
  data: Uint8Array;
}

/** What the worker answers for one job. */
export type BlobSyncResult = { ok: true } | { ok: false; message: string; code?: string };

const WORKER_MODULE = new URL('./sync-worker.ts', import.meta.url);

interface Pending {
  job: BlobSyncJob;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** How long a worker waits for the next job before it stops. */
const DEFAULT_IDLE_MS = 15_000;

export class BlobSyncPool {
  readonly maxWorkers: number;
  readonly idleMs: number;
  private readonly idle: Worker[] = [];
  private readonly retirement = new Map<Worker, NodeJS.Timeout>();
  private readonly busy = new Map<Worker, Pending>();
  private readonly queue: Pending[] = [];
  private closed = false;

  constructor(maxWorkers: number, idleMs = DEFAULT_IDLE_MS) {
    this.maxWorkers = maxWorkers;
    this.idleMs = idleMs;
  }

  get workers(): number {
    return this.idle.length + this.busy.size;
  }

  run(job: BlobSyncJob): Promise<void> {
    if (this.closed) return Promise.reject(new Error('blob store is closed'));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.workers < this.maxWorkers ? this.spawn() : undefined);
      if (!worker) return;
      clearTimeout(this.retirement.get(worker));
      this.retirement.delete(worker);
      const pending = this.queue.shift()!;
      this.busy.set(worker, pending);
      const data = pending.job.data;
      // Hand the bytes over without a copy when the buffer owns its memory (a pooled one does not).
      const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
      worker.postMessage(pending.job, own ? [data.buffer as ArrayBuffer] : []);
    }
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER_MODULE);
    worker.unref();
    worker.on('message', (m: BlobSyncResult) => {
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      if (this.closed) void worker.terminate();
      else this.rest(worker);
      if (pending) {
        if (m.ok) pending.resolve();
        else pending.reject(Object.assign(new Error(m.message), { code: m.code }));
      }
      this.dispatch();
    });
    worker.on('error', (err) => {
      const pending = this.busy.get(worker);
      this.busy.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
      pending?.reject(err);
      this.dispatch();
    });
    return worker;
  }

  /** Back to the idle list, with a timer that stops the worker if no job comes. */
  private rest(worker: Worker): void {
    this.idle.push(worker);
    const timer = setTimeout(() => {
      this.retirement.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at < 0) return;
      this.idle.splice(at, 1);
      void worker.terminate();
    }, this.idleMs);
    timer.unref();
    this.retirement.set(worker, timer);
  }

  /** Lets the commits in flight finish, then stops the workers. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error('blob store is closed'));
    while (this.busy.size > 0) await new Promise<void>((r) => setImmediate(r));
    for (const t of this.retirement.values()) clearTimeout(t);
    this.retirement.clear();
    await Promise.all(this.idle.splice(0).map((w) => w.terminate()));
  }
}
