// AUTH XOAUTH2 / OAUTHBEARER for submission, the same way IMAP does it: the SASL message is read
// by @mss/access, the token checked by its validator, and the right to *send* from the mailbox
// named by the client is the one decision point's (R-AUTH-1, R-AUTH-2, R-AUTH-3).

import { authenticateBearer as authenticateSasl, type AccessControl, type BearerAuthOutcome, type BearerMechanism, type TokenValidator } from '@mss/access';
import type { MailboxRole } from '@mss/domain';

export type { BearerMechanism };

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
  | Exclude<BearerAuthOutcome, { ok: true }>;

/** The shared bearer authentication of @mss/access, for the right to send. */
export async function authenticateBearer(
  mechanism: BearerMechanism,
  response: string,
  deps: { access: AccessControl; validator: TokenValidator },
): Promise<AuthOutcome> {
  const r = await authenticateSasl(mechanism, response, { ...deps, channel: 'smtp', action: 'send' });
  if (!r.ok) return r;
  return {
    ok: true,
    identity: { idnat: r.idnat, mailbox: r.mailbox, mailboxId: r.mailboxId, role: r.role, clientId: r.clientId, tokenExpiresAt: r.expiresAt, username: r.mailbox },
  };
}
