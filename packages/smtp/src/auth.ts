// AUTH XOAUTH2 / OAUTHBEARER for submission, the same way IMAP does it: the SASL message is read
// by @mss/access, the token checked by its validator, and the right to *send* from the mailbox
// named by the client is the one decision point's (R-AUTH-1, R-AUTH-2, R-AUTH-3). AUTH EXTERNAL
// is the same for an APP mailbox's software, with its TLS client certificate instead of a token.

import type { X509Certificate } from 'node:crypto';
import {
  authenticateBearer as authenticateSasl,
  authenticateCertificate,
  type AccessControl,
  type BearerAuthOutcome,
  type BearerMechanism,
  type CertificateAuthOutcome,
  type CertificateValidator,
  type SessionPrincipal,
  type TokenValidator,
} from '@mss/access';
import type { MailboxRole } from '@mss/domain';
import type { MailboxScope } from '@mss/store';

export type { BearerMechanism };

/** Who is sending: the person (author) and the mailbox they opened (sender). */
export interface SubmissionIdentity {
  /**
   * The author: a person's IdNat, or `certificate:<serial>` for an APP's software (recorded as
   * the message's author and in the audit, so that what a certificate sent stays traceable).
   */
  idnat: string;
  /**
   * Set when the software of an APP mailbox authenticated with its certificate (AUTH EXTERNAL), or
   * a structure's staff member with a token of the structure's identity provider (then `idnat` is theirs).
   */
  principal?: SessionPrincipal;
  mailbox: string;
  /** The capability the decision point returned on the sending mailbox: the session reaches it only through this. */
  scope: MailboxScope;
  role: MailboxRole;
  clientId: string | null;
  tokenExpiresAt: Date;
  /** smtp-server logs `session.user.username`. */
  username: string;
}

export type AuthOutcome = { ok: true; identity: SubmissionIdentity } | Exclude<BearerAuthOutcome, { ok: true }>;

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
    identity: {
      idnat: r.idnat,
      ...(r.principal ? { principal: r.principal } : {}),
      mailbox: r.mailbox,
      scope: r.scope,
      role: r.role,
      clientId: r.clientId,
      tokenExpiresAt: r.expiresAt,
      username: r.mailbox,
    },
  };
}

export type ExternalAuthOutcome = { ok: true; identity: SubmissionIdentity } | Exclude<CertificateAuthOutcome, { ok: true }>;

/** AUTH EXTERNAL: the certificate of the TLS session, for the right to send. */
export async function authenticateExternal(
  response: string,
  certificate: X509Certificate | undefined,
  deps: { access: AccessControl; certificates: CertificateValidator },
): Promise<ExternalAuthOutcome> {
  const r = await authenticateCertificate(response, certificate, {
    access: deps.access,
    validator: deps.certificates,
    channel: 'smtp',
    action: 'send',
  });
  if (!r.ok) return r;
  const author = `certificate:${r.principal.serial}`;
  return {
    ok: true,
    identity: {
      idnat: author,
      principal: r.principal,
      mailbox: r.mailbox,
      scope: r.scope,
      role: r.role,
      clientId: null,
      tokenExpiresAt: r.expiresAt,
      username: r.mailbox,
    },
  };
}
