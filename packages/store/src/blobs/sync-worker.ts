// The thread side of BlobSyncPool (sync-pool.ts): one blob commit per message, done with
// synchronous calls so the whole commit is one hop for the main thread. Started by the pool with
// `new Worker(new URL('./sync-worker.ts', import.meta.url))`; type-checked with the rest.

import fs from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import type { BlobSyncJob, BlobSyncResult } from './sync-pool.ts';

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Creates the temporary file, writes and fsyncs it, makes the fan-out directory if asked, renames into place, fsyncs the directory. */
export function commitBlob(job: BlobSyncJob): void {
  const fd = fs.openSync(job.tmp, 'wx', 0o600);
  try {
    const data = job.data;
    let offset = 0;
    while (offset < data.byteLength) offset += fs.writeSync(fd, data, offset, data.byteLength - offset);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  if (job.ensureDir) {
    const firstCreated = fs.mkdirSync(job.dir, { recursive: true });
    // New fan-out directories are entries of their parents: make those durable too.
    if (firstCreated) for (let d = job.dir; d.length >= firstCreated.length; d = path.dirname(d)) fsyncDir(path.dirname(d));
  }
  // Same content, same name: if it is already there, the existing file is as good.
  fs.renameSync(job.tmp, job.final);
  fsyncDir(job.dir);
}

function run(job: BlobSyncJob): BlobSyncResult {
  try {
    commitBlob(job);
    return { ok: true };
  } catch (err) {
    try {
      fs.rmSync(job.tmp, { force: true });
    } catch {
      // The commit's own failure is what the caller must hear about.
    }
    const e = err as NodeJS.ErrnoException;
    return { ok: false, message: String(e?.message ?? err), ...(e?.code ? { code: e.code } : {}) };
  }
}

parentPort?.on('message', (job: BlobSyncJob) => parentPort!.postMessage(run(job)));
