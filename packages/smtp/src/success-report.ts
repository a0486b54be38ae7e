// RFC 3461 NOTIFY=SUCCESS: the operator that puts a message in a recipient's mailbox reports it
// to the envelope sender (RFC 3464 "delivered", Status 2.0.0, headers only). Only when asked for:
// NOTIFY is absent or without SUCCESS on almost every message, and then nothing here runs.

import type { Repositories, Store } from '@mss/store';
import type { Recipient } from './delivery.ts';
import { readHeaders } from './message.ts';
import { buildDsn, wantsSuccessDsn } from './queue/dsn.ts';

export interface SuccessReportInput {
  /** Our MTA name (Reporting-MTA) and domain (the report's From: MAILER-DAEMON@…). */
  reportingMta: string;
  operatorDomain: string;
  /** Our id of the delivered message. */
  messageRef: string;
  envid: string | null;
  arrivalDate: Date;
  /** The envelope sender, to whom the report goes. */
  sender: string;
  /** The delivered message as stored (its header section is returned). */
  blobHash: string;
  recipients: Recipient[];
}

/** A committed report ready to append or to queue. */
export interface SuccessReport {
  hash: string;
  size: number;
  metadata: ReturnType<typeof readHeaders>['metadata'];
}

/** The local recipients whose RCPT asked for a success report (one per mailbox). */
export function successRecipients(recipients: readonly Recipient[]): Extract<Recipient, { kind: 'local' }>[] {
  const byMailbox = new Map<number, Extract<Recipient, { kind: 'local' }>>();
  for (const r of recipients) if (r.kind === 'local' && wantsSuccessDsn(r.dsn.notify) && !byMailbox.has(r.mailboxId)) byMailbox.set(r.mailboxId, r);
  return [...byMailbox.values()];
}

/** Builds the report and makes its blob durable; the caller files it in its own transaction. */
export async function writeSuccessReport(store: Store, r: SuccessReportInput): Promise<SuccessReport> {
  const original = await store.blobs.get(r.blobHash);
  const bytes = buildDsn({
    reportingMta: r.reportingMta,
    operatorDomain: r.operatorDomain,
    messageRef: r.messageRef,
    envid: r.envid,
    arrivalDate: r.arrivalDate,
    ret: null,
    original,
    sender: r.sender,
    recipients: r.recipients.map((x) => ({
      recipient: x.address,
      orcpt: x.dsn.orcpt,
      action: 'delivered' as const,
      status: '2.0.0',
      diagnostic: '250 2.0.0 delivered to the mailbox',
      remoteMta: null,
      lastAttempt: null,
    })),
    now: store.now(),
  });
  const blob = await store.blobs.put(bytes);
  return { ...blob, metadata: readHeaders(bytes).metadata };
}

/**
 * Files a report in one of our mailboxes' INBOX, inside the caller's transaction. A sender
 * mailbox that is no longer active gets none; the quota is not checked (a report is small, and a
 * full sender mailbox must not turn the delivery it reports into a refusal). Returns the folder.
 */
export async function fileReportLocally(tx: Repositories, mailboxId: number, report: SuccessReport): Promise<number | undefined> {
  const box = await tx.mailboxes.byId(mailboxId);
  if (!box || box.status !== 'active') return undefined;
  const inbox = await tx.mail.ensureFolder(box.id, 'INBOX');
  await tx.mail.appendMessage(inbox.id, { blobHash: report.hash, size: report.size, authorIdnat: null, ...report.metadata });
  return inbox.id;
}
