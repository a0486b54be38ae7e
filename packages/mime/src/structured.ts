// Lexing of MIME structured header values (RFC 2045 §5.1, RFC 2183): a leading token such as
// `text/plain` or `attachment`, then `; name=value` parameters, with comments and quoted
// strings. Tolerant of what senders really write: unquoted values holding `=` or spaces,
// missing or doubled semicolons, unterminated quotes and comments.

export interface RawParam {
  readonly name: string;
  /** Unquoted, quoted-pairs resolved; bytes as latin1. */
  readonly value: string;
}

export interface Structured {
  /** The leading value with comments and white space removed (may be empty). */
  readonly main: string;
  readonly params: RawParam[];
}

const WS = new Set([0x20, 0x09, 0x0d, 0x0a]);
/** RFC 2045 token characters (tspecials and CTLs excluded), plus 8-bit bytes. */
const TOKEN = new Uint8Array(256);
for (let c = 0x21; c < 256; c++) TOKEN[c] = c === 0x7f || '()<>@,;:\\"/[]?='.includes(String.fromCharCode(c)) ? 0 : 1;
function isToken(c: number): boolean {
  return TOKEN[c] === 1;
}
/** What an unquoted value may hold in practice: anything but white space, ';' and '"'. */
function isLooseValue(c: number): boolean {
  return c > 0x20 && c !== 0x7f && c !== 0x3b && c !== 0x22;
}

class Lexer {
  readonly s: string;
  pos = 0;

  constructor(s: string) {
    this.s = s;
  }

  get done(): boolean {
    return this.pos >= this.s.length;
  }

  peek(): number {
    return this.s.charCodeAt(this.pos);
  }

  /** White space and (nested) comments. */
  skipCfws(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (WS.has(c)) {
        this.pos++;
      } else if (c === 0x28) {
        this.skipComment();
      } else {
        return;
      }
    }
  }

  private skipComment(): void {
    const s = this.s;
    let depth = 0;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos++);
      if (c === 0x5c) this.pos++;
      else if (c === 0x28) depth++;
      else if (c === 0x29 && --depth === 0) return;
    }
  }

  take(accept: (c: number) => boolean): string {
    const begin = this.pos;
    while (this.pos < this.s.length && accept(this.s.charCodeAt(this.pos))) this.pos++;
    return this.s.slice(begin, this.pos);
  }

  quoted(): string {
    const s = this.s;
    this.pos++;
    let out = '';
    let begin = this.pos;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 0x22) {
        out += s.slice(begin, this.pos);
        this.pos++;
        return out;
      }
      if (c === 0x5c && this.pos + 1 < s.length) {
        out += s.slice(begin, this.pos);
        begin = this.pos + 1;
        this.pos += 2;
        continue;
      }
      this.pos++;
    }
    return out + s.slice(begin);
  }

  skipPast(code: number): void {
    const i = this.s.indexOf(String.fromCharCode(code), this.pos);
    this.pos = i < 0 ? this.s.length : i + 1;
  }

  /** Whether `name=` follows: a parameter the sender forgot to precede with ';'. */
  atParameter(): boolean {
    return /^[^\s;=()"]+\s*=/.test(this.s.slice(this.pos, this.pos + 200));
  }
}

function paramValue(lex: Lexer): string {
  if (lex.peek() === 0x22) {
    const value = lex.quoted();
    lex.skipCfws();
    return value;
  }
  const begin = lex.pos;
  const token = lex.take(isLooseValue);
  lex.skipCfws();
  if (lex.done || lex.peek() === 0x3b || lex.atParameter()) return token;
  // `name=foo bar.pdf`: white space inside an unquoted value; keep it up to the next ';'.
  const semi = lex.s.indexOf(';', lex.pos);
  const end = semi < 0 ? lex.s.length : semi;
  lex.pos = end;
  return lex.s.slice(begin, end).trim();
}

function parseParams(lex: Lexer, params: RawParam[]): void {
  while (!lex.done) {
    lex.skipCfws();
    if (lex.done) return;
    if (lex.peek() === 0x3b) {
      lex.pos++;
      continue;
    }
    const name = lex.take((c) => isToken(c));
    lex.skipCfws();
    if (name === '' || lex.peek() !== 0x3d) {
      lex.skipPast(0x3b);
      continue;
    }
    lex.pos++;
    lex.skipCfws();
    params.push({ name, value: paramValue(lex) });
  }
}

/** `type/subtype; params`: main is `type/subtype` lower-cased, or '' when it is not one. */
export function parseContentTypeValue(value: string): Structured {
  const lex = new Lexer(value);
  lex.skipCfws();
  const type = lex.take(isToken);
  lex.skipCfws();
  let main = '';
  if (type && lex.peek() === 0x2f) {
    lex.pos++;
    lex.skipCfws();
    const subtype = lex.take(isToken);
    if (subtype) main = `${type}/${subtype}`.toLowerCase();
  }
  const params: RawParam[] = [];
  lex.skipCfws();
  // Whatever stands between the type and the first parameter is junk: skip it.
  if (!lex.done && lex.peek() !== 0x3b && !lex.atParameter()) lex.skipPast(0x3b);
  parseParams(lex, params);
  return { main, params };
}

/** `token; params` (Content-Disposition): main is the token lower-cased. */
export function parseDispositionValue(value: string): Structured {
  const lex = new Lexer(value);
  lex.skipCfws();
  const main = lex.take(isToken).toLowerCase();
  lex.skipCfws();
  if (!lex.done && lex.peek() !== 0x3b && !lex.atParameter()) lex.skipPast(0x3b);
  const params: RawParam[] = [];
  parseParams(lex, params);
  return { main, params };
}

/** The first token of a value, comments and white space aside (Content-Transfer-Encoding). */
export function firstToken(value: string): string {
  const lex = new Lexer(value);
  lex.skipCfws();
  return lex.take(isToken);
}

/** Text with comments removed and white space collapsed (Content-Language tags, Content-ID). */
export function stripComments(value: string): string {
  const lex = new Lexer(value);
  let out = '';
  while (!lex.done) {
    const c = lex.peek();
    if (c === 0x28 || WS.has(c)) {
      lex.skipCfws();
      if (out && !lex.done) out += ' ';
    } else if (c === 0x22) {
      const begin = lex.pos;
      lex.quoted();
      out += lex.s.slice(begin, lex.pos);
    } else {
      out += lex.s[lex.pos++];
    }
  }
  return out;
}
