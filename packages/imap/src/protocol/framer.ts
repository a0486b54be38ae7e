// Turns the client's byte stream into whole commands: lines plus the literals between them.
//
// Pure and incremental: `push` bytes as they arrive, `next` pulls events. The framer never
// holds more than one line (≤ maxLineLength), one command (≤ maxCommandSize, plus an APPEND
// message ≤ maxAppendLiteralSize) and whatever input the caller pushed without pulling; input it
// refuses is skipped with a small tail kept, whatever the client sends.
//
// Line ends: CRLF, and a bare LF is tolerated like Dovecot does (telnet-style tools and some
// scripts send it; a CR alone is not a line end and stays in the line, where the parser refuses it).

import { type LiteralHeader, commandHead, literalHeader } from './line-scan.ts';

export interface FramerLimits {
  /** Longest line (text between literals) in bytes, line end excluded. */
  readonly maxLineLength: number;
  /** Largest literal in any command but APPEND. */
  readonly maxLiteralSize: number;
  /** Largest literal in APPEND (the message). */
  readonly maxAppendLiteralSize: number;
  /** Total of one command's lines and literals, an APPEND's message literal aside. */
  readonly maxCommandSize: number;
}

export const DEFAULT_FRAMER_LIMITS: FramerLimits = {
  maxLineLength: 64 * 1024,
  maxLiteralSize: 64 * 1024,
  maxAppendLiteralSize: 50 * 1024 * 1024,
  maxCommandSize: 1024 * 1024,
};

export interface FramedLiteral {
  readonly data: Buffer;
  /** `~{n}` (literal8): may hold NUL bytes. */
  readonly binary: boolean;
  /** `{n+}` (LITERAL+): arrived without a continuation request. */
  readonly nonSync: boolean;
}

export interface FramedCommand {
  /** The tag if the first token is a valid one, else null (answer `* BAD`). */
  readonly tag: string | null;
  /** Upper-cased command name as far as it can be seen (`FETCH`, `UID FETCH`), else null. */
  readonly name: string | null;
  /**
   * The text around the literals, one char per byte (latin1), line ends and literal headers
   * removed: `lines.length === literals.length + 1`, literal i sits at the end of line i.
   */
  readonly lines: readonly string[];
  readonly literals: readonly FramedLiteral[];
}

export type FramerEvent =
  | { readonly type: 'command'; readonly command: FramedCommand }
  /**
   * A synchronising literal within the limits: the framer waits for `acceptLiteral()` (send
   * `+ …` first) or `rejectLiteral()` (send a tagged NO/BAD; the client will not send the bytes).
   * `partial` is the command so far, e.g. to check an APPEND's mailbox before the upload.
   */
  | {
      readonly type: 'literal-request';
      readonly tag: string | null;
      readonly name: string | null;
      readonly size: number;
      readonly binary: boolean;
      readonly partial: FramedCommand;
    }
  /** The line passed maxLineLength (or the command's budget): answer BAD; the rest is skipped. */
  | { readonly type: 'line-too-long'; readonly tag: string | null; readonly name: string | null; readonly limit: number }
  /**
   * A literal over its limit: answer `NO [TOOBIG]` (APPEND) or `BAD [LIMIT]`. The command is
   * dropped; a non-synchronising literal's bytes are still read and thrown away.
   */
  | {
      readonly type: 'literal-too-big';
      readonly tag: string | null;
      readonly name: string | null;
      readonly size: number;
      readonly limit: number;
      readonly nonSync: boolean;
      readonly binary: boolean;
    };

type State = 'line' | 'literal' | 'await' | 'skip-line' | 'skip-literal';

const TAIL = 40;
const HEAD = 256;

export class Framer {
  readonly #limits: FramerLimits;
  #state: State = 'line';

  #queue: Buffer[] = [];
  #head = 0;
  #queued = 0;

  #lineParts: Buffer[] = [];
  #lineBytes = 0;

  #tag: string | null = null;
  #name: string | null = null;
  #lines: string[] = [];
  #literals: FramedLiteral[] = [];
  #commandBytes = 0;

  #pending: LiteralHeader | null = null;
  #literalParts: Buffer[] = [];
  #literalRemaining = 0;

  #skipRemaining = 0;
  #skipTail = '';

  constructor(limits: Partial<FramerLimits> = {}) {
    this.#limits = { ...DEFAULT_FRAMER_LIMITS, ...limits };
  }

