// AUTH XOAUTH2 / OAUTHBEARER for submission, the same way IMAP does it: the SASL message is read
// by @mss/access, the token checked by its validator, and the right to *send* from the mailbox
// named by the client is the one decision point's (R-AUTH-1, R-AUTH-2, R-AUTH-3).

import {
  oauthbearerErrorChallenge,
  parseOauthbearer,
  parseXoauth2,
  SaslError,
  TokenError,
  xoauth2ErrorChallenge,
  type AccessControl,
  type TokenValidator,
} from '@mss/access';
import type { MailboxRole } from '@mss/domain';

export type BearerMechanism = 'XOAUTH2' | 'OAUTHBEARER';

/** Who is sending: the person (author) and the mailbox they opened (sender). */
export interface SubmissionIdentity {
  idnat: string;
  mailbox: string;
  mailboxId: number;
  role: MailboxRole;
  clientId: string | null;
  tokenExpiresAt: Date;
  /** smtp-server logs `session.user.username`. */
  username: string;
}

export type AuthOutcome =
  | { ok: true; identity: SubmissionIdentity }
  /** A refused token: the mechanism's error challenge, the client's answer, then 535. */
  | { ok: false; kind: 'token'; challenge: string }
  /** A valid person who may not send from this mailbox: 535 with the reason, no challenge. */
  | { ok: false; kind: 'authorization'; text: string }
  /** The identity provider's keys cannot be fetched: nobody's fault, 454 so the client retries. */
  | { ok: false; kind: 'temporary' }
  | { ok: false; kind: 'malformed'; text: string };

export async function authenticateBearer(
  mechanism: BearerMechanism,
  response: string,
  deps: { access: AccessControl; validator: TokenValidator },
): Promise<AuthOutcome> {
  let user: string | undefined;
  let token: string;
  try {
    if (mechanism === 'XOAUTH2') ({ user, token } = parseXoauth2(response));
    else ({ user, token } = parseOauthbearer(response));
  } catch (err) {
    const code = err instanceof SaslError ? err.code : 'malformed-message';
    return { ok: false, kind: 'malformed', text: code === 'malformed-base64' ? 'Cannot Base64-decode client response' : `Invalid ${mechanism} response (${code})` };
  }
  if (!user) return { ok: false, kind: 'malformed', text: `Invalid ${mechanism} response: the mailbox address (user= / a=) is required` };
  const challenge = mechanism === 'XOAUTH2' ? xoauth2ErrorChallenge() : oauthbearerErrorChallenge({ status: 'invalid_token', scope: 'openid scope_all' });
  let validated;
  try {
    validated = await deps.validator.validate(token);
  } catch (err) {
    const code = err instanceof TokenError ? err.code : 'error';
    await deps.access.recordTokenFailure({ mailbox: user, channel: 'smtp', code });
    if (code === 'jwks-unavailable') return { ok: false, kind: 'temporary' };
    return { ok: false, kind: 'token', challenge };
  }
  const clientId = validated.clientId ?? null;
  const d = await deps.access.decide({ principal: { kind: 'person', idnat: validated.idnat }, mailbox: user, action: 'send', channel: 'smtp', clientId });
  if (!d.allowed) {
    // Our documented choice (R-CAB-4): the refusal names the page where the terms are accepted,
    // so that the person can fix it; the other reasons stay vague (R-AUTH-3).
    const text =
      d.reason === 'cgu-not-accepted'
        ? `The operator's terms of use must be accepted before sending from this mailbox: ${d.cguUrl}`
        : d.reason === 'mailbox-closed' || d.reason === 'mailbox-suspended'
          ? `This mailbox is ${d.reason === 'mailbox-closed' ? 'closed' : 'suspended'}`
          : 'Not allowed to send from this mailbox';
    return { ok: false, kind: 'authorization', text };
  }
  return {
    ok: true,
    identity: { idnat: validated.idnat, mailbox: d.address, mailboxId: d.mailboxId, role: d.role, clientId, tokenExpiresAt: validated.expiresAt, username: d.address },
  };
}
