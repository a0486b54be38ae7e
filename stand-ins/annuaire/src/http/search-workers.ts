// FHIR searches on worker threads. One Node thread runs SQLite synchronously, so concurrent
// searches of 10–20 ms each queue behind one another (the p99 of four clients is four of them);
// a few threads, each with its own connection, run them side by side. Reads only: the feed's
// writes stay on the main thread, and each search sees what was committed before it began.

import { Worker } from 'node:worker_threads';
import type { IssueCode } from '../fhir/outcome.ts';
import { FhirError } from '../fhir/outcome.ts';

export interface SearchWorkerData {
  /** Where the Annuaire's store is (as given to `Store.open`). */
  dataDir: string;
  databaseUrl: string | undefined;
  /** Connections of each thread's PostgreSQL pool (the configuration's `pgPoolSize`; default 10). */
  pgPoolSize?: number | undefined;
}

export interface SearchRequest {
  id: number;
  type: string;
  params: string;
  base: string;
  /** The main thread's clock (ISO), so that tests with a fixed clock get the same answers. */
  now: string;
}

export type SearchReply =
  | { id: number; json: string }
  | { id: number; fhir: { status: number; code: IssueCode; message: string; headers: Record<string, string> } }
  | { id: number; error: string };

interface Slot {
  worker: Worker;
  busy: number;
}

export class SearchWorkers {
  private readonly slots: Slot[] = [];
  private readonly waiting = new Map<number, { slot: Slot; resolve: (json: string) => void; reject: (err: Error) => void }>();
  private nextId = 1;

  private constructor() {}

  /** Starts `count` threads over the store and waits until each has opened it. */
  static async start(where: SearchWorkerData, count: number): Promise<SearchWorkers> {
    const pool = new SearchWorkers();
    try {
      await Promise.all(Array.from({ length: Math.max(1, count) }, () => pool.spawn(where)));
    } catch (err) {
      await pool.stop();
      throw err;
    }
    return pool;
  }

  private spawn(where: SearchWorkerData): Promise<void> {
    const worker = new Worker(new URL('./search-worker.ts', import.meta.url), { workerData: where });
    const slot: Slot = { worker, busy: 0 };
    this.slots.push(slot);
    return new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (m: SearchReply | { ready: true }) => {
        if ('ready' in m) {
          worker.off('error', reject);
          worker.on('error', (err) => this.failAll(slot, err));
          return resolve();
        }
        const w = this.waiting.get(m.id);
        if (!w) return;
        this.waiting.delete(m.id);
        slot.busy--;
        if ('json' in m) w.resolve(m.json);
        else if ('fhir' in m) w.reject(new FhirError(m.fhir.status, m.fhir.code, m.fhir.message, m.fhir.headers));
        else w.reject(new Error(`FHIR search thread: ${m.error}`));
      });
      worker.on('exit', (code) => this.failAll(slot, new Error(`FHIR search thread exited (${code})`)));
    });
  }

  private failAll(slot: Slot, err: Error): void {
    for (const [id, w] of this.waiting) {
      if (w.slot !== slot) continue;
      this.waiting.delete(id);
      w.reject(err);
    }
    const at = this.slots.indexOf(slot);
    if (at >= 0) this.slots.splice(at, 1);
  }

  /** The search's Bundle as JSON text, from the least busy thread. */
  search(type: string, params: URLSearchParams, base: string, now: Date): Promise<string> {
    const slot = this.slots.reduce<Slot | undefined>((best, s) => (!best || s.busy < best.busy ? s : best), undefined);
    if (!slot) return Promise.reject(new Error('no FHIR search thread is running'));
    const id = this.nextId++;
    slot.busy++;
    return new Promise<string>((resolve, reject) => {
      this.waiting.set(id, { slot, resolve, reject });
      const request: SearchRequest = { id, type, params: params.toString(), base, now: now.toISOString() };
      slot.worker.postMessage(request);
    });
  }

  get threads(): number {
    return this.slots.length;
  }

  /** Lets the threads close their store connections, then ends them. */
  async stop(): Promise<void> {
    await Promise.all(
      this.slots.splice(0).map(
        (s) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => void s.worker.terminate().then(() => resolve()), 2000);
            s.worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            s.worker.postMessage('close');
          }),
      ),
    );
  }
}
