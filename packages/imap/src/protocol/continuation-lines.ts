// Lines that are not commands: the client's answers inside IDLE (RFC 2177) and AUTHENTICATE
// (RFC 3501 §6.2.2). The framer hands them over as one-line commands; the session, which knows
// it is waiting for one, reads them with these.

import { ParseError } from './errors.ts';
import type { FramedCommand } from './framer.ts';

/** True for the `DONE` that ends IDLE (any case, nothing else on the line). */
export function isIdleDone(framed: FramedCommand): boolean {
  return framed.literals.length === 0 && framed.lines[0]?.toUpperCase() === 'DONE';
}

export type SaslResponse = { readonly cancel: true } | { readonly cancel: false; readonly data: Buffer };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A client SASL response: base64 (possibly empty), or `*` to cancel (answer `BAD`). */
export function parseSaslResponse(framed: FramedCommand): SaslResponse {
  const line = framed.lines[0] ?? '';
  if (framed.literals.length > 0 || framed.lines.length !== 1) throw new ParseError('Invalid SASL response');
  if (line === '*') return { cancel: true };
  if (!BASE64.test(line)) throw new ParseError('Invalid SASL response: not base64');
  return { cancel: false, data: Buffer.from(line, 'base64') };
}