  /** Bytes held: unread input, the partial line, and the command being assembled. */
  get bufferedBytes(): number {
    let literal = 0;
    for (const p of this.#literalParts) literal += p.length;
    return this.#queued + this.#lineBytes + this.#commandBytes + literal;
  }

  /** True while a `literal-request` waits for acceptLiteral/rejectLiteral. */
  get awaitingLiteralDecision(): boolean {
    return this.#state === 'await';
  }

  /**
   * True when every byte received is read and the command being assembled ends, so far, with a
   * literal: the client still owes the rest of its line. A client that writes the line end
   * separately, with Nagle's algorithm on, waits for our ACK of the literal before sending it.
   */
  get awaitingLineAfterLiteral(): boolean {
    return this.#state === 'line' && this.#literals.length > 0 && this.#lineBytes === 0 && this.#queued === 0;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#queue.push(chunk);
    this.#queued += chunk.length;
  }

  acceptLiteral(): void {
    const header = this.#takePending();
    this.#state = 'literal';
    this.#pending = header;
    this.#literalRemaining = header.size;
  }

  rejectLiteral(): void {
    this.#takePending();
    this.#resetCommand();
    this.#state = 'line';
  }

  /** The next event, or null when more input (or a literal decision) is needed. */
  next(): FramerEvent | null {
    for (;;) {
      if (this.#state === 'await') return null;
      if (this.#state === 'literal' && this.#literalRemaining === 0) {
        this.#finishLiteral();
        continue;
      }
      if (this.#queued === 0) return null;
      let event: FramerEvent | null = null;
      switch (this.#state) {
        case 'line':
          event = this.#readLine();
          break;
        case 'literal':
          this.#readLiteral();
          break;
        case 'skip-line':
          this.#skipLine();
          break;
        case 'skip-literal':
          this.#skipLiteral();
          break;
      }
      if (event) return event;
    }
  }

  #takePending(): LiteralHeader {
    if (this.#state !== 'await' || !this.#pending) throw new Error('no literal is waiting for a decision');
    const header = this.#pending;
    this.#pending = null;
    return header;
  }

  #consume(n: number): void {
    this.#head += n;
    this.#queued -= n;
    if (this.#head === this.#queue[0]!.length) {
      this.#queue.shift();
      this.#head = 0;
    }
  }

  /** What one command may hold in all: an APPEND also carries its message. */
  #commandBudget(): number {
    const append = this.#name === 'APPEND' ? this.#limits.maxAppendLiteralSize : 0;
    return append + this.#limits.maxCommandSize - this.#commandBytes;
  }

  #lineLimit(): number {
    return Math.max(0, Math.min(this.#limits.maxLineLength, this.#commandBudget()));
  }

  #readLine(): FramerEvent | null {
    const chunk = this.#queue[0]!;
    const off = this.#head;
    const lf = chunk.indexOf(10, off);
    const end = lf === -1 ? chunk.length : lf;
    let textEnd = end;
    if (lf !== -1 && lf > off && chunk[lf - 1] === 13) textEnd--;
    const limit = this.#lineLimit();
    if (this.#lineBytes + (textEnd - off) > limit) return this.#overflow(chunk, off, end, lf !== -1, limit);
    if (lf === -1) {
      // Copied: a slice would pin the whole socket buffer for a few bytes of line.
      this.#lineParts.push(Buffer.from(chunk.subarray(off)));
      this.#lineBytes += chunk.length - off;
      this.#consume(chunk.length - off);
      return null;
    }
    let line: string;
    if (this.#lineParts.length === 0) {
      line = chunk.toString('latin1', off, textEnd);
    } else {
      this.#lineParts.push(chunk.subarray(off, lf));
      line = Buffer.concat(this.#lineParts).toString('latin1');
      if (line.endsWith('\r')) line = line.slice(0, -1);
      this.#lineParts = [];
      this.#lineBytes = 0;
    }
    this.#consume(lf + 1 - off);
    return this.#onLine(line);
  }

  #onLine(line: string): FramerEvent | null {
    if (this.#lines.length === 0) this.#identify(line);
    const header = literalHeader(line);
    if (!header) {
      this.#lines.push(line);
      const command = this.#snapshot();
      this.#resetCommand();
      return { type: 'command', command };
    }
    this.#lines.push(line.slice(0, header.start));
    this.#commandBytes += line.length;
    const isAppend = this.#name === 'APPEND';
    const perLiteral = isAppend ? this.#limits.maxAppendLiteralSize : this.#limits.maxLiteralSize;
    const limit = Math.max(0, Math.min(perLiteral, this.#commandBudget()));
    if (header.size > limit) {
      const event: FramerEvent = {
        type: 'literal-too-big',
        tag: this.#tag,
        name: this.#name,
        size: header.size,
        limit,
        nonSync: header.nonSync,
        binary: header.binary,
      };
      this.#resetCommand();
      if (header.nonSync) this.#startSkipLiteral(header.size);
      return event;
    }
    this.#pending = header;
    if (header.nonSync) {
      this.#state = 'literal';
      this.#literalRemaining = header.size;
      return null;
    }
    this.#state = 'await';
    return {
      type: 'literal-request',
      tag: this.#tag,
      name: this.#name,
      size: header.size,
      binary: header.binary,
      partial: this.#snapshot(),
    };
  }

  #readLiteral(): void {
    const chunk = this.#queue[0]!;
    const take = Math.min(chunk.length - this.#head, this.#literalRemaining);
    this.#literalParts.push(chunk.subarray(this.#head, this.#head + take));
    this.#literalRemaining -= take;
    this.#consume(take);
  }

  #finishLiteral(): void {
    const header = this.#pending!;
    this.#pending = null;
    this.#literals.push({ data: Buffer.concat(this.#literalParts), binary: header.binary, nonSync: header.nonSync });
    this.#literalParts = [];
    this.#commandBytes += header.size;
    this.#state = 'line';
  }

  /** The line broke its limit: report once, then skip to its end keeping only a tail. */
  #overflow(chunk: Buffer, off: number, end: number, complete: boolean, limit: number): FramerEvent {
    if (this.#lines.length === 0) this.#identifyPartial(chunk, off, end);
    const event: FramerEvent = { type: 'line-too-long', tag: this.#tag, name: this.#name, limit };
    const last = this.#lineParts.length > 0 ? this.#lineParts[this.#lineParts.length - 1]! : null;
    let tail = last ? last.toString('latin1', Math.max(0, last.length - TAIL)) : '';
    tail = (tail + chunk.toString('latin1', Math.max(off, end - TAIL), end)).slice(-TAIL);
    this.#lineParts = [];
    this.#lineBytes = 0;
    this.#resetCommand();
    if (complete) {
      this.#consume(end + 1 - off);
      this.#afterSkippedLine(tail);
    } else {
      this.#consume(end - off);
      this.#state = 'skip-line';
      this.#skipTail = tail;
    }
    return event;
  }

  #skipLine(): void {
    const chunk = this.#queue[0]!;
    const off = this.#head;
    const lf = chunk.indexOf(10, off);
    const end = lf === -1 ? chunk.length : lf;
    this.#skipTail = (this.#skipTail + chunk.toString('latin1', Math.max(off, end - TAIL), end)).slice(-TAIL);
    if (lf === -1) {
      this.#consume(end - off);
      return;
    }
    this.#consume(lf + 1 - off);
    this.#afterSkippedLine(this.#skipTail);
  }

  /**
   * A skipped line may end in a literal header. A non-synchronising literal's bytes are on
   * their way and must not be read as commands; a synchronising one will not come, since the
   * client gets our tagged answer instead of a continuation.
   */
  #afterSkippedLine(tail: string): void {
    this.#skipTail = '';
    const header = literalHeader(tail.endsWith('\r') ? tail.slice(0, -1) : tail);
    if (header?.nonSync) this.#startSkipLiteral(header.size);
    else this.#state = 'line';
  }

  #startSkipLiteral(size: number): void {
    this.#skipRemaining = size;
    this.#state = size === 0 ? 'skip-line' : 'skip-literal';
  }

  #skipLiteral(): void {
    const take = Math.min(this.#queue[0]!.length - this.#head, this.#skipRemaining);
    this.#skipRemaining -= take;
    this.#consume(take);
    if (this.#skipRemaining === 0) this.#state = 'skip-line';
  }

  #identify(firstLine: string): void {
    const head = commandHead(firstLine.length > HEAD ? firstLine.slice(0, HEAD) : firstLine, firstLine.length <= HEAD);
    this.#tag = head.tag;
    this.#name = head.name;
  }

  #identifyPartial(chunk: Buffer, off: number, end: number): void {
    const parts = [...this.#lineParts, chunk.subarray(off, Math.min(end, off + HEAD))];
    const text = Buffer.concat(parts).toString('latin1', 0, HEAD);
    const head = commandHead(text, false);
    this.#tag = head.tag;
    this.#name = head.name;
  }

  #snapshot(): FramedCommand {
    return { tag: this.#tag, name: this.#name, lines: [...this.#lines], literals: [...this.#literals] };
  }

  #resetCommand(): void {
    this.#tag = null;
    this.#name = null;
    this.#lines = [];
    this.#literals = [];
    this.#commandBytes = 0;
    this.#literalParts = [];
    this.#state = 'line';
  }
}
