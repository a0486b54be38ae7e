// Content-Transfer-Encoding (RFC 2045 §6). Decoders are tolerant: mail in the wild has base64
// with stray characters and concatenated padded chunks, and QP with lowercase hex, bare '=' and
// transport-added trailing spaces. They never throw and always run in one pass.

import { CR, LF, SP, TAB } from './bytes.ts';

const B64 = new Int8Array(256).fill(-1);
{
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) B64[alphabet.charCodeAt(i)] = i;
}
const EQUALS = 0x3d;

/** Ignores anything outside the alphabet; '=' closes a quantum, so `YQ==YQ==` gives `aa`. */
export function decodeBase64(input: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(Math.floor((input.length * 3) / 4) + 3);
  let o = 0;
  let acc = 0;
  let n = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    const v = B64[c]!;
    if (v >= 0) {
      acc = (acc << 6) | v;
      if (++n === 4) {
        out[o++] = (acc >> 16) & 0xff;
        out[o++] = (acc >> 8) & 0xff;
        out[o++] = acc & 0xff;
        acc = 0;
        n = 0;
      }
    } else if (c === EQUALS && n > 0) {
      o = flush(out, o, acc, n);
      acc = 0;
      n = 0;
    }
  }
  return out.subarray(0, flush(out, o, acc, n));
}

/** The bytes a partial quantum holds; a lone sixth of a byte is noise and dropped. */
function flush(out: Buffer, o: number, acc: number, n: number): number {
  if (n === 2) {
    out[o++] = (acc >> 4) & 0xff;
  } else if (n === 3) {
    out[o++] = (acc >> 10) & 0xff;
    out[o++] = (acc >> 2) & 0xff;
  }
  return o;
}

function hexValue(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

function isBlank(c: number | undefined): boolean {
  return c === SP || c === TAB;
}

/** Offset past a line break at `i` (CRLF or LF), or -1. The end of data counts as a break. */
function breakEnd(input: Uint8Array, i: number): number {
  if (i >= input.length) return i;
  if (input[i] === LF) return i + 1;
  if (input[i] === CR && (i + 1 === input.length || input[i + 1] === LF)) return Math.min(i + 2, input.length);
  return -1;
}

export function decodeQuotedPrintable(input: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(input.length);
  const n = input.length;
  let o = 0;
  let i = 0;
  while (i < n) {
    const c = input[i]!;
    if (c === EQUALS) {
      const hi = hexValue(input[i + 1]);
      const lo = hexValue(input[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out[o++] = (hi << 4) | lo;
        i += 3;
        continue;
      }
      // Soft line break, possibly with white space a transport added after the '='.
      let j = i + 1;
      while (isBlank(input[j])) j++;
      const end = breakEnd(input, j);
      if (end >= 0) {
        i = end;
        continue;
      }
      out[o++] = c;
      i++;
      continue;
    }
    if (isBlank(c)) {
      // RFC 2045 §6.7 (3): white space at the end of a line was added in transport.
      let j = i;
      while (isBlank(input[j])) j++;
      if (breakEnd(input, j) >= 0) {
        i = j;
        continue;
      }
      while (i < j) out[o++] = input[i++]!;
      continue;
    }
    out[o++] = c;
    i++;
  }
  return out.subarray(0, o);
}

const HEX = '0123456789ABCDEF';

function escapeOctet(c: number): string {
  return '=' + HEX[c >> 4]! + HEX[c & 15]!;
}

export interface QuotedPrintableOptions {
  /** Encode CR and LF too, so that any bytes come back unchanged (default false: CRLF/LF are line breaks). */
  readonly binary?: boolean;
  /** Maximum encoded line length, the soft-break '=' included (default 76, RFC 2045). */
  readonly lineLength?: number;
}

export function encodeQuotedPrintable(data: Uint8Array, options: QuotedPrintableOptions = {}): Buffer {
  const binary = options.binary ?? false;
  const max = Math.max(4, options.lineLength ?? 76);
  const n = data.length;
  let out = '';
  let lineLength = 0;
  const lineBreakAt = (i: number): number => (binary ? (i >= n ? i : -1) : breakEnd(data, i));
  for (let i = 0; i < n; i++) {
    const c = data[i]!;
    if (!binary && (c === LF || (c === CR && data[i + 1] === LF))) {
      if (c === CR) i++;
      out += '\r\n';
      lineLength = 0;
      continue;
    }
    let token: string;
    if (c >= 0x21 && c <= 0x7e && c !== EQUALS) token = String.fromCharCode(c);
    else if (isBlank(c) && lineBreakAt(i + 1) < 0) token = String.fromCharCode(c);
    else token = escapeOctet(c);
    // One column stays free for the soft break's '='.
    if (lineLength + token.length > max - 1) {
      out += '=\r\n';
      lineLength = 0;
    }
    out += token;
    lineLength += token.length;
  }
  return Buffer.from(out, 'latin1');
}

/** Base64 in lines of `lineLength` characters (76, RFC 2045) separated by CRLF. */
export function encodeBase64(data: Uint8Array, lineLength = 76): Buffer {
  const text = Buffer.from(data.buffer, data.byteOffset, data.length).toString('base64');
  const step = Math.max(4, lineLength - (lineLength % 4));
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += step) lines.push(text.slice(i, i + step));
  return Buffer.from(lines.join('\r\n'), 'latin1');
}

/** 7bit, 8bit, binary and unknown encodings pass through (the bytes are not copied). */
export function decodeTransfer(data: Buffer, encoding: string): Buffer {
  switch (encoding.toLowerCase()) {
    case 'base64':
      return decodeBase64(data);
    case 'quoted-printable':
      return decodeQuotedPrintable(data);
    default:
      return data;
  }
}
