import { createHash, randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { BlobRef, BlobWriter } from './blob-store.ts';

/**
 * Where a spooled body goes at commit: a file renamed into place, an object put in a bucket.
 * Each method resolves only once the body is durable where every node reads it (a `250` or an
 * APPEND OK waits for it). On failure the writer removes the spool file; on success the
 * destination has consumed it (renamed it away, or removed it after the upload).
 */
export interface BlobDestination {
  /** Fsync the spool file before `fromSpool` (it becomes the blob itself, as the file store's rename makes it). */
  readonly syncSpool: boolean;
  /** Every byte is in `data`; `spool` is a fresh temporary path (no file there yet) the destination may write through. */
  fromMemory(hash: string, data: Buffer, spool: string): Promise<void>;
  /** The body is in the file `spool`, written in full and closed. */
  fromSpool(hash: string, spool: string, size: number): Promise<void>;
}

/** A fresh temporary name in `dir`: unique across processes and threads sharing the directory. */
export function spoolPath(dir: string): string {
  return path.join(dir, `${Date.now()}-${randomBytes(8).toString('hex')}`);
}

/** Leftovers of writes cut off by a crash (files in `dir` older than `olderThanMs`): never referenced, safe to delete. */
export async function removeStaleFiles(dir: string, olderThanMs: number): Promise<number> {
  let removed = 0;
  for (const name of await fsp.readdir(dir)) {
    const p = path.join(dir, name);
    const st = await fsp.stat(p).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > olderThanMs) {
      await fsp.rm(p, { force: true });
      removed++;
    }
  }
  return removed;
}

/**
 * The one spool stage of every blob store, for bodies that arrive in pieces (SMTP DATA): the
 * bytes are hashed as they come; the first `memoryLimit` stay in memory and reach the destination
 * in one piece at commit (most messages are small: one write instead of a round trip per chunk);
 * beyond that the writer spills to its spool file and streams. Nothing is visible before commit.
 */
export class SpoolingBlobWriter implements BlobWriter {
  private readonly destination: BlobDestination;
  private readonly spool: string;
  private readonly memoryLimit: number;
  private handle: fsp.FileHandle | null = null;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private readonly hasher = createHash('sha256');
  private size = 0;
  private finished = false;

  constructor(destination: BlobDestination, spool: string, memoryLimit: number) {
    this.destination = destination;
    this.spool = spool;
    this.memoryLimit = memoryLimit;
  }

  get bytesWritten(): number {
    return this.size;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.finished) throw new Error('BlobWriter: write after commit/abort');
    this.hasher.update(chunk);
    this.size += chunk.byteLength;
    if (!this.handle && this.bufferedBytes + chunk.byteLength <= this.memoryLimit) {
      // Copied: callers (stream chunks) may reuse their buffers.
      this.buffered.push(Buffer.from(chunk));
      this.bufferedBytes += chunk.byteLength;
      return;
    }
    if (!this.handle) {
      this.handle = await fsp.open(this.spool, 'wx', 0o600);
      await this.writeAll(this.takeBuffered());
    }
    await this.writeAll(chunk);
  }

  /** See BlobWriter: commit() then hands this buffer as it is to the destination. */
  heldBytes(): Buffer | null {
    if (this.handle || this.finished) return null;
    if (this.buffered.length !== 1) this.buffered = [Buffer.concat(this.buffered, this.bufferedBytes)];
    return this.buffered[0]!;
  }

  async commit(): Promise<BlobRef> {
    if (this.finished) throw new Error('BlobWriter: already finished');
    this.finished = true;
    const hash = this.hasher.digest('hex');
    try {
      if (!this.handle) {
        await this.destination.fromMemory(hash, this.takeBuffered(), this.spool);
      } else {
        if (this.destination.syncSpool) await this.handle.sync();
        await this.handle.close();
        this.handle = null;
        await this.destination.fromSpool(hash, this.spool, this.size);
      }
      return { hash, size: this.size };
    } catch (err) {
      await this.handle?.close().catch(() => {});
      await fsp.rm(this.spool, { force: true });
      throw err;
    }
  }

  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.buffered = [];
    if (!this.handle) return;
    await this.handle.close().catch(() => {});
    await fsp.rm(this.spool, { force: true });
  }

  /** The bytes held in memory, as one buffer (no copy when they already are one); the writer holds none after. */
  private takeBuffered(): Buffer {
    const data = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered, this.bufferedBytes);
    this.buffered = [];
    this.bufferedBytes = 0;
    return data;
  }

  private async writeAll(data: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < data.byteLength) {
      const { bytesWritten } = await this.handle!.write(data, offset);
      offset += bytesWritten;
    }
  }
}
