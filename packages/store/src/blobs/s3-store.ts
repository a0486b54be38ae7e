import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { MssError, type BlobStoreSetting } from '@mss/runtime';
import { ensureWritableDir } from '../engine/open.ts';
import { blobKey, type BlobRef, type BlobStore, type BlobWriter } from './blob-store.ts';
import { type BlobDestination, removeStaleFiles, SpoolingBlobWriter, spoolPath } from './spooling-writer.ts';

type S3Setting = Extract<BlobStoreSetting, { kind: 's3' }>;

export interface S3BlobStoreOptions {
  /** A local directory for bodies too large to hold in memory while they arrive. */
  spoolDir: string;
  /** Bytes of recently written or read bodies kept in memory (IMAP reads a new message soon after it arrives). Default 32 MiB. */
  cacheBytes?: number;
  /** Per request; past it the attempt fails (and is retried by the SDK, then reported). Default 10 s to connect, 60 s in all. */
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/** The HTTP status codes S3 answers for a key that is not there. */
const NOT_FOUND = new Set([404]);

/** Bodies recently put or read, least recently used first out. */
class ByteCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  get(hash: string): Buffer | undefined {
    const b = this.entries.get(hash);
    if (b) {
      this.entries.delete(hash);
      this.entries.set(hash, b);
    }
    return b;
  }

  set(hash: string, data: Buffer): void {
    if (data.byteLength > this.limit / 4 || this.entries.has(hash)) return;
    this.entries.set(hash, data);
    this.bytes += data.byteLength;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.limit) break;
      this.entries.delete(k);
      this.bytes -= v.byteLength;
    }
  }
}

/**
 * Message bodies as objects of an S3-compatible bucket, under content-addressed keys
 * (`<prefix>sha256/ab/cd/<sha256>`), for several nodes sharing one store. A body is sent with
 * one PutObject whose payload hash (SigV4's `x-amz-content-sha256`) is the key's own hash, so the
 * store checks the bytes it received against the name before it answers; `commit` resolves on
 * that answer only, and a PUT is all or nothing (no partial object is ever visible). Targets
 * AWS S3, MinIO, Ceph RGW and Garage alike (docs/choices.md); tested against s3rver.
 */
export class S3BlobStore implements BlobStore, BlobDestination {
  readonly description: string;
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  readonly spoolDir: string;
  private readonly cache: ByteCache;

  constructor(setting: S3Setting, options: S3BlobStoreOptions) {
    this.bucket = setting.bucket;
    this.prefix = setting.prefix;
    this.description = `s3://${setting.bucket}/${setting.prefix}${setting.endpoint ? ` at ${setting.endpoint}` : ''}`;
    this.spoolDir = options.spoolDir;
    ensureWritableDir(this.spoolDir, 'blob spool directory');
    this.cache = new ByteCache(options.cacheBytes ?? 32 * 1024 * 1024);
    this.client = new S3Client({
      region: setting.region,
      forcePathStyle: setting.forcePathStyle,
      ...(setting.endpoint ? { endpoint: setting.endpoint } : {}),
      ...(setting.credentials ? { credentials: setting.credentials } : {}),
      // The payload hash below is the integrity check; the SDK's own CRC trailers (aws-chunked
      // bodies) are not understood by every S3-compatible store.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
      requestHandler: { connectionTimeout: options.connectTimeoutMs ?? 10_000, requestTimeout: options.requestTimeoutMs ?? 60_000 },
    });
  }

  keyOf(hash: string): string {
    return this.prefix + blobKey(hash);
  }

  localPath(): undefined {
    return undefined;
  }

