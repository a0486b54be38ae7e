// The messages Mon Espace Santé writes: a patient's message to a professional (R-MES-3: the
// patient's names in From:, RFC 2047 when they are not ASCII, and the patient marker), and a
// read receipt (MDN, RFC 8098). MES writes every header itself: a patient cannot forge From:.

import { randomBytes } from 'node:crypto';
import { encodeBase64, encodeQuotedPrintable } from '@mss/mime';
import { rfc5322Date } from '@mss/smtp';

/**
 * The patient marker (R-MES-3). The sources name none: the sender's domain, patient.mssante.fr,
 * already tells a patient message apart, and only MES may send from it (the relays check that a
 * sending domain belongs to the operator of the client certificate). A header says it without
 * parsing addresses, in the family of Ref. #2's headers (docs/choices.md).
 */
export const PATIENT_MARKER_HEADER = 'X-MSS-Usager';
export const PATIENT_MARKER_VALUE = 'O';

export interface Attachment {
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface PatientMessage {
  from: { name: string; address: string };
  to: string;
  subject: string;
  body: string;
  attachments?: readonly Attachment[];
  /** Message-ID of the message answered (In-Reply-To, References). */
  inReplyTo?: string | null;
  references?: readonly string[];
  /** Ask the professional's software for a read receipt (RFC 8098 §2.1), to the patient's own address. */
  readReceipt?: boolean;
  domain: string;
  date?: Date;
}

/** RFC 5322 atext: a phrase of such words needs neither quotes nor encoding. */
const ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: printable ASCII is what needs no encoding
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * RFC 2047 encoded words (B encoding, UTF-8), each at most 75 characters and never splitting a
 * character, separated by folding white space.
 */
export function encodeWords(text: string): string {
  const words: string[] = [];
  let chunk = '';
  for (const ch of text) {
    // 75 - "=?UTF-8?B?" - "?=" = 63 base64 characters, 45 bytes (a multiple of 3 keeps words independent).
    if (Buffer.byteLength(chunk + ch, 'utf8') > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk !== '') words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join('\r\n ');
}

/** A display name for an address header: atoms as they are, a quoted string, or encoded words. */
export function displayName(name: string): string {
  const clean = name.replace(/[\r\n\t]+/g, ' ').trim();
  if (!PRINTABLE_ASCII.test(clean)) return encodeWords(clean);
  if (clean.split(' ').every((w) => ATOM.test(w))) return clean;
  return `"${clean.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** An unstructured field value (Subject): as it is when printable ASCII, else encoded words. */
export function unstructured(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ');
  return PRINTABLE_ASCII.test(clean) ? clean : encodeWords(clean);
}

export function newMessageId(domain: string): string {
  return `<${Date.now().toString(36)}.${randomBytes(9).toString('hex')}@${domain}>`;
}

/** An RFC 2231 file name parameter (`filename*=UTF-8''…`) when it is not plain ASCII. */
function fileParam(name: string, filename: string): string {
  const clean = filename.replace(/[\r\n"\\/]+/g, '_');
  if (/^[\x20-\x7e]*$/.test(clean)) return `${name}="${clean}"`;
  return `${name}*=UTF-8''${encodeURIComponent(clean).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

function textPart(body: string): string {
  const normalised = body.replace(/\r?\n/g, '\r\n');
  return [
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    encodeQuotedPrintable(Buffer.from(normalised, 'utf8')).toString('latin1'),
  ].join('\r\n');
}

/** A patient's message, as MES sends it: 7-bit clean, every header written here. */
export function composePatientMessage(m: PatientMessage): { raw: Buffer; messageId: string } {
  const messageId = newMessageId(m.domain);
  const head = [
    `From: ${displayName(m.from.name)} <${m.from.address}>`,
    `To: <${m.to}>`,
    `Subject: ${unstructured(m.subject)}`,
    `Date: ${rfc5322Date(m.date ?? new Date())}`,
    `Message-ID: ${messageId}`,
  ];
  if (m.inReplyTo) {
    head.push(`In-Reply-To: ${m.inReplyTo}`);
    head.push(`References: ${[...(m.references ?? []), m.inReplyTo].join(' ')}`);
  }
  if (m.readReceipt) head.push(`Disposition-Notification-To: <${m.from.address}>`);
  head.push(`${PATIENT_MARKER_HEADER}: ${PATIENT_MARKER_VALUE}`, 'MIME-Version: 1.0');
  const attachments = m.attachments ?? [];
  let body: string;
  if (attachments.length === 0) {
    body = textPart(m.body);
  } else {
    const boundary = `mes-${randomBytes(12).toString('hex')}`;
    const parts = [textPart(m.body)];
    for (const a of attachments) {
      parts.push(
        [
          `Content-Type: ${a.contentType}; ${fileParam('name', a.filename)}`,
          `Content-Disposition: attachment; ${fileParam('filename', a.filename)}`,
          'Content-Transfer-Encoding: base64',
          '',
          encodeBase64(a.content).toString('latin1'),
        ].join('\r\n'),
      );
    }
    body = [
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      '',
      'This is a multi-part message in MIME format.',
      ...parts.flatMap((p) => [`--${boundary}`, p]),
      `--${boundary}--`,
      '',
    ].join('\r\n');
  }
  return { raw: Buffer.from(`${head.join('\r\n')}\r\n${body}`, 'latin1'), messageId };
}

export interface ReadReceipt {
  from: { name: string; address: string };
  /** The Disposition-Notification-To address. */
  to: string;
  originalMessageId: string | null;
  originalSubject: string;
  /** RFC 8098 §3.2.3: the recipient's address as the original's RCPT named it. */
  finalRecipient: string;
  domain: string;
  /** The original's header section, returned as text/rfc822-headers. */
  originalHeaders: Buffer;
  date?: Date;
}

/**
 * RFC 8098 MDN for a message the patient opened and agreed to acknowledge: sent manually (the
 * patient said yes), disposition `displayed`, in a multipart/report (RFC 6522).
 */
export function composeReadReceipt(r: ReadReceipt): { raw: Buffer; messageId: string } {
  const messageId = newMessageId(r.domain);
  const boundary = `mdn-${randomBytes(12).toString('hex')}`;
  const date = r.date ?? new Date();
  const human = [
    `Votre message${r.originalSubject ? ` « ${r.originalSubject} »` : ''} a été affiché par ${r.from.name}`,
    `(${r.from.address}) le ${rfc5322Date(date)}.`,
    '',
    "Cet accusé de lecture dit seulement que le message a été affiché ; il ne dit pas qu'il a été lu ni compris.",
  ].join('\r\n');
  const report = [
    `Reporting-UA: ${r.domain}; Mon Espace Sante (mss-operator stand-in)`,
    `Final-Recipient: rfc822; ${r.finalRecipient}`,
    ...(r.originalMessageId ? [`Original-Message-ID: ${r.originalMessageId}`] : []),
    'Disposition: manual-action/MDN-sent-manually; displayed',
    '',
  ].join('\r\n');
  const head = [
    `From: ${displayName(r.from.name)} <${r.from.address}>`,
    `To: <${r.to}>`,
    `Subject: ${unstructured(`Accusé de lecture : ${r.originalSubject}`)}`,
    `Date: ${rfc5322Date(date)}`,
    `Message-ID: ${messageId}`,
    ...(r.originalMessageId ? [`In-Reply-To: ${r.originalMessageId}`, `References: ${r.originalMessageId}`] : []),
    `${PATIENT_MARKER_HEADER}: ${PATIENT_MARKER_VALUE}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=disposition-notification; boundary="${boundary}"`,
    '',
  ];
  const body = [
    `--${boundary}`,
    textPart(human),
    `--${boundary}`,
    'Content-Type: message/disposition-notification',
    '',
    report,
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    r.originalHeaders.toString('latin1').replace(/(\r\n)+$/, ''),
    `--${boundary}--`,
    '',
  ];
  return { raw: Buffer.from([...head, ...body].join('\r\n'), 'latin1'), messageId };
}
