import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { MssError } from '@mss/runtime';
import { ensureWritableDir } from './engine/open.ts';

export interface BlobRef {
  hash: string;
  size: number;
}

const HASH = /^[0-9a-f]{64}$/;

/**
 * Message bodies as content-addressed files (SHA-256). A blob is written to a temporary file,
 * fsynced, renamed into place and its directory fsynced before `put` resolves: once a caller
 * has the hash, the bytes survive a crash. Identical bodies are stored once.
 */
export class BlobStore {
  readonly root: string;
  private readonly tmpDir: string;

  constructor(root: string) {
    this.root = root;
    this.tmpDir = path.join(root, 'tmp');
    ensureWritableDir(this.tmpDir, 'blob directory');
  }

  pathOf(hash: string): string {
    if (!HASH.test(hash)) throw new MssError('BLOB_HASH_INVALID', `not a blob hash: ${hash}`);
    return path.join(this.root, 'sha256', hash.slice(0, 2), hash.slice(2, 4), hash);
  }

  async put(data: Uint8Array | string): Promise<BlobRef> {
    const writer = await this.writer();
    try {
      await writer.write(typeof data === 'string' ? Buffer.from(data) : data);
      return await writer.commit();
    } catch (err) {
      await writer.abort();
      throw err;
    }
  }

  /** For bodies that arrive in pieces (SMTP DATA): nothing is visible until commit(). */
  async writer(): Promise<BlobWriter> {
    const tmp = path.join(this.tmpDir, `${Date.now()}-${randomBytes(8).toString('hex')}`);
    const handle = await fsp.open(tmp, 'wx', 0o600);
    return new BlobWriter(this, tmp, handle);
  }

  async has(hash: string): Promise<boolean> {
    try {
      await fsp.access(this.pathOf(hash));
      return true;
    } catch {
      return false;
    }
  }

  async get(hash: string): Promise<Buffer> {
    try {
      return await fsp.readFile(this.pathOf(hash));
    } catch (err) {
      throw new MssError('BLOB_MISSING', `blob ${hash} is missing from ${this.root}`, { cause: err });
    }
  }

  createReadStream(hash: string, options?: { start?: number; end?: number }): fs.ReadStream {
    return fs.createReadStream(this.pathOf(hash), options);
  }

  /** Leftovers of writes cut off by a crash: never referenced, safe to delete at start. */
  async removeStaleTemporaries(olderThanMs = 60_000): Promise<number> {
    let removed = 0;
    for (const name of await fsp.readdir(this.tmpDir)) {
      const p = path.join(this.tmpDir, name);
      const st = await fsp.stat(p).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > olderThanMs) {
        await fsp.rm(p, { force: true });
        removed++;
      }
    }
    return removed;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const h = await fsp.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

export class BlobWriter {
  private readonly store: BlobStore;
  private readonly tmp: string;
  private readonly handle: fsp.FileHandle;
  private readonly hasher = createHash('sha256');
  private size = 0;
  private finished = false;

  constructor(store: BlobStore, tmp: string, handle: fsp.FileHandle) {
    this.store = store;
    this.tmp = tmp;
    this.handle = handle;
  }

  get bytesWritten(): number {
    return this.size;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.finished) throw new Error('BlobWriter: write after commit/abort');
    this.hasher.update(chunk);
    this.size += chunk.byteLength;
    let offset = 0;
    while (offset < chunk.byteLength) {
      const { bytesWritten } = await this.handle.write(chunk, offset);
      offset += bytesWritten;
    }
  }

  async commit(): Promise<BlobRef> {
    if (this.finished) throw new Error('BlobWriter: already finished');
    this.finished = true;
    const hash = this.hasher.digest('hex');
    try {
      await this.handle.sync();
      await this.handle.close();
      const final = this.store.pathOf(hash);
      const dir = path.dirname(final);
      const firstCreated = await fsp.mkdir(dir, { recursive: true });
      // New fan-out directories are entries of their parents: make those durable too.
      if (firstCreated) {
        for (let d = dir; d.length >= firstCreated.length; d = path.dirname(d)) await fsyncDir(path.dirname(d));
      }
      // Same content, same name: if it is already there, the existing file is as good.
      await fsp.rename(this.tmp, final);
      await fsyncDir(dir);
      return { hash, size: this.size };
    } catch (err) {
      await fsp.rm(this.tmp, { force: true });
      throw err;
    }
  }

  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.handle.close().catch(() => {});
    await fsp.rm(this.tmp, { force: true });
  }
}
