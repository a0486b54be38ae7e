import type { Readable } from 'node:stream';
import { MssError } from '@mss/runtime';

export interface BlobRef {
  hash: string;
  size: number;
}

const HASH = /^[0-9a-f]{64}$/;

/** The one key layout of every store: `sha256/ab/cd/<hash>` (the file store's path below its root, the S3 key after the prefix). */
export function blobKey(hash: string): string {
  if (!HASH.test(hash)) throw new MssError('BLOB_HASH_INVALID', `not a blob hash: ${hash}`);
  return `sha256/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`;
}

/**
 * Message bodies, content-addressed (SHA-256): files under the data directory (`FileBlobStore`,
 * the default) or objects in an S3-compatible bucket (`S3BlobStore`, several nodes). Whatever the
 * store, once `put` or a writer's `commit` resolves the bytes are durable where every node reads
 * them — a `250` or an APPEND OK is only given after that — and nothing is visible before.
 */
export interface BlobStore {
  /** For logs: where the bodies are (never a secret). */
  readonly description: string;
  put(data: Uint8Array | string): Promise<BlobRef>;
  /** For bodies that arrive in pieces (SMTP DATA): nothing is visible until `commit()`. */
  writer(memoryLimit?: number): Promise<BlobWriter>;
  has(hash: string): Promise<boolean>;
  /** The whole body; `BLOB_MISSING` when there is none, `BLOB_STORE_UNAVAILABLE` when the store cannot be reached. */
  get(hash: string): Promise<Buffer>;
  /** Up to `length` bytes from `offset` (fewer at the end of the blob). */
  readRange(hash: string, offset: number, length: number): Promise<Buffer>;
  /** The body, or bytes `start`…`end` inclusive (as `fs.createReadStream`), streamed; errors come as the stream's. */
  createReadStream(hash: string, options?: { start?: number; end?: number }): Readable;
  /** The blob's file on this machine, for synchronous reads; undefined when bodies are not local files. */
  localPath(hash: string): string | undefined;
  /** One round trip to the store (readiness): throws when it cannot be reached or written. */
  check(): Promise<void>;
  /** Leftovers of writes cut off by a crash: never referenced, safe to delete at start. */
  removeStaleTemporaries(olderThanMs?: number): Promise<number>;
  close(): Promise<void>;
}

export interface BlobWriter {
  readonly bytesWritten: number;
  write(chunk: Uint8Array): Promise<void>;
  /**
   * The bytes written so far when they are all still in memory (null once spilled to disk): one
   * buffer. Valid until commit(), which may hand it to a worker thread (its memory then moves there).
   */
  heldBytes(): Buffer | null;
  /** Makes the blob durable and visible; after this the bytes survive a crash (and nothing refers to them yet). */
  commit(): Promise<BlobRef>;
  abort(): Promise<void>;
}

/** The blob store ran out of room (ENOSPC, or a quota: EDQUOT), anywhere in the error's causes: SMTP `452 4.3.1`. */
export function isStorageFull(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return true;
  }
  return false;
}
