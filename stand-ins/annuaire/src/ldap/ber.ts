// The subset of BER (X.690) that LDAPv3 uses: single-byte tags, definite lengths, INTEGER,
// ENUMERATED, BOOLEAN, NULL, OCTET STRING and constructed types. Every defect in the input is
// reported as a BerError so that a connection can answer with a Notice of Disconnection instead
// of letting an exception escape into the event loop.

export const Tag = {
  boolean: 0x01,
  integer: 0x02,
  octetString: 0x04,
  null: 0x05,
  enumerated: 0x0a,
  sequence: 0x30,
  set: 0x31,
} as const;

/** Context-specific tag number n, primitive or constructed. */
export function contextTag(n: number, constructed: boolean): number {
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

/** Application tag number n, primitive or constructed. */
export function applicationTag(n: number, constructed: boolean): number {
  return 0x40 | (constructed ? 0x20 : 0) | n;
}

export type BerErrorKind =
  | 'truncated'
  | 'indefinite-length'
  | 'length-too-long'
  | 'too-large'
  | 'too-deep'
  | 'unexpected-tag'
  | 'bad-value'
  | 'trailing-data';

export class BerError extends Error {
  readonly kind: BerErrorKind;
  constructor(kind: BerErrorKind, message: string) {
    super(message);
    this.name = 'BerError';
    this.kind = kind;
  }
}

export interface BerLimits {
  /** Constructed elements nested deeper than this are refused (a recursion bomb costs nothing to send). */
  maxDepth: number;
  /** Upper bound of a whole element, checked from the header before any content is buffered. */
  maxLength: number;
}

export const defaultBerLimits: BerLimits = { maxDepth: 64, maxLength: 1024 * 1024 };

export interface BerHeader {
  tag: number;
  length: number;
  headerLength: number;
}

/**
 * Reads a tag and a length at `offset`. Returns null when more bytes are needed to know them, so
 * the framer can wait; throws BerError for what can never become valid.
 */
export function readHeader(bytes: Uint8Array, offset: number, end: number, maxLength: number): BerHeader | null {
  if (offset >= end) return null;
  const tag = bytes[offset]!;
  // High tag numbers (0x1f) never occur in LDAP; refusing them keeps tags one byte everywhere.
  if ((tag & 0x1f) === 0x1f) throw new BerError('unexpected-tag', `multi-byte tag 0x${tag.toString(16)} is not used by LDAP`);
  if (offset + 1 >= end) return null;
  const first = bytes[offset + 1]!;
  if (first < 0x80) return { tag, length: first, headerLength: 2 };
  if (first === 0x80) throw new BerError('indefinite-length', 'indefinite lengths are not allowed in LDAP (RFC 4511 §5.1)');
  const count = first & 0x7f;
  if (count > 4) throw new BerError('length-too-long', `a length of ${count} bytes is not supported`);
  if (offset + 1 + count >= end) return null;
  let length = 0;
  for (let i = 0; i < count; i++) length = length * 256 + bytes[offset + 2 + i]!;
  if (length > maxLength) throw new BerError('too-large', `element of ${length} bytes exceeds the limit of ${maxLength}`);
  return { tag, length, headerLength: 2 + count };
}

function hex(tag: number): string {
  return `0x${tag.toString(16).padStart(2, '0')}`;
}

/**
 * A cursor over the content of one constructed element. Sub-readers share the buffer (no copies)
 * and carry their depth, so nesting is bounded however the input is shaped.
 */
export class BerReader {
  readonly bytes: Buffer;
  private offset: number;
  private readonly end: number;
  readonly depth: number;
  private readonly limits: BerLimits;

  constructor(bytes: Uint8Array, options: { start?: number; end?: number; depth?: number; limits?: BerLimits } = {}) {
    this.bytes = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = options.start ?? 0;
    this.end = options.end ?? this.bytes.length;
    this.depth = options.depth ?? 0;
    this.limits = options.limits ?? defaultBerLimits;
  }

  get done(): boolean {
    return this.offset >= this.end;
  }

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  /** The next element's header without consuming it, or null at the end. */
  peekHeader(): BerHeader | null {
    return readHeader(this.bytes, this.offset, this.end, this.limits.maxLength);
  }

  /** The tag of the next element, or -1 at the end. */
  peekTag(): number {
    return this.offset < this.end ? this.bytes[this.offset]! : -1;
  }

  /** Reads the next element's header and returns where its content lies, consuming it. */
  readElement(expectedTag?: number): { tag: number; start: number; end: number } {
    const header = readHeader(this.bytes, this.offset, this.end, this.limits.maxLength);
    if (header === null) throw new BerError('truncated', 'element header runs past the end of its container');
    if (expectedTag !== undefined && header.tag !== expectedTag) {
      throw new BerError('unexpected-tag', `expected tag ${hex(expectedTag)}, found ${hex(header.tag)}`);
    }
    const start = this.offset + header.headerLength;
    const end = start + header.length;
    if (end > this.end) throw new BerError('truncated', `element of ${header.length} bytes runs past the end of its container`);
    this.offset = end;
    return { tag: header.tag, start, end };
  }

  /** Enters a constructed element (SEQUENCE, SET, or a constructed context/application tag). */
  readConstructed(expectedTag: number = Tag.sequence): BerReader {
    if ((expectedTag & 0x20) === 0) throw new BerError('unexpected-tag', `tag ${hex(expectedTag)} is not constructed`);
    if (this.depth + 1 > this.limits.maxDepth) {
      throw new BerError('too-deep', `elements nested deeper than ${this.limits.maxDepth} levels`);
    }
    const { start, end } = this.readElement(expectedTag);
    return new BerReader(this.bytes, { start, end, depth: this.depth + 1, limits: this.limits });
  }

  readInteger(expectedTag: number = Tag.integer): number {
    const { start, end } = this.readElement(expectedTag);
    const length = end - start;
    if (length === 0) throw new BerError('bad-value', 'an INTEGER has at least one content byte');
    // Six bytes stay within Number.MAX_SAFE_INTEGER; LDAP integers are bounded by 2^31-1 anyway.
    if (length > 6) throw new BerError('bad-value', `an INTEGER of ${length} bytes is out of range`);
    let value = this.bytes[start]! >= 0x80 ? this.bytes[start]! - 256 : this.bytes[start]!;
    for (let i = start + 1; i < end; i++) value = value * 256 + this.bytes[i]!;
    return value;
  }

  readEnumerated(expectedTag: number = Tag.enumerated): number {
    return this.readInteger(expectedTag);
  }

  readBoolean(expectedTag: number = Tag.boolean): boolean {
    const { start, end } = this.readElement(expectedTag);
    if (end - start !== 1) throw new BerError('bad-value', 'a BOOLEAN has exactly one content byte');
    return this.bytes[start] !== 0;
  }

  readNull(expectedTag: number = Tag.null): void {
    const { start, end } = this.readElement(expectedTag);
    if (end !== start) throw new BerError('bad-value', 'a NULL has no content');
  }

  /** The content bytes, as a view on the input (valid as long as the input is). */
  readOctetString(expectedTag: number = Tag.octetString): Buffer {
    const { start, end } = this.readElement(expectedTag);
    return this.bytes.subarray(start, end);
  }

  /**
   * An LDAPString: UTF-8 by definition; malformed sequences become U+FFFD rather than an error,
   * because such a value can only fail to match, which is the honest outcome.
   */
  readString(expectedTag: number = Tag.octetString): string {
    const { start, end } = this.readElement(expectedTag);
    return this.bytes.toString('utf8', start, end);
  }

  skip(): void {
    this.readElement();
  }

  expectEnd(what: string): void {
    if (!this.done) throw new BerError('trailing-data', `unexpected data after ${what}`);
  }
}

/**
 * Builds one BER message into a growing buffer. Constructed elements reserve one length byte and
 * move their content when the final length needs the long form, which is rare for LDAP values
 * and cheaper than building nested buffers.
 */
export class BerWriter {
  private buf: Buffer;
  private pos = 0;
  private readonly open: number[] = [];

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private writeLength(length: number): void {
    if (length < 0x80) {
      this.ensure(1);
      this.buf[this.pos++] = length;
      return;
    }
    const count = lengthByteCount(length);
    this.ensure(1 + count);
    this.buf[this.pos++] = 0x80 | count;
    for (let i = count - 1; i >= 0; i--) this.buf[this.pos++] = Math.floor(length / 256 ** i) & 0xff;
  }

  startConstructed(tag: number = Tag.sequence): this {
    this.ensure(2);
    this.buf[this.pos++] = tag;
    this.open.push(this.pos);
    this.buf[this.pos++] = 0;
    return this;
  }

  endConstructed(): this {
    const lengthAt = this.open.pop();
    if (lengthAt === undefined) throw new Error('endConstructed without startConstructed');
    const contentStart = lengthAt + 1;
    const length = this.pos - contentStart;
    if (length < 0x80) {
      this.buf[lengthAt] = length;
      return this;
    }
    const count = lengthByteCount(length);
    this.ensure(count);
    this.buf.copyWithin(contentStart + count, contentStart, this.pos);
    this.buf[lengthAt] = 0x80 | count;
    for (let i = 0; i < count; i++) this.buf[lengthAt + 1 + i] = Math.floor(length / 256 ** (count - 1 - i)) & 0xff;
    this.pos += count;
    return this;
  }

  writeInteger(value: number, tag: number = Tag.integer): this {
    if (!Number.isSafeInteger(value)) throw new RangeError(`cannot encode ${value} as an INTEGER`);
    const bytes: number[] = [];
    let v = value;
    // Two's complement, shortest form: stop once the remaining value is all sign bits.
    for (;;) {
      const byte = ((v % 256) + 256) % 256;
      bytes.unshift(byte);
      v = Math.floor(v / 256);
      if ((v === 0 && byte < 0x80) || (v === -1 && byte >= 0x80)) break;
    }
    this.ensure(2 + bytes.length);
    this.buf[this.pos++] = tag;
    this.buf[this.pos++] = bytes.length;
    for (const b of bytes) this.buf[this.pos++] = b;
    return this;
  }

  writeEnumerated(value: number, tag: number = Tag.enumerated): this {
    return this.writeInteger(value, tag);
  }

  writeBoolean(value: boolean, tag: number = Tag.boolean): this {
    this.ensure(3);
    this.buf[this.pos++] = tag;
    this.buf[this.pos++] = 1;
    this.buf[this.pos++] = value ? 0xff : 0x00;
    return this;
  }

  writeNull(tag: number = Tag.null): this {
    this.ensure(2);
    this.buf[this.pos++] = tag;
    this.buf[this.pos++] = 0;
    return this;
  }

  writeOctetString(value: string | Uint8Array, tag: number = Tag.octetString): this {
    const length = typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.byteLength;
    this.ensure(1);
    this.buf[this.pos++] = tag;
    this.writeLength(length);
    this.ensure(length);
    if (typeof value === 'string') this.buf.write(value, this.pos, length, 'utf8');
    else this.buf.set(value, this.pos);
    this.pos += length;
    return this;
  }

  /** Appends an already encoded element (a filter encoded elsewhere, say). */
  writeRaw(bytes: Uint8Array): this {
    this.ensure(bytes.byteLength);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.byteLength;
    return this;
  }

  /** The encoded bytes; the writer must not be used afterwards (the buffer is shared). */
  finish(): Buffer {
    if (this.open.length > 0) throw new Error(`${this.open.length} constructed element(s) left open`);
    return this.buf.subarray(0, this.pos);
  }
}

function lengthByteCount(length: number): number {
  let count = 1;
  while (length >= 256 ** count) count++;
  return count;
}
