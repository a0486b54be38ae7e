// Whether a mailbox takes in a message: the one rule behind SMTP RCPT and DATA, the relay,
// IMAP APPEND and COPY (docs/choices.md, "Mailbox quotas"). Pure: callers read the usage.

import type { MailboxStatus } from './lifecycle.ts';
import type { MailboxType } from './types.ts';

/** What one mailbox may hold (IMAP QUOTA, RFC 9208; SMTP "mailbox full"): bytes and messages. */
export interface MailboxQuota {
  storage: number;
  messages: number;
}
export type MailboxQuotas = Readonly<Record<MailboxType, MailboxQuota>>;

const GIB = 1024 * 1024 * 1024;
/**
 * Default limits per mailbox type (our choice, docs/choices.md): a person's mailbox 2 GiB,
 * mailboxes shared by a structure or a practice (ORG, CAB) 10 GiB, an application's 2 GiB;
 * 1,000,000 messages each. The operator's configuration may set others per type.
 */
export const DEFAULT_MAILBOX_QUOTAS: MailboxQuotas = {
  PER: { storage: 2 * GIB, messages: 1_000_000 },
  ORG: { storage: 10 * GIB, messages: 1_000_000 },
  APP: { storage: 2 * GIB, messages: 1_000_000 },
  CAB: { storage: 10 * GIB, messages: 1_000_000 },
};

/** The quota of a mailbox type (an unknown type gets the person's). */
export function quotaOf(quotas: MailboxQuotas, type: string): MailboxQuota {
  return quotas[type as MailboxType] ?? quotas.PER;
}

/** Whether adding `bytes` in `messages` messages to what a mailbox uses would pass its quota (up to the limit is allowed). */
export function exceedsQuota(quota: MailboxQuota, usage: { storage: number; messages: number }, bytes: number, messages: number): boolean {
  return usage.storage + bytes > quota.storage || usage.messages + messages > quota.messages;
}

/** R-BAL-2: only an active mailbox receives mail; a suspended or closed one refuses it. */
export function receivesMail(status: MailboxStatus | string): boolean {
  return status === 'active';
}

export type ReceptionRefusal = { kind: 'not-active'; status: string } | { kind: 'over-quota' };

/**
 * Whether a mailbox may take in `bytes` more in `messages` more messages now: why not, or null.
 * `usage` is read only for an active mailbox (a refused one costs no query).
 */
export async function receptionRefusal(
  box: { type: string; status: string },
  usage: () => Promise<{ storage: number; messages: number }>,
  incoming: { bytes: number; messages: number },
  quotas: MailboxQuotas,
): Promise<ReceptionRefusal | null> {
  if (!receivesMail(box.status)) return { kind: 'not-active', status: box.status };
  if (exceedsQuota(quotaOf(quotas, box.type), await usage(), incoming.bytes, incoming.messages)) return { kind: 'over-quota' };
  return null;
}
