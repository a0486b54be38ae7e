import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_BLOB_WORKERS, MssError } from '@mss/runtime';
import { ensureWritableDir } from '../engine/open.ts';
import { blobKey, type BlobRef, type BlobStore, type BlobWriter } from './blob-store.ts';
import { BlobSyncPool } from './sync-pool.ts';

/**
 * Message bodies as content-addressed files (SHA-256). A blob is written to a temporary file,
 * fsynced, renamed into place and its directory fsynced before `put` resolves: once a caller
 * has the hash, the bytes survive a crash. Identical bodies are stored once. A full disk fails
 * the write with ENOSPC and leaves only the temporary file, which is removed (`isStorageFull`).
 */
export class FileBlobStore implements BlobStore {
  readonly root: string;
  readonly description: string;
  private readonly tmpDir: string;
  /** Fan-out directories known to exist and to be durable: no mkdir (a thread-pool round trip) for them. */
  readonly knownDirs = new Set<string>();

  /** Where in-memory blobs are written and fsynced (see `BlobSyncPool`); undefined: through fs callbacks. */
  readonly syncPool: BlobSyncPool | undefined;

  constructor(root: string, options: { syncWorkers?: number | undefined } = {}) {
    this.root = root;
    this.description = `file:${root}`;
    this.tmpDir = path.join(root, 'tmp');
    ensureWritableDir(this.tmpDir, 'blob directory');
    const workers = options.syncWorkers ?? DEFAULT_BLOB_WORKERS;
    this.syncPool = workers > 0 ? new BlobSyncPool(workers) : undefined;
  }

  /** Stops the workers once the commits in flight are done. */
  async close(): Promise<void> {
    await this.syncPool?.close();
  }

  pathOf(hash: string): string {
    return path.join(this.root, blobKey(hash));
  }

