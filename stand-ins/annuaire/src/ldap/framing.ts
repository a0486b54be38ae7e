import { BerError, readHeader, Tag } from './ber.ts';

/**
 * Cuts a TCP byte stream into whole LDAPMessages. TCP keeps no message boundaries: a message may
 * arrive in many chunks, or several in one. Chunks are kept as a list and joined once a message
 * is known to be complete, so a large message sent one byte at a time costs linear, not quadratic,
 * copying. The header is checked as soon as it is readable, so an oversized or indefinite length
 * is refused before anything is buffered for it.
 */
export class MessageFramer {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly maxMessageBytes: number;

  constructor(maxMessageBytes: number) {
    this.maxMessageBytes = maxMessageBytes;
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete message, or null if more bytes are needed. Throws BerError on a bad frame. */
  next(): Buffer | null {
    if (this.buffered === 0) return null;
    const head = this.peekHead();
    if (head[0] !== Tag.sequence) {
      throw new BerError('unexpected-tag', `an LDAPMessage starts with a SEQUENCE (0x30), not 0x${head[0]!.toString(16).padStart(2, '0')}`);
    }
    const header = readHeader(head, 0, head.length, this.maxMessageBytes);
    if (header === null) return null;
    const total = header.headerLength + header.length;
    if (this.buffered < total) return null;
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    const all = this.chunks[0]!;
    const message = all.subarray(0, total);
    const rest = all.subarray(total);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return message;
  }

  /** Up to six bytes from the front (a tag, and a length of at most 1+4 bytes), across chunks. */
  private peekHead(): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= 6 || this.chunks.length === 1) return first;
    const parts: Buffer[] = [];
    let size = 0;
    for (const chunk of this.chunks) {
      parts.push(chunk);
      size += chunk.length;
      if (size >= 6) break;
    }
    return Buffer.concat(parts, size);
  }
}
