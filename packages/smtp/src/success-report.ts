// RFC 3461 NOTIFY=SUCCESS: the operator that puts a message in a recipient's mailbox reports it
// to the envelope sender (RFC 3464 "delivered", Status 2.0.0, headers only). Only when asked for:
// NOTIFY is absent or without SUCCESS on almost every message, and then nothing here runs.

import type { Store } from '@mss/store';
import type { Recipient } from './delivery.ts';
import { wantsSuccessDsn } from './queue/dsn.ts';
import { writeDsn, type WrittenDsn } from './queue/dsn-filing.ts';

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
  /** RFC 3461 §6.2: `relayed` when the message went on to a service that gives no delivery report (R-MES-4). */
  action?: 'delivered' | 'relayed';
}

/** The local recipients whose RCPT asked for a success report (one per mailbox). */
export function successRecipients(recipients: readonly Recipient[]): Extract<Recipient, { kind: 'local' }>[] {
  const byMailbox = new Map<number, Extract<Recipient, { kind: 'local' }>>();
  for (const r of recipients)
    if (r.kind === 'local' && wantsSuccessDsn(r.dsn.notify) && !byMailbox.has(r.mailboxId)) byMailbox.set(r.mailboxId, r);
  return [...byMailbox.values()];
}

/** Builds the report and makes its blob durable; the caller files it (`fileDsn`) or queues it in its own transaction. */
export function writeSuccessReport(store: Store, r: SuccessReportInput): Promise<WrittenDsn> {
  return writeDsn(store, {
    reportingMta: r.reportingMta,
    operatorDomain: r.operatorDomain,
    messageRef: r.messageRef,
    envid: r.envid,
    arrivalDate: r.arrivalDate,
    ret: null,
    originalHash: r.blobHash,
    sender: r.sender,
    recipients: r.recipients.map((x) => ({
      recipient: x.address,
      orcpt: x.dsn.orcpt,
      action: r.action ?? 'delivered',
      status: '2.0.0',
      diagnostic:
        r.action === 'relayed'
          ? '250 2.0.0 relayed to a service that gives no delivery report (Mon Espace Sante, R-MES-4)'
          : '250 2.0.0 delivered to the mailbox',
      remoteMta: null,
      lastAttempt: null,
    })),
    now: store.now(),
  });
}