  localPath(hash: string): string {
    return this.pathOf(hash);
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

  /**
   * For bodies that arrive in pieces (SMTP DATA): nothing is visible until commit(). The first
   * `memoryLimit` bytes stay in memory and go to disk in one write at commit (most messages
   * are small: one open, write, fsync, close instead of a round trip per chunk); beyond that the
   * writer spills to its temporary file and streams.
   */
  async writer(memoryLimit = 1024 * 1024): Promise<FileBlobWriter> {
    const tmp = path.join(this.tmpDir, `${Date.now()}-${randomBytes(8).toString('hex')}`);
    return new FileBlobWriter(this, tmp, memoryLimit);
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
    const file = this.pathOf(hash);
    try {
      return await fsp.readFile(file);
    } catch (err) {
      throw new MssError('BLOB_MISSING', `blob ${hash} is missing from ${this.root}`, { cause: err });
    }
  }

  async readRange(hash: string, offset: number, length: number): Promise<Buffer> {
    const file = this.pathOf(hash);
    let handle: fsp.FileHandle | undefined;
    try {
      handle = await fsp.open(file, 'r');
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const { bytesRead } = await handle.read(buf, got, length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new MssError('BLOB_MISSING', `blob ${hash} is missing from ${this.root}`, { cause: err });
      throw err;
    } finally {
      await handle?.close();
    }
  }

  createReadStream(hash: string, options?: { start?: number; end?: number }): fs.ReadStream {
    return fs.createReadStream(this.pathOf(hash), options);
  }

  /** The temporary directory is writable (a file created and removed). */
  async check(): Promise<void> {
    const probe = path.join(this.tmpDir, `check-${randomBytes(8).toString('hex')}`);
    await fsp.writeFile(probe, '', { flag: 'wx', mode: 0o600 });
    await fsp.rm(probe, { force: true });
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

/**
 * Without the workers (`MSS_BLOB_WORKERS=0`), the steps of a blob's commit as chains of
 * thread-pool callbacks settling one promise each: no FileHandle objects, no promise per step
 * (no measurable gain over fs/promises on its own; the worker threads are what paid).
 */
function step(fn: (done: (err: NodeJS.ErrnoException | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));
}

/** Creates `file` (it must not exist) with `data`, fsynced, and closes it. */
function writeFileDurably(file: string, data: Uint8Array, done: (err: NodeJS.ErrnoException | null) => void): void {
  fs.open(file, 'wx', 0o600, (err, fd) => {
    if (err) return done(err);
    const fail = (e: NodeJS.ErrnoException): void => fs.close(fd, () => done(e));
    let offset = 0;
    const more = (): void =>
      fs.write(fd, data, offset, data.byteLength - offset, null, (e, written) => {
        if (e) return fail(e);
        offset += written;
        if (offset < data.byteLength) return more();
        fs.fsync(fd, (e2) => (e2 ? fail(e2) : fs.close(fd, done)));
      });
    more();
  });
}

function fsyncDirCallback(dir: string, done: (err: NodeJS.ErrnoException | null) => void): void {
  fs.open(dir, 'r', (err, fd) => {
    if (err) return done(err);
    fs.fsync(fd, (e) => fs.close(fd, (e2) => done(e ?? e2)));
  });
}

function fsyncDir(dir: string): Promise<void> {
  return step((done) => fsyncDirCallback(dir, done));
}

export class FileBlobWriter implements BlobWriter {
  private readonly store: FileBlobStore;
  private readonly tmp: string;
  private readonly memoryLimit: number;
  private handle: fsp.FileHandle | null = null;
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private readonly hasher = createHash('sha256');
  private size = 0;
  private finished = false;

  constructor(store: FileBlobStore, tmp: string, memoryLimit: number) {
    this.store = store;
    this.tmp = tmp;
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
      this.handle = await fsp.open(this.tmp, 'wx', 0o600);
      await this.writeAll(Buffer.concat(this.buffered, this.bufferedBytes));
      this.buffered = [];
      this.bufferedBytes = 0;
    }
    await this.writeAll(chunk);
  }

  /** See BlobWriter: commit() then writes this buffer as it is. */
  heldBytes(): Buffer | null {
    if (this.handle || this.finished) return null;
    if (this.buffered.length !== 1) this.buffered = [Buffer.concat(this.buffered, this.bufferedBytes)];
    return this.buffered[0]!;
  }

  private async writeAll(data: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < data.byteLength) {
      const { bytesWritten } = await this.handle!.write(data, offset);
      offset += bytesWritten;
    }
  }

  async commit(): Promise<BlobRef> {
    if (this.finished) throw new Error('BlobWriter: already finished');
    this.finished = true;
    const hash = this.hasher.digest('hex');
    try {
      const final = this.store.pathOf(hash);
      const dir = path.dirname(final);
      if (!this.handle) {
        const data = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered, this.bufferedBytes);
        this.buffered = [];
        if (this.store.syncPool) {
          const ensureDir = !this.store.knownDirs.has(dir);
          await this.store.syncPool.run({ tmp: this.tmp, final, dir, ensureDir, data });
          if (ensureDir) this.store.knownDirs.add(dir);
          return { hash, size: this.size };
        }
        await step((done) => writeFileDurably(this.tmp, data, done));
      } else {
        await this.handle.sync();
        await this.handle.close();
        this.handle = null;
      }
      if (!this.store.knownDirs.has(dir)) {
        const firstCreated = await fsp.mkdir(dir, { recursive: true });
        // New fan-out directories are entries of their parents: make those durable too.
        if (firstCreated) {
          for (let d = dir; d.length >= firstCreated.length; d = path.dirname(d)) await fsyncDir(path.dirname(d));
        }
        this.store.knownDirs.add(dir);
      }
      // Same content, same name: if it is already there, the existing file is as good.
      await step((done) => fs.rename(this.tmp, final, (err) => (err ? done(err) : fsyncDirCallback(dir, done))));
      return { hash, size: this.size };
    } catch (err) {
      await this.handle?.close().catch(() => {});
      await fsp.rm(this.tmp, { force: true });
      throw err;
    }
  }

  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.buffered = [];
    if (!this.handle) return;
    await this.handle.close().catch(() => {});
    await fsp.rm(this.tmp, { force: true });
  }
}