  async put(data: Uint8Array | string): Promise<BlobRef> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const hash = createHash('sha256').update(bytes).digest('hex');
    await this.upload(hash, bytes, bytes.byteLength);
    return { hash, size: bytes.byteLength };
  }

  /**
   * For bodies that arrive in pieces: see `SpoolingBlobWriter`. A body held in memory goes in one
   * PutObject at commit; a spilled one is streamed from its local spool file, removed after.
   * Nothing is in the bucket before commit.
   */
  async writer(memoryLimit = 1024 * 1024): Promise<BlobWriter> {
    return new SpoolingBlobWriter(this, spoolPath(this.spoolDir), memoryLimit);
  }

  /** The spool file is only read back for the upload: the bucket's answer is what makes the body durable. */
  readonly syncSpool = false;

  async fromMemory(hash: string, data: Buffer): Promise<void> {
    await this.upload(hash, data, data.byteLength);
  }

  async fromSpool(hash: string, spool: string, size: number): Promise<void> {
    await this.upload(hash, () => fs.createReadStream(spool), size);
    await fsp.rm(spool, { force: true });
  }

  /** One PutObject, signed with the body's SHA-256 as its payload hash: the store refuses bytes that do not match. */
  async upload(hash: string, body: Buffer | (() => Readable), size: number): Promise<void> {
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: this.keyOf(hash),
      Body: typeof body === 'function' ? body() : body,
      ContentLength: size,
      ContentType: 'message/rfc822',
    });
    // Known already: the signer takes it instead of reading (or refusing to read) a stream.
    command.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) request.headers['x-amz-content-sha256'] = hash;
        return next(args);
      },
      { step: 'build', name: 'mssContentSha256' },
    );
    await this.send(command, hash);
    if (Buffer.isBuffer(body)) this.cache.set(hash, body);
  }

  async has(hash: string): Promise<boolean> {
    if (this.cache.get(hash)) return true;
    try {
      await this.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.keyOf(hash) }), hash);
      return true;
    } catch (err) {
      if (err instanceof MssError && err.code === 'BLOB_MISSING') return false;
      throw err;
    }
  }

  async get(hash: string): Promise<Buffer> {
    const cached = this.cache.get(hash);
    if (cached) return cached;
    const out = await this.getObject(hash);
    const bytes = Buffer.from(await out.Body!.transformToByteArray());
    this.cache.set(hash, bytes);
    return bytes;
  }

  async readRange(hash: string, offset: number, length: number): Promise<Buffer> {
    const cached = this.cache.get(hash);
    if (cached) return cached.subarray(offset, offset + length);
    if (length <= 0) return Buffer.alloc(0);
    try {
      const out = await this.getObject(hash, offset, offset + length - 1);
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (err) {
      // A range wholly past the end (416): nothing there, as a read at end of file.
      if (err instanceof MssError && err.code === 'BLOB_RANGE') return Buffer.alloc(0);
      throw err;
    }
  }

  createReadStream(hash: string, options: { start?: number; end?: number } = {}): Readable {
    const cached = this.cache.get(hash);
    if (cached) return Readable.from([cached.subarray(options.start ?? 0, options.end === undefined ? undefined : options.end + 1)]);
    const self = this;
    return Readable.from(
      (async function* () {
        const out = await self.getObject(hash, options.start, options.end);
        yield* out.Body as Readable;
      })(),
      { objectMode: false },
    );
  }

  private getObject(hash: string, start?: number, end?: number): Promise<GetObjectCommandOutput> {
    const range = start === undefined && end === undefined ? undefined : `bytes=${start ?? 0}-${end ?? ''}`;
    return this.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(hash), ...(range ? { Range: range } : {}) }), hash);
  }

  /** Writes, reads back and deletes a probe object: the bucket exists and these credentials may use it. */
  async check(): Promise<void> {
    const key = `${this.prefix}check/${randomBytes(8).toString('hex')}`;
    await this.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: Buffer.from('ok'), ContentLength: 2 }), key);
    await this.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }), key);
    await this.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), key);
  }

  removeStaleTemporaries(olderThanMs = 60_000): Promise<number> {
    return removeStaleFiles(this.spoolDir, olderThanMs);
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  /** The SDK's errors as the store's: a missing key is `BLOB_MISSING`, anything else `BLOB_STORE_UNAVAILABLE` (SMTP: 451 4.3.0). */
  private async send<T>(command: object, what: string): Promise<T> {
    try {
      return (await this.client.send(command as never)) as T;
    } catch (err) {
      const status = err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
      if (status !== undefined && NOT_FOUND.has(status))
        throw new MssError('BLOB_MISSING', `blob ${what} is missing from ${this.description}`, { cause: err });
      if (status === 416) throw new MssError('BLOB_RANGE', `range past the end of blob ${what}`, { cause: err });
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      throw new MssError('BLOB_STORE_UNAVAILABLE', `blob store ${this.description} failed for ${what}: ${reason}`, { cause: err });
    }
  }
}
