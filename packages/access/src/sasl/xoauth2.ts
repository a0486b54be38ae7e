// SASL XOAUTH2 (Google's mechanism, the one the API LPS names): a single client response
// `user=<mailbox>^Aauth=Bearer <token>^A^A`; on failure the server sends a base64 JSON error
// challenge, the client answers with an empty response, and the server sends its final failure.

import { SaslError } from './errors.ts';
import { B64TOKEN, decodeResponse, encodeResponse, hasControlChar, parseBearer, parseFields } from './wire.ts';

export interface Xoauth2Credentials {
  user: string;
  token: string;
}

const KEY = /^[A-Za-z]+$/;

/**
 * Parses the client's response as received after `AUTH XOAUTH2` / `AUTHENTICATE XOAUTH2`.
 * Tolerated because real clients do it: zero, one or two trailing ^A; `bearer` in any case;
 * keys in any case; fields other than user and auth (ignored). Everything else is refused.
 */
export function parseXoauth2(initialResponse: string): Xoauth2Credentials {
  const msg = decodeResponse('XOAUTH2', initialResponse);
  let end = msg.length;
  for (let i = 0; i < 2 && end > 0 && msg.charCodeAt(end - 1) === 0x01; i++) end--;
  if (end === 0) throw new SaslError('XOAUTH2', 'malformed-message', 'empty message');
  const fields = parseFields('XOAUTH2', msg.slice(0, end).split('\x01'), KEY);
  const user = fields.get('user');
  if (user === undefined || user === '') throw new SaslError('XOAUTH2', 'missing-user', 'no user field');
  if (hasControlChar(user)) throw new SaslError('XOAUTH2', 'malformed-message', 'user has control characters');
  const auth = fields.get('auth');
  if (auth === undefined) throw new SaslError('XOAUTH2', 'missing-token', 'no auth field');
  return { user, token: parseBearer('XOAUTH2', auth) };
}

/** The client side, for tests, the sandbox's demo client and interop checks. */
export function encodeXoauth2(user: string, token: string): string {
  if (typeof user !== 'string' || user === '') throw new SaslError('XOAUTH2', 'missing-user', 'no user');
  if (hasControlChar(user)) throw new SaslError('XOAUTH2', 'malformed-message', 'user has control characters');
  if (typeof token !== 'string' || token === '') throw new SaslError('XOAUTH2', 'missing-token', 'no token');
  if (!B64TOKEN.test(token)) throw new SaslError('XOAUTH2', 'malformed-message', 'token has characters outside b64token');
  return encodeResponse(`user=${user}\x01auth=Bearer ${token}\x01\x01`);
}

export interface Xoauth2ChallengeOptions {
  scope?: string;
  schemes?: string;
  status?: string;
}

/**
 * The error challenge sent (SMTP `334 <b64>`, IMAP `+ <b64>`) before the final failure. The
 * defaults are what MSSanté operators and Gmail send; clients only look at `status`, and we give
 * the same answer whatever went wrong so as to tell an attacker nothing.
 */
export function xoauth2ErrorChallenge(opts: Xoauth2ChallengeOptions = {}): string {
  const body = { status: opts.status ?? '401', schemes: opts.schemes ?? 'bearer', scope: opts.scope ?? 'mail' };
  return encodeResponse(JSON.stringify(body));
}
