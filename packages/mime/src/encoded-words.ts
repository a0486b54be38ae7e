// RFC 2047 encoded-words (`=?charset?B|Q?text?=`). Decoding is lenient where mailers are
// sloppy: words are recognised even inside quoted strings and next to other text, and the
// bytes of adjacent words in one charset are joined before decoding, because senders split
// multi-byte characters across words. White space between adjacent words is dropped (§6.2).
// A word in an unknown charset is left as written.

import { decodeBytes } from './charset.ts';
import { decodeBase64 } from './transfer-encoding.ts';

const WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g;
const BLANK = /^[ \t\r\n]*$/;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Q encoding (§4.2): `_` is a space, `=XX` a byte, anything else itself. */
function decodeQ(text: string): Buffer {
  const out = Buffer.allocUnsafe(text.length);
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5f) {
      out[o++] = 0x20;
    } else if (c === 0x3d && i + 2 < text.length && hexValue(text.charCodeAt(i + 1)) >= 0 && hexValue(text.charCodeAt(i + 2)) >= 0) {
      out[o++] = (hexValue(text.charCodeAt(i + 1)) << 4) | hexValue(text.charCodeAt(i + 2));
      i += 2;
    } else {
      out[o++] = c & 0xff;
    }
  }
  return out.subarray(0, o);
}

interface Pending {
  charset: string;
  chunks: Buffer[];
  /** The words as written, kept in case the charset is unknown. */
  source: string;
}

function finish(p: Pending): string {
  const bytes = p.chunks.length === 1 ? p.chunks[0]! : Buffer.concat(p.chunks);
  return decodeBytes(bytes, p.charset, true) ?? p.source;
}

/** Decodes the encoded-words in `text` (already Unicode); everything else is kept. */
export function decodeWords(text: string): string {
  if (!text.includes('=?')) return text;
  let out = '';
  let last = 0;
  let pending: Pending | null = null;
  for (const m of text.matchAll(WORD)) {
    const between = text.slice(last, m.index);
    const charset = m[1]!;
    const payload = m[3]!;
    const bytes = m[2] === 'b' || m[2] === 'B' ? decodeBase64(Buffer.from(payload, 'latin1')) : decodeQ(payload);
    if (pending && BLANK.test(between) && pending.charset.toLowerCase() === charset.toLowerCase()) {
      pending.chunks.push(bytes);
      pending.source += between + m[0];
    } else {
      if (pending) out += finish(pending);
      if (!pending || !BLANK.test(between)) out += between;
      pending = { charset, chunks: [bytes], source: m[0] };
    }
    last = m.index + m[0].length;
  }
  if (pending) out += finish(pending);
  return out + text.slice(last);
}
