import { Writable } from 'node:stream';
import type { BlobRef, BlobWriter, Store } from '@mss/store';
import { HeaderCollector } from './message.ts';
import { replies, type SmtpReply } from './replies.ts';

export interface ReceiverLimits {
  maxMessageSize: number;
  maxHeaderBytes: number;
}

/**
 * Where DATA goes: straight into a blob writer (a temporary file, invisible until commit),
 * after the trace header. It never errors and never stops reading: smtp-server waits for the
 * client's end of data before it replies, so a refused message is read to its end and dropped,
 * and the reply comes at the point the client expects it.
 */
export class MessageReceiver extends Writable {
  readonly headers: HeaderCollector;
  private readonly writer: Promise<BlobWriter>;
  private readonly limits: ReceiverLimits;
  private failure: SmtpReply | Error | null = null;
  private received = 0;

  constructor(store: Store, prefix: Buffer, limits: ReceiverLimits) {
    super({ highWaterMark: 64 * 1024 });
    this.limits = limits;
    this.headers = new HeaderCollector(limits.maxHeaderBytes);
    this.writer = store.blobs.writer().then(async (w) => {
      await w.write(prefix);
      return w;
    });
    // Seen by _write or commit(); this only keeps the rejection from being reported as unhandled meanwhile.
    this.writer.catch(() => undefined);
  }

  /** Why the message cannot be accepted, as far as its bytes go (size, headers, disk). */
  get error(): SmtpReply | Error | null {
    return this.failure;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.failure) return callback();
    this.received += chunk.length;
    if (this.received > this.limits.maxMessageSize) {
      this.fail(replies.tooBig(this.limits.maxMessageSize));
      return callback();
    }
    this.headers.push(chunk);
    if (this.headers.tooLarge) {
      this.fail(replies.headerTooLarge(this.limits.maxHeaderBytes));
      return callback();
    }
    this.writer
      .then((w) => w.write(chunk))
      .then(
        () => callback(),
        (err: unknown) => {
          this.fail(err instanceof Error ? err : new Error(String(err)));
          callback();
        },
      );
  }

  /** The whole message when it is still held in memory (not spilled to disk); valid until commit(). */
  async heldBytes(): Promise<Buffer | null> {
    if (this.failure) return null;
    return (await this.writer).heldBytes();
  }

  /** fsync, rename into place: after this the bytes survive a crash (and nothing refers to them yet). */
  async commit(): Promise<BlobRef> {
    if (this.failure) throw this.failure;
    const w = await this.writer;
    return w.commit();
  }

  async abort(): Promise<void> {
    try {
      await (await this.writer).abort();
    } catch {
      // Nothing was written, or it is already gone.
    }
  }

  private fail(err: SmtpReply | Error): void {
    this.failure ??= err;
    // Free the disk now rather than after the client has sent the rest.
    void this.abort();
  }
}
