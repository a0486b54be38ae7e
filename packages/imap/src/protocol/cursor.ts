// Reads the tokens of one framed command: the text of its lines and, at the end of each line
// but the last, a literal. The grammar's low-level productions (RFC 3501 §9) live here.

import { ASTRING, ATOM, BACKSLASH, DQUOTE, LIST, RPAREN, SP, isChar, isDigit, latin1ToUtf8 } from './chars.ts';
import { ParseError } from './errors.ts';
import type { FramedCommand, FramedLiteral } from './framer.ts';

const MAX_UINT32 = 4294967295;
const MAX_INT63 = (1n << 63n) - 1n;
const NIL = /^nil$/i;

export class Cursor {
  readonly #lines: readonly string[];
  readonly #literals: readonly FramedLiteral[];
  #segment = 0;
  #line: string;
  pos = 0;

  constructor(command: FramedCommand) {
    this.#lines = command.lines;
    this.#literals = command.literals;
    this.#line = command.lines[0] ?? '';
  }

  /** The character code here, or -1 at the end of a line (a literal or the end of the command). */
  peek(): number {
    return this.pos < this.#line.length ? this.#line.charCodeAt(this.pos) : -1;
  }

  atEnd(): boolean {
    return this.pos >= this.#line.length && this.#segment === this.#lines.length - 1;
  }

  atLiteral(): boolean {
    return this.pos >= this.#line.length && this.#segment < this.#lines.length - 1;
  }

  takeLiteral(allowBinary = false): FramedLiteral {
    if (!this.atLiteral()) throw this.#unexpected('Expected a literal');
    const literal = this.#literals[this.#segment]!;
    if (literal.binary && !allowBinary) throw new ParseError('Binary literal (~{n}) not allowed here');
    this.#segment++;
    this.#line = this.#lines[this.#segment]!;
    this.pos = 0;
    return literal;
  }

  #unexpected(what: string): ParseError {
    return new ParseError(this.atEnd() ? 'Missing arguments' : what);
  }

  fail(what: string): never {
    throw this.#unexpected(what);
  }

  char(code: number, what: string): void {
    if (this.peek() !== code) throw this.#unexpected(what);
    this.pos++;
  }

  sp(): void {
    if (this.peek() !== SP) throw this.#unexpected('Expected a space');
    this.pos++;
  }

  /** Consumes a SP if there is one. */
  maybeSp(): boolean {
    if (this.peek() !== SP) return false;
    this.pos++;
    return true;
  }

  end(): void {
    if (!this.atEnd()) throw new ParseError('Unexpected extra arguments');
  }

  /** The longest run of characters of class `cls` (possibly empty). */
  run(cls: number): string {
    const start = this.pos;
    const line = this.#line;
    let i = start;
    while (i < line.length && isChar(line.charCodeAt(i), cls)) i++;
    this.pos = i;
    return line.slice(start, i);
  }

  atom(what = 'Expected an atom'): string {
    const s = this.run(ATOM);
    if (s.length === 0) throw this.#unexpected(what);
    return s;
  }

  /** An atom, upper-cased: command names and keywords are case-insensitive. */
  keyword(what?: string): string {
    return this.atom(what).toUpperCase();
  }

  /** `number` (32-bit unsigned). */
  number(what = 'Expected a number'): number {
    const s = this.#digits(what);
    const n = Number(s);
    if (s.length > 10 || n > MAX_UINT32) throw new ParseError(`${what}: out of range`);
    return n;
  }

  nzNumber(what = 'Expected a number'): number {
    const n = this.number(what);
    if (n === 0) throw new ParseError(`${what}: zero`);
    return n;
  }

  /** `mod-sequence-value` (63-bit); `allowZero` for mod-sequence-valzer. */
  modSequence(allowZero: boolean): bigint {
    const s = this.#digits('Expected a mod-sequence');
    const n = s.length > 19 ? MAX_INT63 + 1n : BigInt(s);
    if (n > MAX_INT63 || (n === 0n && !allowZero)) throw new ParseError('Invalid mod-sequence');
    return n;
  }

  #digits(what: string): string {
    const start = this.pos;
    while (isDigit(this.peek())) this.pos++;
    if (this.pos === start) throw this.#unexpected(what);
    return this.#line.slice(start, this.pos);
  }

  /** A quoted string's content, unescaped, one char per byte. */
  quoted(): string {
    this.char(DQUOTE, 'Expected a quoted string');
    const line = this.#line;
    let out = '';
    let from = this.pos;
    for (let i = from; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === DQUOTE) {
        this.pos = i + 1;
        return out + line.slice(from, i);
      }
      if (c === BACKSLASH) {
        const next = line.charCodeAt(i + 1);
        if (next !== DQUOTE && next !== BACKSLASH) throw new ParseError('Invalid escape in quoted string');
        out += line.slice(from, i);
        from = i + 1;
        i++;
      } else if (c === 0 || c === 0x0d || c === 0x0a) {
        throw new ParseError('Invalid character in quoted string');
      }
    }
    throw new ParseError('Unterminated quoted string');
  }

  /** `string` (quoted or literal) as raw bytes: latin1 text or the literal's Buffer. */
  stringRaw(what = 'Expected a string'): string | Buffer {
    if (this.atLiteral()) return this.takeLiteral().data;
    if (this.peek() === DQUOTE) return this.quoted();
    throw this.#unexpected(what);
  }

  /** `astring` as raw bytes. */
  astringRaw(what = 'Expected a string'): string | Buffer {
    if (this.atLiteral()) return this.takeLiteral().data;
    if (this.peek() === DQUOTE) return this.quoted();
    const s = this.run(ASTRING);
    if (s.length === 0) throw this.#unexpected(what);
    return s;
  }

  /** `list-mailbox`: like astring, plus the wildcards `%` and `*`. */
  listMailboxRaw(): string | Buffer {
    if (this.atLiteral()) return this.takeLiteral().data;
    if (this.peek() === DQUOTE) return this.quoted();
    const s = this.run(LIST);
    if (s.length === 0) throw this.#unexpected('Expected a mailbox pattern');
    return s;
  }

  astring(what?: string): string {
    return text(this.astringRaw(what));
  }

  string(what?: string): string {
    return text(this.stringRaw(what));
  }

  /** `nstring`, leniently also accepting an atom (some clients send `ID (name foo)`). */
  nastring(what?: string): string | null {
    if (!this.atLiteral() && this.peek() !== DQUOTE) {
      const s = this.run(ASTRING);
      if (s.length === 0) throw this.#unexpected(what ?? 'Expected a string');
      return NIL.test(s) ? null : s;
    }
    return this.string(what);
  }

  /** `"(" item *(SP item) ")"`, or `"(" ")"` when `allowEmpty`. */
  list<T>(item: () => T, allowEmpty: boolean, what: string): T[] {
    this.char(0x28, what);
    const items: T[] = [];
    if (this.peek() === RPAREN) {
      if (!allowEmpty) throw new ParseError(`${what}: empty list`);
      this.pos++;
      return items;
    }
    for (;;) {
      items.push(item());
      if (this.peek() === RPAREN) {
        this.pos++;
        return items;
      }
      this.sp();
    }
  }
}

/** Raw string bytes as Unicode: UTF-8 when 8-bit (invalid sequences become U+FFFD). */
export function text(raw: string | Buffer): string {
  return typeof raw === 'string' ? latin1ToUtf8(raw) : raw.toString('utf8');
}
