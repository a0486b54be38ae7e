// Judges a SASL client response as sent, byte for byte, against the mechanism's definition:
// XOAUTH2 `user=<mailbox>^Aauth=Bearer <token>^A^A` (domain reference §5, Ref. #2 req. 1.6) and
// OAUTHBEARER `n,a=<mailbox>,^A…auth=Bearer <token>^A^A` (RFC 7628 §3.1). The operator tolerates
// what real clients get slightly wrong; the kit says exactly what was wrong.

import { type TokenFacts, tokenFacts } from './recording.ts';

export interface SaslJudgement {
  readonly shown: string;
  readonly problems: string[];
  readonly user: string | null;
  readonly token: TokenFacts | null;
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const show = (s: string): string => s.replaceAll('\x01', '^A');
const ADDRESS = /^[^@\s]+@[^@\s]+$/;

function redact(decoded: string, token: string | null): string {
  return show(token ? decoded.replace(token, '<PSC token>') : decoded);
}

function decode(b64: string): string | null {
  if (b64 === '' || !B64.test(b64)) return null;
  return Buffer.from(b64, 'base64').toString('utf8');
}

export function judgeXoauth2(b64: string): SaslJudgement {
  const decoded = decode(b64);
  if (decoded === null) return { shown: '(not base64)', problems: ['the response is not base64'], user: null, token: null };
  const problems: string[] = [];
  const fields = decoded.replace(/\x01+$/, '').split('\x01');
  const user = fields.find((f) => f.toLowerCase().startsWith('user='))?.slice(5) ?? null;
  const auth = fields.find((f) => f.toLowerCase().startsWith('auth='))?.slice(5) ?? null;
  const token = auth === null ? null : auth.replace(/^bearer\s+/i, '');
  const exact = /^user=([^\x01]+)\x01auth=Bearer ([^\x01\s]+)\x01\x01$/.exec(decoded);
  if (!exact) {
    if (!fields[0]?.startsWith('user=')) problems.push('does not start with user=');
    if (auth === null) problems.push('no auth= field');
    else if (!auth.startsWith('Bearer '))
      problems.push(`auth= is not "Bearer <token>" (found "${auth.split(' ')[0] === auth ? '<token>' : auth.split(' ')[0]} …")`);
    if (!decoded.endsWith('\x01\x01') || decoded.endsWith('\x01\x01\x01')) problems.push('does not end with exactly two ^A');
    if (fields.length !== 2) problems.push(`${fields.length} fields where XOAUTH2 has user and auth`);
    if (problems.length === 0) problems.push('not of the form user=<mailbox>^Aauth=Bearer <token>^A^A');
  }
  if (user !== null && !ADDRESS.test(user)) problems.push(`user= is "${user}", not a mailbox address`);
  return { shown: redact(decoded, token), problems, user, token: token ? tokenFacts(token) : null };
}

export function judgeOauthbearer(b64: string): SaslJudgement {
  const decoded = decode(b64);
  if (decoded === null) return { shown: '(not base64)', problems: ['the response is not base64'], user: null, token: null };
  const problems: string[] = [];
  const gs2 = /^([ny]),(?:a=([^,]*))?,\x01/.exec(decoded);
  if (!gs2) problems.push('no GS2 header "n,a=<mailbox>," followed by ^A');
  const user = gs2?.[2]?.replaceAll('=2C', ',').replaceAll('=3D', '=') ?? null;
  if (gs2 && !user) problems.push('no authzid (a=<mailbox>): the operator needs the mailbox');
  const rest = gs2 ? decoded.slice(gs2[0].length) : decoded;
  if (!rest.endsWith('\x01\x01') || rest.endsWith('\x01\x01\x01')) problems.push('does not end with exactly two ^A');
  const fields = rest.replace(/\x01+$/, '').split('\x01');
  const auth = fields.find((f) => f.startsWith('auth='))?.slice(5) ?? null;
  const token = auth === null ? null : auth.replace(/^bearer\s+/i, '');
  if (auth === null) problems.push('no auth= field');
  else if (!/^Bearer [^\s]+$/.test(auth)) problems.push('auth= is not "Bearer <token>"');
  for (const f of fields) if (!/^[A-Za-z]+=/.test(f)) problems.push(`malformed key=value "${show(f).slice(0, 20)}"`);
  if (user !== null && user !== '' && !ADDRESS.test(user)) problems.push(`a= is "${user}", not a mailbox address`);
  return { shown: redact(decoded, token), problems, user, token: token ? tokenFacts(token) : null };
}
