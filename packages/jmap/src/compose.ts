// An RFC 5322 message written from an Email/set create object (RFC 8621 §4.6): header fields
// (RFC 2047 encoded words for non-ASCII text, RFC 6532 not assumed), a text and/or HTML body,
// attachments from blobs. Only what a mail client sends; bodyStructure is not accepted.

import { randomUUID } from 'node:crypto';
import { encodeBase64, encodeQuotedPrintable } from '@mss/mime';
import type { SetError } from './errors.ts';

export interface ComposeAddress {
  name?: string | null;
  email: string;
}

export interface ComposeAttachment {
  bytes: Buffer;
  type: string;
  name: string | null;
  disposition: 'attachment' | 'inline';
  cid: string | null;
}

export interface ComposeInput {
  from: ComposeAddress[];
  sender?: ComposeAddress[] | null;
  to?: ComposeAddress[] | null;
  cc?: ComposeAddress[] | null;
  bcc?: ComposeAddress[] | null;
  replyTo?: ComposeAddress[] | null;
  subject?: string | null;
  sentAt?: string | null;
  messageId?: string[] | null;
  inReplyTo?: string[] | null;
  references?: string[] | null;
  text?: string | null;
  html?: string | null;
  attachments: ComposeAttachment[];
  /** Extra fields as the client wrote them (`header:Name:asRaw`), already checked. */
  extra: [string, string][];
}

const ADDRESS = /^[^\s@<>()",;:\\[\]]+@[A-Za-z0-9.-]+$/;

export function checkAddresses(list: unknown, property: string): ComposeAddress[] | SetError | null {
  if (list === undefined || list === null) return null;
  if (!Array.isArray(list)) return { type: 'invalidProperties', properties: [property] };
  for (const a of list) {
    const o = a as { name?: unknown; email?: unknown };
    if (typeof o !== 'object' || o === null || typeof o.email !== 'string' || !ADDRESS.test(o.email)) {
      return { type: 'invalidProperties', properties: [property], description: `${property} holds an address that is not addr-spec` };
    }
    if (o.name !== undefined && o.name !== null && typeof o.name !== 'string') return { type: 'invalidProperties', properties: [property] };
  }
  return list as ComposeAddress[];
}

/** RFC 2047 §4.1 B-encoded words of UTF-8, each at most 75 characters, for text that is not ASCII. */
export function encodeText(text: string): string {
  if (/^[\x20-\x7e]*$/.test(text)) return text;
  const words: string[] = [];
  let chunk = '';
  for (const ch of text) {
    if (Buffer.byteLength(chunk + ch) > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w).toString('base64')}?=`).join('\r\n ');
}

function phrase(name: string): string {
  if (!/^[\x20-\x7e]*$/.test(name)) return encodeText(name);
  if (/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]*$/.test(name)) return name;
  return `"${name.replace(/["\\]/g, '\\$&')}"`;
}

export function formatAddresses(list: ComposeAddress[]): string {
  return list.map((a) => (a.name ? `${phrase(a.name)} <${a.email}>` : a.email)).join(', ');
}

function rfc5322Date(iso: string | null | undefined): string {
  const d = iso ? new Date(iso) : new Date();
  return d.toUTCString().replace('GMT', '+0000');
}

function fold(name: string, value: string): string {
  return `${name}: ${value}\r\n`;
}

function textPart(text: string, subtype: 'plain' | 'html'): Buffer {
  const body = encodeQuotedPrintable(Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'utf8'));
  return Buffer.concat([
    Buffer.from(`Content-Type: text/${subtype}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n`),
    body,
  ]);
}

function attachmentPart(a: ComposeAttachment): Buffer {
  const name = a.name ? `; filename*=UTF-8''${encodeURIComponent(a.name)}` : '';
  const typeName = a.name ? `; name="${encodeText(a.name).replace(/"/g, '')}"` : '';
  return Buffer.concat([
    Buffer.from(
      `Content-Type: ${a.type}${typeName}\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: ${a.disposition}${name}\r\n` +
        (a.cid ? `Content-ID: <${a.cid}>\r\n` : '') +
        '\r\n',
    ),
    encodeBase64(a.bytes),
  ]);
}

function multipart(subtype: string, parts: Buffer[]): Buffer {
  const boundary = `=_mss_${randomUUID()}`;
  const chunks: Buffer[] = [Buffer.from(`Content-Type: multipart/${subtype}; boundary="${boundary}"\r\n\r\n`)];
  for (const p of parts) chunks.push(Buffer.from(`--${boundary}\r\n`), p, Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** The message's bytes; the Message-ID is made up when the client gave none. */
export function composeMessage(input: ComposeInput): Buffer {
  const domain = input.from[0]?.email.split('@')[1] ?? 'localhost';
  const head: string[] = [];
  head.push(fold('Date', rfc5322Date(input.sentAt)));
  head.push(fold('From', formatAddresses(input.from)));
  if (input.sender?.length) head.push(fold('Sender', formatAddresses(input.sender)));
  if (input.replyTo?.length) head.push(fold('Reply-To', formatAddresses(input.replyTo)));
  if (input.to?.length) head.push(fold('To', formatAddresses(input.to)));
  if (input.cc?.length) head.push(fold('Cc', formatAddresses(input.cc)));
  if (input.bcc?.length) head.push(fold('Bcc', formatAddresses(input.bcc)));
  head.push(fold('Subject', encodeText(input.subject ?? '')));
  const ids = (list: string[]) => list.map((i) => `<${i}>`).join(' ');
  head.push(fold('Message-ID', input.messageId?.length ? ids(input.messageId) : `<${randomUUID()}@${domain}>`));
  if (input.inReplyTo?.length) head.push(fold('In-Reply-To', ids(input.inReplyTo)));
  if (input.references?.length) head.push(fold('References', ids(input.references)));
  for (const [n, v] of input.extra) head.push(fold(n, v));
  head.push('MIME-Version: 1.0\r\n');
  const bodies: Buffer[] = [];
  if (input.text !== null && input.text !== undefined) bodies.push(textPart(input.text, 'plain'));
  if (input.html !== null && input.html !== undefined) bodies.push(textPart(input.html, 'html'));
  let body = bodies.length === 0 ? textPart('', 'plain') : bodies.length === 1 ? bodies[0]! : multipart('alternative', bodies);
  if (input.attachments.length > 0) body = multipart('mixed', [body, ...input.attachments.map(attachmentPart)]);
  return Buffer.concat([Buffer.from(head.join(''), 'utf8'), body]);
}
