// Read receipts (Message Disposition Notifications, RFC 8098): asked for with
// Disposition-Notification-To (§2.1), answered with a multipart/report whose second part is a
// message/disposition-notification (§3). Mon Espace Santé handles MDNs but not DSNs (R-MES-4).

import { randomUUID } from 'node:crypto';
import { decodeBody, decodedHeader, type MimeNode, parseMessage } from '@mss/mime';

export interface Mdn {
  readonly originalMessageId: string | null;
  /** e.g. `manual-action/MDN-sent-manually; displayed` */
  readonly disposition: string;
  /** `displayed`, `deleted`… (the disposition type, lower case). */
  readonly type: string;
  readonly finalRecipient: string | null;
  readonly originalRecipient: string | null;
}

/** RFC 8098 §3.1.1: fields of the notification part, one per line, folded lines joined. */
function fields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) out.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return out;
}

const afterType = (v: string | undefined): string | null => {
  if (v === undefined) return null;
  const semi = v.indexOf(';');
  return (semi >= 0 ? v.slice(semi + 1) : v).trim();
};

/** The notification carried by a message, or null when it is not an MDN. */
export function parseMdn(raw: Uint8Array, root: MimeNode = parseMessage(raw)): Mdn | null {
  const ct = root.contentType;
  if (ct.type !== 'multipart' || ct.subtype !== 'report') return null;
  const part = root.children.find((c) => c.contentType.type === 'message' && c.contentType.subtype === 'disposition-notification');
  if (!part) return null;
  const buffer = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const f = fields(decodeBody(buffer, part).toString('utf8'));
  const disposition = f.get('disposition') ?? '';
  const type = (disposition.split(';')[1] ?? '').trim().split('/')[0]?.trim().toLowerCase() ?? '';
  return {
    originalMessageId: f.get('original-message-id') ?? null,
    disposition,
    type,
    finalRecipient: afterType(f.get('final-recipient')),
    originalRecipient: afterType(f.get('original-recipient')),
  };
}

/** The address a read receipt is asked for, or null (RFC 8098 §2.1). */
export function readReceiptRequestedBy(root: MimeNode): string | null {
  const v = decodedHeader(root, 'disposition-notification-to');
  if (v === null) return null;
  const m = /<([^>]+)>/.exec(v);
  return (m?.[1] ?? v).trim() || null;
}

export interface MdnInput {
  /** The mailbox that read the message (Final-Recipient). */
  readonly from: string;
  /** Where the receipt goes (the Disposition-Notification-To address). */
  readonly to: string;
  readonly originalMessageId: string;
  readonly originalSubject?: string;
  /** Software name for Reporting-UA. */
  readonly reportingUa?: string;
}

/** A `displayed` MDN sent after the user opened the message (manual action, RFC 8098 §3.2.6). */
export function buildMdn(input: MdnInput): { raw: Buffer; messageId: string } {
  const boundary = `mdn-${randomUUID()}`;
  const messageId = `<${randomUUID()}@${input.from.slice(input.from.lastIndexOf('@') + 1)}>`;
  const subject = `Accusé de lecture : ${input.originalSubject ?? ''}`.trim();
  const crlf = (lines: string[]): string => `${lines.join('\r\n')}\r\n`;
  const encodedSubject = /^[\x20-\x7e]*$/.test(subject) ? subject : `=?UTF-8?B?${Buffer.from(subject).toString('base64')}?=`;
  const raw = crlf([
    `From: <${input.from}>`,
    `To: <${input.to}>`,
    `Subject: ${encodedSubject}`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: ${messageId}`,
    `In-Reply-To: ${input.originalMessageId}`,
    `References: ${input.originalMessageId}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=disposition-notification; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    `Le message ${input.originalMessageId} a été affiché par ${input.from}.`,
    '',
    `--${boundary}`,
    'Content-Type: message/disposition-notification',
    '',
    ...(input.reportingUa ? [`Reporting-UA: ${input.reportingUa}`] : []),
    `Final-Recipient: rfc822;${input.from}`,
    `Original-Message-ID: ${input.originalMessageId}`,
    'Disposition: manual-action/MDN-sent-manually; displayed',
    '',
    `--${boundary}--`,
  ]);
  return { raw: Buffer.from(raw, 'utf8'), messageId };
}
