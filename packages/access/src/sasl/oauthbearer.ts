// SASL OAUTHBEARER (RFC 7628): `<gs2-header>^A` followed by key=value^A pairs and a final ^A.
// On failure the server sends a JSON error challenge (§3.2.2); the client must answer with a
// lone ^A, after which the server fails the exchange.

import { SaslError } from './errors.ts';
import { B64TOKEN, decodeResponse, encodeResponse, hasControlChar, parseBearer, parseFields } from './wire.ts';

export interface OauthbearerCredentials {
  /** The GS2 authzid (`a=`): for mail, the mailbox the client wants; absent when not sent. */
  user?: string;
  token: string;
  host?: string;
  port?: number;
}

const KEY = /^[A-Za-z]+$/;
// RFC 7628 §3.1: value = *(VCHAR / SP / HTAB / CR / LF)
const VALUE = /^[\x21-\x7e \t\r\n]*$/;

function malformed(message: string): SaslError {
  return new SaslError('OAUTHBEARER', 'malformed-message', message);
}

// RFC 5801 saslname: "," and "=" only as =2C and =3D, any other "=" is an error.
function decodeSaslname(s: string): string {
  if (s === '') throw malformed('empty authzid');
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '=') {
      out += c;
      continue;
    }
    const esc = s.slice(i + 1, i + 3);
    if (esc === '2C') out += ',';
    else if (esc === '3D') out += '=';
    else throw malformed('bad escape in authzid');
    i += 2;
  }
  if (hasControlChar(out)) throw malformed('authzid has control characters');
  return out;
}

function encodeSaslname(s: string): string {
  return s.replaceAll('=', '=3D').replaceAll(',', '=2C');
}

/**
 * Parses the client's initial response. Channel binding (`p=`) is refused because we do not
 * advertise OAUTHBEARER-PLUS; `y` ("I could bind but you did not offer it") and `n` are fine.
 * A missing final ^A is tolerated, as for XOAUTH2.
 */
export function parseOauthbearer(initialResponse: string): OauthbearerCredentials {
  const msg = decodeResponse('OAUTHBEARER', initialResponse);
  const flag = msg[0];
  if (flag === 'p' && msg[1] === '=') {
    throw new SaslError('OAUTHBEARER', 'unsupported-channel-binding', 'channel binding requested but not offered');
  }
  if ((flag !== 'n' && flag !== 'y') || msg[1] !== ',') throw malformed('bad GS2 header');
  let i = 2;
  let user: string | undefined;
  if (msg.startsWith('a=', i)) {
    const comma = msg.indexOf(',', i);
    if (comma < 0) throw malformed('bad GS2 header');
    user = decodeSaslname(msg.slice(i + 2, comma));
    i = comma + 1;
  } else if (msg[i] === ',') {
    i++;
  } else {
    throw malformed('bad GS2 header');
  }
  if (msg[i] !== '\x01') throw malformed('GS2 header not followed by ^A');
  const rest = msg.slice(i + 1);
  let end = rest.length;
  if (rest.endsWith('\x01\x01')) end -= 2;
  else if (rest.endsWith('\x01')) end -= 1;
  else throw malformed('message does not end with ^A');
  const body = rest.slice(0, end);
  const fields = parseFields('OAUTHBEARER', body === '' ? [] : body.split('\x01'), KEY);
  for (const v of fields.values()) if (!VALUE.test(v)) throw malformed('field value has invalid characters');
  const auth = fields.get('auth');
  if (auth === undefined) throw new SaslError('OAUTHBEARER', 'missing-token', 'no auth field');
  const token = parseBearer('OAUTHBEARER', auth);
  const out: OauthbearerCredentials = { token };
  if (user !== undefined) out.user = user;
  const host = fields.get('host');
  if (host !== undefined) out.host = host;
  const port = fields.get('port');
  if (port !== undefined) {
    const n = /^[0-9]{1,5}$/.test(port) ? Number(port) : NaN;
    if (!(n >= 1 && n <= 65535)) throw malformed('bad port');
    out.port = n;
  }
  return out;
}

export function encodeOauthbearer(creds: OauthbearerCredentials): string {
  const { user, token, host, port } = creds;
  if (user !== undefined && (user === '' || hasControlChar(user))) {
    throw new SaslError('OAUTHBEARER', user === '' ? 'missing-user' : 'malformed-message', 'bad authzid');
  }
  if (typeof token !== 'string' || token === '') throw new SaslError('OAUTHBEARER', 'missing-token', 'no token');
  if (!B64TOKEN.test(token)) throw malformed('token has characters outside b64token');
  let msg = `n,${user === undefined ? '' : `a=${encodeSaslname(user)}`},\x01`;
  if (host !== undefined) {
    if (!/^[\x21-\x7e]+$/.test(host)) throw malformed('bad host');
    msg += `host=${host}\x01`;
  }
  if (port !== undefined) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw malformed('bad port');
    msg += `port=${port}\x01`;
  }
  return encodeResponse(`${msg}auth=Bearer ${token}\x01\x01`);
}

export type OauthbearerStatus = 'invalid_token' | 'insufficient_scope' | 'invalid_request' | (string & {});

export interface OauthbearerChallengeOptions {
  status: OauthbearerStatus;
  scope?: string;
  /** URL of the IdP's discovery document, so that a client can fetch a new token. */
  openidConfiguration?: string;
}

/** RFC 7628 §3.2.2 server error challenge, base64 as sent in `334` / `+`. */
export function oauthbearerErrorChallenge(opts: OauthbearerChallengeOptions): string {
  const body: Record<string, string> = { status: opts.status };
  if (opts.scope !== undefined) body.scope = opts.scope;
  if (opts.openidConfiguration !== undefined) body['openid-configuration'] = opts.openidConfiguration;
  return encodeResponse(JSON.stringify(body));
}

/**
 * True when the client answered our error challenge with the lone ^A that RFC 7628 §3.2.3
 * requires; the server then sends its final failure. Anything else is false (never throws): the
 * caller fails the exchange either way, this only tells a well-behaved client from a confused one.
 */
export function isOauthbearerAbort(clientResponse: string): boolean {
  if (typeof clientResponse !== 'string') return false;
  const t = clientResponse.trim();
  return t === 'AQ==' || t === 'AQ';
}
