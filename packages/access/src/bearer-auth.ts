// SASL XOAUTH2 / OAUTHBEARER as every protocol of the API LPS does it: read the client's message,
// validate the Pro Santé Connect token, and ask the one decision point about the mailbox named by
// the client (R-AUTH-1, R-AUTH-2, R-AUTH-3). SMTP and IMAP only map the outcome to their replies.

import type { MailboxAction, MailboxRole } from '@mss/domain';
import type { MailboxScope } from '@mss/store';
import type { AccessControl } from './decision/access-control.ts';
import type { Channel, DenyReason, LocalPrincipal } from './decision/types.ts';
import { principalOf } from './principal.ts';
import { parseOauthbearer, oauthbearerErrorChallenge } from './sasl/oauthbearer.ts';
import { parseXoauth2, xoauth2ErrorChallenge } from './sasl/xoauth2.ts';
import { SaslError } from './sasl/errors.ts';
import { TokenError } from './token/errors.ts';
import type { TokenValidator } from './token/validator.ts';

export type BearerMechanism = 'XOAUTH2' | 'OAUTHBEARER';

export type BearerAuthOutcome =
  /** `scope`: the capability on the mailbox opened, the only way the session reaches it. */
  | {
      ok: true;
      idnat: string;
      /** Set when a structure's identity provider vouched for its staff member rather than PSC (issue #20 rule 6). */
      principal?: LocalPrincipal;
      mailbox: string;
      mailboxId: number;
      scope: MailboxScope;
      role: MailboxRole;
      clientId: string | null;
      expiresAt: Date;
    }
  /** A refused token: send the mechanism's error challenge, read the client's answer, then fail. */
  | { ok: false; kind: 'token'; challenge: string }
  /** A valid person without the right: fail with `text`, no challenge. */
  | { ok: false; kind: 'authorization'; reason: DenyReason; text: string }
  /** The identity provider's keys cannot be fetched: nobody's fault, the client may retry. */
  | { ok: false; kind: 'temporary' }
  | { ok: false; kind: 'malformed'; text: string };

export async function authenticateBearer(
  mechanism: BearerMechanism,
  response: string,
  deps: { access: AccessControl; validator: TokenValidator; channel: Channel; action: MailboxAction },
): Promise<BearerAuthOutcome> {
  let user: string | undefined;
  let token: string;
  try {
    if (mechanism === 'XOAUTH2') ({ user, token } = parseXoauth2(response));
    else ({ user, token } = parseOauthbearer(response));
  } catch (err) {
    const code = err instanceof SaslError ? err.code : 'malformed-message';
    return {
      ok: false,
      kind: 'malformed',
      text: code === 'malformed-base64' ? 'Cannot Base64-decode client response' : `Invalid ${mechanism} response (${code})`,
    };
  }
  if (!user) return { ok: false, kind: 'malformed', text: `Invalid ${mechanism} response: the mailbox address (user= / a=) is required` };
  const challenge =
    mechanism === 'XOAUTH2' ? xoauth2ErrorChallenge() : oauthbearerErrorChallenge({ status: 'invalid_token', scope: 'openid scope_all' });
  let validated;
  try {
    validated = await deps.validator.validate(token);
  } catch (err) {
    const code = err instanceof TokenError ? err.code : 'error';
    await deps.access.recordTokenFailure({ mailbox: user, channel: deps.channel, code });
    if (code === 'jwks-unavailable') return { ok: false, kind: 'temporary' };
    return { ok: false, kind: 'token', challenge };
  }
  const clientId = validated.clientId ?? null;
  const principal = principalOf(validated);
  const d = await deps.access.decide({
    principal,
    mailbox: user,
    action: deps.action,
    channel: deps.channel,
    clientId,
  });
  if (!d.allowed) {
    const what = deps.action === 'send' ? 'sending from' : 'opening';
    // Our documented choice (R-CAB-4): the refusal names the page where the terms are accepted,
    // so that the person can fix it; the other reasons stay vague (R-AUTH-3).
    const text =
      d.reason === 'cgu-not-accepted'
        ? `The operator's terms of use must be accepted before ${what} this mailbox: ${d.cguUrl}`
        : d.reason === 'mailbox-closed' || d.reason === 'mailbox-suspended'
          ? `This mailbox is ${d.reason === 'mailbox-closed' ? 'closed' : 'suspended'}`
          : `Not allowed to ${deps.action === 'send' ? 'send from' : 'open'} this mailbox`;
    return { ok: false, kind: 'authorization', reason: d.reason, text };
  }
  return {
    ok: true,
    idnat: validated.idnat,
    ...(principal.kind === 'local-person' ? { principal } : {}),
    mailbox: d.address,
    mailboxId: d.mailboxId,
    scope: d.scope,
    role: d.role,
    clientId,
    expiresAt: validated.expiresAt,
  };
}
