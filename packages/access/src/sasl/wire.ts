// Pieces both bearer-token mechanisms share: the base64 wrapping of SMTP AUTH / IMAP
// AUTHENTICATE, the UTF-8 decoding, and the `auth=Bearer <token>` value.

import { SaslError, type SaslMechanism } from './errors.ts';

/** Far above any real token (PSC tokens are a few KiB); stops a client from making us decode megabytes. */
export const MAX_RESPONSE_CHARS = 64 * 1024;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
// RFC 6750 b64token: what a Bearer credential may contain, JWTs included.
export const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Buffer.from(…, 'base64') skips anything it does not understand, so garbage would silently
 * decode to something; we check the alphabet and the length first. Unpadded input is accepted
 * because some clients drop the padding; CR/LF/spaces around the response come from line
 * parsers and are not the client's payload.
 */
export function decodeResponse(mechanism: SaslMechanism, response: unknown): string {
  if (typeof response !== 'string') throw new SaslError(mechanism, 'malformed-base64', 'response is not a string');
  if (response.length > MAX_RESPONSE_CHARS) throw new SaslError(mechanism, 'malformed-message', 'response too long');
  const b64 = response.trim();
  if (!BASE64.test(b64) || b64.length % 4 === 1 || (b64.endsWith('=') && b64.length % 4 !== 0)) {
    throw new SaslError(mechanism, 'malformed-base64', 'response is not valid base64');
  }
  const bytes = Buffer.from(b64, 'base64');
  try {
    return utf8.decode(bytes);
  } catch {
    throw new SaslError(mechanism, 'malformed-message', 'response is not valid UTF-8');
  }
}

export function encodeResponse(message: string): string {
  return Buffer.from(message, 'utf8').toString('base64');
}

/** `Bearer <token>`: scheme case-insensitive (RFC 6750 §2.1 via RFC 7235), one or more spaces. */
export function parseBearer(mechanism: SaslMechanism, value: string): string {
  if (value === '') throw new SaslError(mechanism, 'missing-token', 'empty auth value');
  const sp = value.indexOf(' ');
  const scheme = sp < 0 ? value : value.slice(0, sp);
  if (scheme.toLowerCase() !== 'bearer') throw new SaslError(mechanism, 'bad-scheme', 'auth scheme is not Bearer');
  let start = sp < 0 ? value.length : sp;
  while (value.charCodeAt(start) === 0x20) start++;
  const token = value.slice(start);
  if (token === '') throw new SaslError(mechanism, 'missing-token', 'no token after Bearer');
  if (!B64TOKEN.test(token)) throw new SaslError(mechanism, 'malformed-message', 'token has characters outside b64token');
  return token;
}

export function hasControlChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/**
 * A key=value field list. A key given twice is refused rather than resolved: two components
 * reading "the" user or token differently is how authentication bypasses happen.
 */
export function parseFields(mechanism: SaslMechanism, fields: readonly string[], key: RegExp): Map<string, string> {
  const out = new Map<string, string>();
  for (const field of fields) {
    const eq = field.indexOf('=');
    if (eq <= 0) throw new SaslError(mechanism, 'malformed-message', 'field is not key=value');
    const k = field.slice(0, eq);
    if (!key.test(k)) throw new SaslError(mechanism, 'malformed-message', 'field key has invalid characters');
    const norm = k.toLowerCase();
    if (out.has(norm)) throw new SaslError(mechanism, 'malformed-message', 'field given twice');
    out.set(norm, field.slice(eq + 1));
  }
  return out;
}
