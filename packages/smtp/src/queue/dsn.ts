// Delivery status notifications (RFC 3464, in a multipart/report of RFC 6522): failures, for
// recipients at other operators that could not be reached, sent by the operator that accepted
// the message to the mailbox it was sent as (always one of ours: submission only sends as the
// mailbox opened); and successes (RFC 3461 NOTIFY=SUCCESS), sent by the operator that put the
// message in the recipient's mailbox.

import { randomBytes } from 'node:crypto';
import { rfc5322Date } from '../received.ts';

export interface FailedRecipient {
  recipient: string;
  /** `delivered` for a success report (Status 2.0.0), `delayed` for a warning; a failure when absent. */
  action?: 'failed' | 'delivered' | 'delayed' | 'relayed';
  /** For `delayed`: when the queue gives up (RFC 3464 Will-Retry-Until). */
  willRetryUntil?: Date;
  /** RFC 3461 ORCPT as received (`rfc822;addr`), if any. */
  orcpt: string | null;
  /** RFC 3463 status, e.g. `5.1.1`, `4.4.7`. */
  status: string;
  /** The remote reply (`550 5.1.1 …`) or our own reason. */
  diagnostic: string;
  /** Whose reply it was: the other operator's MX, or none when we gave up on our side. */
  remoteMta: string | null;
  lastAttempt: Date | null;
}

export interface DsnInput {
  /** Our MTA name (Reporting-MTA). */
  reportingMta: string;
  operatorDomain: string;
  /** The original message's id here, in the text for the sender's support. */
  messageRef: string;
  envid: string | null;
  arrivalDate: Date;
  /** RFC 3461 RET: FULL returns the whole message, anything else only its header section. */
  ret: string | null;
  /** The original message as stored (our Received header first). */
  original: Buffer;
  sender: string;
  recipients: FailedRecipient[];
  now: Date;
}

/** Header section of a message: up to and including the empty line. */
export function headerSection(message: Buffer): Buffer {
  const end = message.indexOf('\r\n\r\n');
  return end < 0 ? message : message.subarray(0, end + 4);
}

/** RFC 3461 §4: an xtext-free, line-safe rendering of a value we put in a field. */
function field(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').slice(0, 900);
}

