// SASL EXTERNAL with a TLS client certificate, as SMTP submission and IMAP both do it for APP
// mailboxes (domain reference §5, our choice): read the client's message (the authorization
// identity, RFC 4422 appendix A), check the certificate, and ask the one decision point whether
// the certificate's software may use the mailbox asked for — its own, or the one it names when
// the message is empty. Every outcome is audited with the certificate's serial as the principal.

import type { X509Certificate } from 'node:crypto';
import type { MailboxAction, MailboxRole } from '@mss/domain';
import type { MailboxScope } from '@mss/store';
import { CertificateError, CERTIFICATE_ERROR_TEXT, type CertificateErrorCode, type CertificateValidator } from './certificate/validator.ts';
import type { AccessControl } from './decision/access-control.ts';
import type { Channel, DenyReason, Principal } from './decision/types.ts';
import { SaslError } from './sasl/errors.ts';
import { parseExternal } from './sasl/external.ts';

export type CertificateAuthOutcome =
  | {
      ok: true;
      principal: Extract<Principal, { kind: 'application' }>;
      mailbox: string;
      mailboxId: number;
      role: MailboxRole;
      /** The software's name from the certificate (CN), for logs. */
      commonName: string | undefined;
      /** The certificate's end of validity: the session ends then (R-AUTH-4). */
      expiresAt: Date;
      /** The capability the decision granted: that one mailbox's repositories. */
      scope: MailboxScope;
    }
  /** The certificate is missing or not good enough: `text` says which (the vendor's to fix). */
  | { ok: false; kind: 'certificate'; code: Exclude<CertificateErrorCode, 'revocation-unknown'>; text: string }
  /** A good certificate for another mailbox, or a mailbox certificates do not open. */
  | { ok: false; kind: 'authorization'; reason: DenyReason; text: string }
  /** No revocation list yet: nobody's fault, the client may retry. */
  | { ok: false; kind: 'temporary'; text: string }
  | { ok: false; kind: 'malformed'; text: string };

export async function authenticateCertificate(
  response: string,
  peerCertificate: X509Certificate | undefined,
  deps: { access: AccessControl; validator: CertificateValidator; channel: Channel; action: MailboxAction },
): Promise<CertificateAuthOutcome> {
  let authzid: string | null;
  try {
    ({ authzid } = parseExternal(response));
  } catch (err) {
    const code = err instanceof SaslError ? err.code : 'malformed-message';
    return {
      ok: false,
      kind: 'malformed',
      text: code === 'malformed-base64' ? 'Cannot Base64-decode client response' : `Invalid EXTERNAL response (${code})`,
    };
  }
  let certificate;
  try {
    certificate = deps.validator.validate(peerCertificate);
  } catch (err) {
    if (!(err instanceof CertificateError)) throw err;
    await deps.access.recordCertificateFailure({ serial: err.serial, mailbox: authzid, channel: deps.channel, code: err.code });
    if (err.code === 'revocation-unknown') return { ok: false, kind: 'temporary', text: CERTIFICATE_ERROR_TEXT[err.code] };
    return { ok: false, kind: 'certificate', code: err.code, text: CERTIFICATE_ERROR_TEXT[err.code] };
  }
  const principal = { kind: 'application' as const, serial: certificate.serial, mailbox: certificate.mailbox };
  const d = await deps.access.decide({
    principal,
    mailbox: authzid ?? certificate.mailbox,
    action: deps.action,
    channel: deps.channel,
    clientId: null,
  });
  if (!d.allowed) {
    const verb = deps.action === 'send' ? 'send from' : 'open';
    const text =
      d.reason === 'mailbox-closed' || d.reason === 'mailbox-suspended'
        ? `This mailbox is ${d.reason === 'mailbox-closed' ? 'closed' : 'suspended'}`
        : d.reason === 'action-not-allowed'
          ? `A client certificate may only ${verb} an APP mailbox`
          : `This client certificate may not ${verb} this mailbox`;
    return { ok: false, kind: 'authorization', reason: d.reason, text };
  }
  return {
    ok: true,
    principal,
    mailbox: d.address,
    mailboxId: d.mailboxId,
    role: d.role,
    commonName: certificate.commonName,
    expiresAt: certificate.notAfter,
    scope: d.scope,
  };
}
