// SASL EXTERNAL (RFC 4422 appendix A): the credentials are outside SASL — here the TLS client
// certificate — and the client's one message is the authorization identity it asks for, possibly
// empty ("act as whoever my certificate says"). The mailbox address is that identity.

import { SaslError } from './errors.ts';
import { decodeResponse, encodeResponse, hasControlChar } from './wire.ts';

export interface ExternalRequest {
  /** The authorization identity asked for; null when the client sent an empty message. */
  authzid: string | null;
}

/** RFC 4422 §3.4.1: at most 255 octets would do for an address; anything longer is not one. */
const MAX_AUTHZID = 320;

/**
 * Parses the response that follows `AUTH EXTERNAL` / `AUTHENTICATE EXTERNAL` (base64; the empty
 * string for an empty message, which SMTP writes `=` and IMAP `=` or an empty line — the
 * protocols turn those into '' before calling this).
 */
export function parseExternal(response: string): ExternalRequest {
  const authzid = decodeResponse('EXTERNAL', response);
  if (authzid === '') return { authzid: null };
  if (authzid.length > MAX_AUTHZID) throw new SaslError('EXTERNAL', 'malformed-message', 'authorization identity too long');
  // RFC 4422 appendix A.1: the message is a UTF-8 string; NUL and other controls never name a mailbox.
  if (hasControlChar(authzid)) throw new SaslError('EXTERNAL', 'malformed-message', 'authorization identity has control characters');
  return { authzid };
}

/** The client side, for tests: base64 of the authorization identity, `''` for none. */
export function encodeExternal(authzid: string | null): string {
  return authzid ? encodeResponse(authzid) : '';
}
