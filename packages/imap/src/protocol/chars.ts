// Character classes of RFC 3501 §9, as one lookup table: the parser and the encoder test
// millions of characters, and a table lookup beats a regular expression per character.

export const ATOM = 1;
export const ASTRING = 2;
export const TAG = 4;
export const LIST = 8;
/** Printable US-ASCII that can sit inside a quoted string unescaped or escaped. */
export const QUOTABLE = 16;
/** What a sequence set is written with (`$` included, to refuse it with a clear message). */
export const SEQUENCE = 32;
/** Letters, digits and dots: fetch attribute names and section specifiers, which stop at `[`. */
export const WORD = 64;

const table = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) {
  const atomSpecial = '(){%*"\\]'.includes(String.fromCharCode(c));
  if (!atomSpecial) table[c]! |= ATOM | ASTRING | TAG | LIST;
}
table[0x5d]! |= ASTRING | TAG | LIST; // ']' (resp-specials) is an ASTRING-CHAR
table[0x2b]! &= ~TAG; // '+' cannot start or appear in a tag: it would read as a continuation
table[0x25]! |= LIST; // '%'
table[0x2a]! |= LIST; // '*'
for (let c = 0x20; c <= 0x7e; c++) table[c]! |= QUOTABLE;
for (const ch of '0123456789*:,$') table[ch.charCodeAt(0)]! |= SEQUENCE;
for (const ch of '0123456789.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz') table[ch.charCodeAt(0)]! |= WORD;

export function isChar(code: number, cls: number): boolean {
  return code >= 0 && code < 256 && (table[code]! & cls) !== 0;
}

/** True when every character of `s` is in the class (and `s` is not empty). */
export function allChars(s: string, cls: number): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code > 255 || (table[code]! & cls) === 0) return false;
  }
  return true;
}

export const SP = 0x20;
export const DQUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const LPAREN = 0x28;
export const RPAREN = 0x29;
export const LBRACKET = 0x5b;
export const RBRACKET = 0x5d;
export const LT = 0x3c;
export const GT = 0x3e;
export const DOT = 0x2e;
export const STAR = 0x2a;

export function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** Decodes bytes carried in a latin1 string (one char per byte) as UTF-8 when any is 8-bit. */
export function latin1ToUtf8(s: string): string {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) return Buffer.from(s, 'latin1').toString('utf8');
  }
  return s;
}
