// Bytes to text. Declared charsets are honoured through the WHATWG TextDecoder (which maps
// iso-8859-1 and us-ascii to its windows-1252 superset); undeclared or ASCII-declared 8-bit text
// is tried as UTF-8 first, because mislabelled UTF-8 is what real mail mostly carries, then
// windows-1252, which decodes any byte.

import { TextDecoder } from 'node:util';

const decoders = new Map<string, TextDecoder | null>();

function decoder(label: string): TextDecoder | null {
  const key = label.trim().toLowerCase();
  let d = decoders.get(key);
  if (d === undefined) {
    try {
      d = new TextDecoder(key);
    } catch {
      d = null;
    }
    if (decoders.size < 256) decoders.set(key, d);
  }
  return d;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const utf8 = new TextDecoder('utf-8');
const cp1252 = new TextDecoder('windows-1252');

function allAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! > 0x7f) return false;
  return true;
}

/** UTF-8 when the bytes are valid UTF-8, windows-1252 otherwise. */
export function guessText(bytes: Uint8Array): string {
  if (allAscii(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return cp1252.decode(bytes);
  }
}

/** Whether `charset` names something TextDecoder knows. */
export function knownCharset(charset: string): boolean {
  return decoder(stripLanguage(charset)) !== null;
}

/** RFC 2231 §5 lets a charset carry a language: `UTF-8*fr`. */
function stripLanguage(charset: string): string {
  const star = charset.indexOf('*');
  return star >= 0 ? charset.slice(0, star) : charset;
}

/**
 * Text of `bytes` in `charset`; null when the charset is unknown and `strict`, otherwise a
 * guess. Never throws: undecodable bytes become U+FFFD.
 */
export function decodeBytes(bytes: Uint8Array, charset: string | null, strict = false): string | null {
  const name = charset ? stripLanguage(charset).trim().toLowerCase() : '';
  if (name === '' || name === 'us-ascii' || name === 'ascii' || name === 'us_ascii') return guessText(bytes);
  if (name === 'utf-8' || name === 'utf8') return utf8.decode(bytes);
  const d = decoder(name);
  if (d) return d.decode(bytes);
  return strict ? null : guessText(bytes);
}

/** A header's byte string (latin1) as text: RFC 6532 allows raw UTF-8 in headers. */
export function bytesToText(bytes: string): string {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes.charCodeAt(i) > 0x7f) return guessText(Buffer.from(bytes, 'latin1'));
  }
  return bytes;
}
