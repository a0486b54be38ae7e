import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_BLOB_WORKERS, MssError } from '@mss/runtime';
import { ensureWritableDir } from '../engine/open.ts';
import { blobKey, type BlobRef, type BlobStore } from './blob-store.ts';
import { type BlobDestination, removeStaleFiles, SpoolingBlobWriter, spoolPath } from './spooling-writer.ts';
import { BlobSyncPool } from './sync-pool.ts';

/**
 * Message bodies as content-addressed files (SHA-256). A blob is written to a temporary file,
 * fsynced, renamed into place and its directory fsynced before `put` resolves: once a caller
 * has the hash, the bytes survive a crash. Identical bodies are stored once. A full disk fails
 * the write with ENOSPC and leaves only the temporary file, which is removed (`isStorageFull`).
 */
export class FileBlobStore implements BlobStore, BlobDestination {
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
   * For bodies that arrive in pieces (SMTP DATA): see `SpoolingBlobWriter`. The spool file is the
   * blob's temporary file: at commit it is fsynced and renamed into place.
   */
  async writer(memoryLimit = 1024 * 1024): Promise<SpoolingBlobWriter> {
    return new SpoolingBlobWriter(this, spoolPath(this.tmpDir), memoryLimit);
  }

  /** The spool file becomes the blob: fsynced before its rename. */
  readonly syncSpool = true;

  /** Writes `data` to the temporary file `tmp` (fsynced) and renames it into place; in one go on a worker when there are workers. */
  async fromMemory(hash: string, data: Buffer, tmp: string): Promise<void> {
    const final = this.pathOf(hash);
    const dir = path.dirname(final);
    if (this.syncPool) {
      const ensureDir = !this.knownDirs.has(dir);
      await this.syncPool.run({ tmp, final, dir, ensureDir, data });
      if (ensureDir) this.knownDirs.add(dir);
      return;
    }
    await step((done) => writeFileDurably(tmp, data, done));
    await this.rename(tmp, final);
  }

  async fromSpool(hash: string, spool: string): Promise<void> {
    await this.rename(spool, this.pathOf(hash));
  }

  /** Renames the durable temporary file `tmp` to `final`, creating its fan-out directory if needed; both directories fsynced. */
  private async rename(tmp: string, final: string): Promise<void> {
    const dir = path.dirname(final);
    if (!this.knownDirs.has(dir)) {
      const firstCreated = await fsp.mkdir(dir, { recursive: true });
      // New fan-out directories are entries of their parents: make those durable too.
      if (firstCreated) {
        for (let d = dir; d.length >= firstCreated.length; d = path.dirname(d)) await fsyncDir(path.dirname(d));
      }
      this.knownDirs.add(dir);
    }
    // Same content, same name: if it is already there, the existing file is as good.
    await step((done) => fs.rename(tmp, final, (err) => (err ? done(err) : fsyncDirCallback(dir, done))));
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
  removeStaleTemporaries(olderThanMs = 60_000): Promise<number> {
    return removeStaleFiles(this.tmpDir, olderThanMs);
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
