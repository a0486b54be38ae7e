import { DEFAULT_MAILBOX_QUOTAS, receptionRefusal, type MailboxQuotas } from '@mss/domain';
import { addressKey, type Store } from '@mss/store';
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
): Promise<Recipient | Recipient[] | SmtpReply> {
  const address = a.address;
  const full = address.includes('@') ? address : `${address}@${firstDomain}`;
  // The mailbox and its usage in one statement (a round trip on PostgreSQL).
  const target = await store.delivery.targetByKey(addressKey(full));
  if (!target) return groupMembers(store, a, full, quotas);
  const box = target.box;
  if (box.status === 'closed') return replies.unknownRecipient(address);
  const refusal = await receptionRefusal(box, async () => target.usage, { bytes: 1, messages: 1 }, quotas);
  if (refusal?.kind === 'not-active') return replies.recipientDisabled(address, box.status);
  if (refusal) return replies.mailboxFull(box.address);
  return { kind: 'local', address: box.address, mailboxId: box.id, dsn: dsnOf(a) };
}

/**
 * A practice's group address (issue #20 rule 7): anyone who may write here may write to it (the
 * trust space); it stands for its members that are still the practice's and active, each a local
 * recipient of the same delivery transaction, so a 250 means every one of them has the message.
 * A member at its quota refuses the group for now (452 4.2.2). No open group: unknown, as for a
 * closed mailbox; a group left with no member who can receive: 550 5.2.1.
 */
async function groupMembers(store: Store, a: SMTPServerAddress, full: string, quotas: MailboxQuotas): Promise<Recipient[] | SmtpReply> {
  const fan = await store.groups.fanOut(full);
  if (!fan) return replies.unknownRecipient(a.address);
  if (fan.members.length === 0) return replies.groupWithoutMember(a.address);
  const out: Recipient[] = [];
  for (const m of fan.members) {
    if (await receptionRefusal(m, () => store.mail.usage(m.id), { bytes: 1, messages: 1 }, quotas))
      return replies.mailboxFull(fan.group.address);
    out.push({ kind: 'local', address: m.address, mailboxId: m.id, dsn: dsnOf(a) });
  }
  return out;
}

export function isLocalAddress(address: string, localDomains: ReadonlySet<string>): boolean {
  return !address.includes('@') || localDomains.has(domainOf(address));
}

/** Answers a RCPT once its lookup is done: accepted (kept for DATA) or the reply that refuses it. */
export function answerRecipient(
  conn: SubmissionConnection,
  address: SMTPServerAddress,
  lookup: Promise<Recipient | Recipient[] | SmtpReply>,
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