export function buildDsn(d: DsnInput): Buffer {
  const boundary = `dsn-${randomBytes(12).toString('hex')}`;
  const messageId = `<dsn.${d.messageRef}.${randomBytes(4).toString('hex')}@${d.operatorDomain}>`;
  // RFC 3461 §6.2: `relayed` is a success report too, from an MTA whose next hop reports nothing more.
  const relayed = d.recipients.every((r) => r.action === 'relayed');
  const delivered = relayed || d.recipients.every((r) => r.action === 'delivered');
  const delayed = d.recipients.every((r) => r.action === 'delayed');
  const expired = d.recipients.some((r) => r.status === '4.4.7');
  const plural = d.recipients.length > 1 ? 's' : '';
  const until = d.recipients.find((r) => r.willRetryUntil)?.willRetryUntil;
  // What the report says, by kind: its subject, how its text begins and ends, whether each
  // recipient's reason is given, and how the returned headers are described.
  const text = delayed
    ? {
        subject: 'Delayed Mail (still being retried)',
        headersPart: 'Delayed message headers',
        lead: 'has not yet been delivered to the',
        tail: `following recipient${plural} at other MSSante operators:`,
        reasons: true,
        closing: [
          `This is a warning only: nothing needs to be sent again. Delivery will be tried${until ? ` until ${rfc5322Date(until)}` : ''};`,
          'you will be told if it fails for good. The delivery report is attached.',
        ],
      }
    : relayed
      ? {
          subject: 'Relayed Mail Report',
          headersPart: 'Relayed message headers',
          lead: 'was relayed to',
          tail: `the following recipient${plural}, whose service gives no delivery report (RFC 3461 section 6.2):`,
          reasons: false,
          closing: ['No further delivery report will come for these recipients. The report is attached.'],
        }
      : delivered
        ? {
            subject: 'Successful Mail Delivery Report',
            headersPart: 'Delivered message headers',
            lead: 'was delivered to the mailbox',
            tail: `of the following recipient${plural}, as you asked (NOTIFY=SUCCESS):`,
            reasons: false,
            closing: ['The delivery report is attached.'],
          }
        : {
            subject: 'Undelivered Mail Returned to Sender',
            headersPart: 'Undelivered message headers',
            lead: 'could not be delivered to the',
            tail: `following recipient${plural} at other MSSante operators${expired ? ' before its maximum time in the queue ran out' : ''}:`,
            reasons: true,
            closing: ['Nothing more will be tried for these recipients. The delivery report is attached.'],
          };
  const human = [
    `This is the mail system of ${d.reportingMta}.`,
    '',
    `Your message ${d.messageRef} (received ${rfc5322Date(d.arrivalDate)}) ${text.lead}`,
    text.tail,
    '',
    ...d.recipients.map((r) => (text.reasons ? `  <${r.recipient}>: ${field(r.diagnostic)}` : `  <${r.recipient}>`)),
    '',
    ...text.closing,
    '',
  ].join('\r\n');
  const perMessage = [`Reporting-MTA: dns; ${d.reportingMta}`];
  if (d.envid) perMessage.push(`Original-Envelope-Id: ${field(d.envid)}`);
  perMessage.push(`Arrival-Date: ${rfc5322Date(d.arrivalDate)}`);
  const perRecipient = d.recipients.map((r) => {
    const lines = [`Final-Recipient: rfc822; ${r.recipient}`];
    if (r.orcpt) lines.push(`Original-Recipient: ${r.orcpt.includes(';') ? field(r.orcpt) : `rfc822; ${field(r.orcpt)}`}`);
    lines.push(`Action: ${r.action ?? 'failed'}`, `Status: ${r.status}`);
    if (r.remoteMta) lines.push(`Remote-MTA: dns; ${r.remoteMta}`);
    lines.push(`Diagnostic-Code: smtp; ${field(r.diagnostic)}`);
    if (r.lastAttempt) lines.push(`Last-Attempt-Date: ${rfc5322Date(r.lastAttempt)}`);
    if (r.willRetryUntil) lines.push(`Will-Retry-Until: ${rfc5322Date(r.willRetryUntil)}`);
    return lines.join('\r\n');
  });
  // RFC 3461 §4.3: RET is about failures; a report with no failure returns only the headers.
  const full = !delivered && !delayed && d.ret?.toUpperCase() === 'FULL';
  const head = [
    `From: Mail Delivery System <MAILER-DAEMON@${d.operatorDomain}>`,
    `To: <${d.sender}>`,
    `Subject: ${text.subject}`,
    `Date: ${rfc5322Date(d.now)}`,
    `Message-ID: ${messageId}`,
    // RFC 3834: no automatic reply to this one.
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    'This is a MIME-encapsulated delivery status notification.',
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    'Content-Description: Notification',
    '',
    human,
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    'Content-Description: Delivery report',
    '',
    perMessage.join('\r\n'),
    '',
    perRecipient.join('\r\n\r\n'),
    '',
    `--${boundary}`,
    `Content-Type: ${full ? 'message/rfc822' : 'text/rfc822-headers'}`,
    `Content-Description: ${full ? 'Undelivered message' : text.headersPart}`,
    '',
    '',
  ].join('\r\n');
  const returned = full ? d.original : headerSection(d.original);
  const tail = `${returned.subarray(returned.length - 2).equals(Buffer.from('\r\n')) ? '' : '\r\n'}--${boundary}--\r\n`;
  return Buffer.concat([Buffer.from(head, 'utf8'), returned, Buffer.from(tail)]);
}

/** The NOTIFY keywords of a recipient, upper-cased; null when NOTIFY was not given. */
function notifyKeywords(notify: readonly string[] | string | null): string[] | null {
  if (!notify) return null;
  return (typeof notify === 'string' ? notify.split(',') : notify).map((v) => v.trim().toUpperCase());
}

/** RFC 3461 §4.1: no failure DSN when NOTIFY was given without FAILURE (NEVER, SUCCESS, DELAY). */
export function wantsFailureDsn(notify: string | null): boolean {
  return notifyKeywords(notify)?.includes('FAILURE') ?? true;
}

/**
 * RFC 3461 §4.1: a delay warning when NOTIFY asked for DELAY, or when NOTIFY was not given (the
 * MTA's choice then; like sendmail, we warn), never for NOTIFY=NEVER or a list without DELAY.
 */
export function wantsDelayDsn(notify: string | null): boolean {
  return notifyKeywords(notify)?.includes('DELAY') ?? true;
}

/** RFC 3461 §4.1: a success DSN only when NOTIFY asked for it (never by default). */
export function wantsSuccessDsn(notify: readonly string[] | string | null): boolean {
  return notifyKeywords(notify)?.includes('SUCCESS') ?? false;
}
