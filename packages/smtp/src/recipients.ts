import { DEFAULT_MAILBOX_QUOTAS, receptionRefusal, type MailboxQuotas } from '@mss/domain';
import type { Store } from '@mss/store';
import type { SMTPServerAddress } from 'smtp-server';
import type { Recipient, RecipientDsn } from './delivery.ts';
import type { SubmissionConnection } from './connection.ts';
import { replies, SmtpReply } from './replies.ts';

/** What the operator knows of the trust space: the whitelist and who runs each domain. */
export interface TrustSpace {
  isWhitelisted(domain: string): boolean;
  /** The operator running a whitelisted domain (its name on the list). */
  operatorFor(domain: string): string | undefined;
}

export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}

export function dsnOf(a: SMTPServerAddress): RecipientDsn {
  return { notify: a.dsn?.notify ?? null, orcpt: a.dsn?.orcpt ?? null };
}

/**
 * A recipient in one of this operator's domains: active → local; closed answers like unknown
 * (its address may be reused, R-BAL-2); suspended says so. The domainless `postmaster`
 * (RFC 5321 §4.1.1.3), which smtp-server lets through, is looked up in the first domain.
 * A mailbox already at its quota answers `452 4.2.2` (the client may retry once room is made).
 */
export async function classifyLocal(
  store: Store,
  a: SMTPServerAddress,
  firstDomain: string,
  quotas: MailboxQuotas = DEFAULT_MAILBOX_QUOTAS,
): Promise<Recipient | SmtpReply> {
  const address = a.address;
  const full = address.includes('@') ? address : `${address}@${firstDomain}`;
  const box = await store.mailboxes.byAddress(full);
  if (!box || box.status === 'closed') return replies.unknownRecipient(address);
  const refusal = await receptionRefusal(box, () => store.mail.usage(box.id), { bytes: 1, messages: 1 }, quotas);
  if (refusal?.kind === 'not-active') return replies.recipientDisabled(address, box.status);
  if (refusal) return replies.mailboxFull(box.address);
  return { kind: 'local', address: box.address, mailboxId: box.id, dsn: dsnOf(a) };
}

export function isLocalAddress(address: string, localDomains: ReadonlySet<string>): boolean {
  return !address.includes('@') || localDomains.has(domainOf(address));
}

/** Answers a RCPT once its lookup is done: accepted (kept for DATA) or the reply that refuses it. */
export function answerRecipient(
  conn: SubmissionConnection,
  address: SMTPServerAddress,
  lookup: Promise<Recipient | SmtpReply>,
  callback: (err?: Error | null) => void,
): void {
  lookup.then(
    (r) => {
      if (r instanceof SmtpReply) return callback(r);
      conn.recipients.set(address.address.toLowerCase(), r);
      callback();
    },
    (err: unknown) => {
      conn.log.error({ err }, 'smtp recipient lookup failed');
      callback(replies.localError());
    },
  );
}
