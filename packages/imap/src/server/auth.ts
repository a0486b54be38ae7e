import {
  isOauthbearerAbort,
  oauthbearerErrorChallenge,
  parseOauthbearer,
  parseXoauth2,
  xoauth2ErrorChallenge,
  SaslError,
  TokenError,
  type AccessControl,
  type TokenValidator,
} from '@mss/access';

export type AuthOutcome =
  | { ok: true; idnat: string; mailbox: string; mailboxId: number; clientId: string | null; expiresAt: Date; role: string }
  /** A refused token: send the mechanism's error challenge, wait for the client's reply, then NO. */
  | { ok: false; kind: 'token'; challenge: string; text: string }
  /** A valid person who may not open this mailbox: NO [AUTHORIZATIONFAILED] with the reason. */
  | { ok: false; kind: 'authorization'; text: string }
  /** Garbage: NO without a challenge. */
  | { ok: false; kind: 'malformed'; text: string };

/**
 * SASL XOAUTH2 / OAUTHBEARER for IMAP: the token is checked by @mss/access and the decision is
 * the one decision point's, for the mailbox named by the client (R-AUTH-1, R-AUTH-2, R-AUTH-3).
 */
export async function authenticateSasl(
  mechanism: 'XOAUTH2' | 'OAUTHBEARER',
  response: string,
  deps: { access: AccessControl; validator: TokenValidator },
): Promise<AuthOutcome> {
  let user: string | undefined;
  let token: string;
  try {
    if (mechanism === 'XOAUTH2') ({ user, token } = parseXoauth2(response));
    else ({ user, token } = parseOauthbearer(response));
  } catch (err) {
    return { ok: false, kind: 'malformed', text: err instanceof SaslError ? `Invalid ${mechanism} response (${err.code})` : `Invalid ${mechanism} response` };
  }
  if (!user) return { ok: false, kind: 'malformed', text: `${mechanism}: the mailbox address (user / a=) is required` };
  const challenge = mechanism === 'XOAUTH2' ? xoauth2ErrorChallenge() : oauthbearerErrorChallenge({ status: 'invalid_token', scope: 'openid scope_all' });
  let validated;
  try {
    validated = await deps.validator.validate(token);
  } catch (err) {
    const code = err instanceof TokenError ? err.code : 'error';
    await deps.access.recordTokenFailure({ mailbox: user, channel: 'imap', code });
    return { ok: false, kind: 'token', challenge, text: 'Authentication failed' };
  }
  const d = await deps.access.decide({ principal: { kind: 'person', idnat: validated.idnat }, mailbox: user, action: 'read', channel: 'imap', clientId: validated.clientId ?? null });
  if (!d.allowed) {
    const text =
      d.reason === 'cgu-not-accepted'
        ? `The operator's terms of use must be accepted before opening this mailbox: ${d.cguUrl}`
        : d.reason === 'mailbox-closed' || d.reason === 'mailbox-suspended'
          ? `This mailbox is ${d.reason === 'mailbox-closed' ? 'closed' : 'suspended'}`
          : 'Not allowed to open this mailbox';
    return { ok: false, kind: 'authorization', text };
  }
  return { ok: true, idnat: validated.idnat, mailbox: d.address, mailboxId: d.mailboxId, clientId: validated.clientId ?? null, expiresAt: validated.expiresAt, role: d.role };
}

export { isOauthbearerAbort };
