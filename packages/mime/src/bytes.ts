// Byte-level helpers shared by the parser and the views. Header text is kept as "byte strings"
// (latin1: one char per byte) so that raw 8-bit bytes survive untouched until someone decides
// which charset they are in.

export const LF = 0x0a;
export const CR = 0x0d;
export const SP = 0x20;
export const TAB = 0x09;
export const DASH = 0x2d;
export const COLON = 0x3a;

/** IMAP strings are string (ASCII) or Buffer (8-bit kept as bytes): the encoder picks quoted or literal. */
export type HeaderText = string | Buffer;

export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** A byte string as IMAP header text: 8-bit bytes go as a Buffer so they are never re-encoded. */
export function headerText(bytes: string): HeaderText {
  return isAscii(bytes) ? bytes : Buffer.from(bytes, 'latin1');
}

export function latin1(raw: Buffer, start: number, end: number): string {
  return end > start ? raw.toString('latin1', start, end) : '';
}

/** Offset just past the LF ending the line at `pos`, or `end` when the line is the last. */
export function nextLine(raw: Uint8Array, pos: number, end: number): number {
  const i = raw.indexOf(LF, pos);
  return i < 0 || i >= end ? end : i + 1;
}

export function countLines(raw: Uint8Array, start: number, end: number): number {
  let n = 0;
  let i = raw.indexOf(LF, start);
  while (i >= 0 && i < end) {
    n++;
    i = raw.indexOf(LF, i + 1);
  }
  return n;
}

/** Removes the line breaks of folded header text (RFC 5322 §2.2.3), keeping the white space. */
export function unfold(s: string): string {
  return s.includes('\n') || s.includes('\r') ? s.replace(/\r?\n|\r/g, '') : s;
}

const WSP_EDGES = /^[ \t]+|[ \t]+$/g;

/** Unfolded and trimmed of surrounding white space: how a header value is shown or compared. */
export function cleanValue(s: string): string {
  return unfold(s).replace(WSP_EDGES, '');
}
