// An Email object (RFC 8621 §4.1) written from the stored message: metadata from the folder
// rows, everything else from the message's bytes, parsed by @mss/mime on the way out.

import {
  charset,
  decodeBody,
  decodeHeaderValue,
  decodeText,
  decodedHeader,
  filename,
  messageIds,
  parseAddressList,
  parseMessage,
  parseMessageDate,
  rawHeaders,
  textForSearch,
  unfoldedHeader,
  type MimeNode,
  type StoredAddress,
  type StoredEnvelope,
} from '@mss/mime';
import { mailboxObjectId } from '@mss/store';
import type { AccountEmail } from './email-index.ts';
import { invalidArguments } from './errors.ts';
import { keywordsOfFlags } from './keywords.ts';

export const DEFAULT_EMAIL_PROPERTIES = [
  'id',
  'blobId',
  'threadId',
  'mailboxIds',
  'keywords',
  'size',
  'receivedAt',
  'messageId',
  'inReplyTo',
  'references',
  'sender',
  'from',
  'to',
  'cc',
  'bcc',
  'replyTo',
  'subject',
  'sentAt',
  'hasAttachment',
  'preview',
  'bodyValues',
  'textBody',
  'htmlBody',
  'attachments',
];
export const DEFAULT_BODY_PROPERTIES = [
  'partId',
  'blobId',
  'size',
  'name',
  'type',
  'charset',
  'disposition',
  'cid',
  'language',
  'location',
];
const METADATA = new Set(['id', 'blobId', 'threadId', 'mailboxIds', 'keywords', 'size', 'receivedAt']);
const KNOWN = new Set([...DEFAULT_EMAIL_PROPERTIES, 'headers', 'bodyStructure']);
const BODY_KNOWN = new Set([...DEFAULT_BODY_PROPERTIES, 'headers', 'subParts']);

export interface BodyOptions {
  bodyProperties: string[];
  fetchTextBodyValues: boolean;
  fetchHTMLBodyValues: boolean;
  fetchAllBodyValues: boolean;
  maxBodyValueBytes: number;
}

/** Whether a property name is one Email/get knows (RFC 8621 §4.1, with `header:` forms of §4.1.3). */
export function checkEmailProperties(properties: string[], bodyProperties: string[]): void {
  for (const p of properties) if (!KNOWN.has(p) && !parseHeaderProperty(p)) throw invalidArguments(`unknown Email property ${p}`);
  for (const p of bodyProperties) if (!BODY_KNOWN.has(p) && !parseHeaderProperty(p)) throw invalidArguments(`unknown body property ${p}`);
}

export function blobIdOfMessage(hash: string): string {
  return `B${hash}`;
}

export function blobIdOfPart(hash: string, partId: string): string {
  return `P${hash}_${partId.replaceAll('.', '-')}`;
}

/** A blob id back to the message hash and, for a part, its part id; undefined when it is not ours. */
export function parseBlobId(blobId: string): { hash: string; partId?: string } | undefined {
  let m = /^B([0-9a-f]{64})$/.exec(blobId);
  if (m) return { hash: m[1]! };
  m = /^P([0-9a-f]{64})_([0-9-]+)$/.exec(blobId);
  if (m) return { hash: m[1]!, partId: m[2]!.replaceAll('-', '.') };
  return undefined;
}

export function threadIdOf(email: AccountEmail): string {
  return email.threadId;
}

/** The copy whose flags stand for the Email's keywords: the one changed last (our choice, docs/choices.md). */
export function latestRow(email: AccountEmail): AccountEmail['rows'][number] {
  return email.rows.reduce((a, b) => (b.modseq > a.modseq ? b : a));
}

const ISO_UTC = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z$/;

/** RFC 8620 §1.4 UTCDate, to the second, of an INTERNALDATE as the store keeps it (ISO 8601, mostly already UTC). */
function utcDate(internalDate: string): string {
  const m = ISO_UTC.exec(internalDate);
  return m ? `${m[1]}Z` : new Date(internalDate).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function isMetadata(property: string): boolean {
  return METADATA.has(property);
}

/** A property the folder rows answer (METADATA), without the message. */
export function metadataProperty(email: AccountEmail, property: string): unknown {
  switch (property) {
    case 'id':
      return email.id;
    case 'blobId':
      return blobIdOfMessage(email.hash);
    case 'threadId':
      return threadIdOf(email);
    case 'mailboxIds': {
      const mailboxIds: Record<string, true> = {};
      for (const r of email.rows) mailboxIds[mailboxObjectId(r.folderId)] = true;
      return mailboxIds;
    }
    case 'keywords':
      return keywordsOfFlags(latestRow(email).flags);
    case 'size':
      return email.rows[0]!.size;
    case 'receivedAt':
      return utcDate(email.receivedAt);
    default:
      return undefined;
  }
}

export interface EmailAddress {
  name: string | null;
  email: string;
}

function addresses(node: MimeNode, name: string): EmailAddress[] | null {
  const value = unfoldedHeader(node, name);
  if (value === null) return null;
  return parseAddressList(value).map((a) => ({ name: a.name === '' ? null : a.name, email: a.address }));
}

function idList(node: MimeNode, name: string): string[] | null {
  const v = unfoldedHeader(node, name);
  if (v === null) return null;
  const ids = messageIds(v);
  return ids.length > 0 ? ids : null;
}

/** RFC 3339 with the zone the Date field was written in (RFC 8621 §4.1.2.5 Date form). */
export function sentAtOf(node: MimeNode): string | null {
  return sentAtOfText(unfoldedHeader(node, 'date'));
}

function sentAtOfText(v: string | null): string | null {
  const d = v === null ? null : parseMessageDate(v);
  if (!d) return null;
  const local = new Date(d.epochMs + d.offsetMinutes * 60_000).toISOString().slice(0, 19);
  const off = Math.abs(d.offsetMinutes);
  const zone = d.offsetMinutes === 0 ? 'Z' : `${d.offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(off / 60))}:${pad(off % 60)}`;
  return `${local}${zone}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** Leaf parts numbered as IMAP numbers them; a message/rfc822 part is a leaf (an attached message). */
function partTree(node: MimeNode, partId: string, out: Map<MimeNode, string>): void {
  if (node.kind === 'multipart') {
    node.children.forEach((c, i) => partTree(c, partId === '' ? String(i + 1) : `${partId}.${i + 1}`, out));
    return;
  }
  out.set(node, partId === '' ? '1' : partId);
}

function isInlineMedia(node: MimeNode): boolean {
  return node.contentType.type === 'image' || node.contentType.type === 'audio' || node.contentType.type === 'video';
}

/** RFC 8621 §4.1.4: the textBody, htmlBody and attachments lists, as the RFC's algorithm walks the tree. */
function bodyLists(root: MimeNode): { text: MimeNode[]; html: MimeNode[]; attachments: MimeNode[] } {
  const text: MimeNode[] = [];
  const html: MimeNode[] = [];
  const attachments: MimeNode[] = [];
  const walk = (
    parts: readonly MimeNode[],
    multipartType: string,
    inAlternative: boolean,
    tb: MimeNode[] | null,
    hb: MimeNode[] | null,
  ) => {
    const textLength = tb ? tb.length : -1;
    const htmlLength = hb ? hb.length : -1;
    parts.forEach((part, i) => {
      const isMultipart = part.kind === 'multipart';
      const isInline =
        part.disposition?.type !== 'attachment' &&
        (part.contentType.type === 'text' && (part.contentType.subtype === 'plain' || part.contentType.subtype === 'html')
          ? true
          : isInlineMedia(part)) &&
        (i === 0 || (multipartType !== 'related' && (isInlineMedia(part) || filename(part) === null)));
      if (isMultipart) {
        const sub = part.contentType.subtype;
        walk(part.children, sub, inAlternative || sub === 'alternative', tb, hb);
      } else if (isInline) {
        if (multipartType === 'alternative') {
          if (part.contentType.subtype === 'plain' && part.contentType.type === 'text') tb?.push(part);
          else if (part.contentType.subtype === 'html' && part.contentType.type === 'text') hb?.push(part);
          else attachments.push(part);
          return;
        }
        if (inAlternative) {
          if (part.contentType.type === 'text' && part.contentType.subtype === 'plain') hb = null;
          if (part.contentType.type === 'text' && part.contentType.subtype === 'html') tb = null;
        }
        tb?.push(part);
        hb?.push(part);
        if (isInlineMedia(part) && (!tb || !hb)) attachments.push(part);
      } else attachments.push(part);
    });
    if (multipartType === 'alternative' && tb && hb) {
      if (textLength === tb.length && htmlLength !== hb.length) for (const p of hb.slice(htmlLength)) tb.push(p);
      if (htmlLength === hb.length && textLength !== tb.length) for (const p of tb.slice(textLength)) hb.push(p);
    }
  };
  walk(
    root.kind === 'multipart' ? root.children : [root],
    root.kind === 'multipart' ? root.contentType.subtype : 'mixed',
    false,
    text,
    html,
  );
  return { text, html, attachments };
}

/** The Email's properties that need its bytes. */
export class ParsedEmail {
  readonly raw: Buffer;
  readonly root: MimeNode;
  readonly hash: string;
  private readonly partIds = new Map<MimeNode, string>();
  private lists: ReturnType<typeof bodyLists> | undefined;

  constructor(raw: Buffer, hash: string) {
    this.raw = raw;
    this.hash = hash;
    this.root = parseMessage(raw);
    partTree(this.root, '', this.partIds);
  }

  private get body(): ReturnType<typeof bodyLists> {
    this.lists ??= bodyLists(this.root);
    return this.lists;
  }

  private text: string | undefined;

  /** The decoded text a body search reads: IMAP SEARCH BODY's (`textForSearch`, @mss/mime), computed once. */
  searchText(): string {
    this.text ??= textForSearch(this.raw, this.root);
    return this.text;
  }

  /** The text a reader sees (textBody, HTML turned to text), where a search snippet is cut from. */
  readingText(): string {
    return this.body.text
      .filter((p) => p.contentType.type === 'text')
      .map((p) => (p.contentType.subtype === 'html' ? htmlToText(decodeText(this.raw, p)) : decodeText(this.raw, p)))
      .join('\n');
  }

  /** RFC 8621 §4.1.4 hasAttachment. */
  hasAttachment(): boolean {
    return this.body.attachments.length > 0;
  }

  /** A leaf part by its part id. */
  part(partId: string): MimeNode | undefined {
    for (const [node, id] of this.partIds) if (id === partId) return node;
    return undefined;
  }

  property(name: string, opts: BodyOptions): unknown {
    const n = this.root;
    switch (name) {
      case 'messageId':
        return idList(n, 'message-id');
      case 'inReplyTo':
        return idList(n, 'in-reply-to');
      case 'references':
        return idList(n, 'references');
      case 'sender':
      case 'from':
      case 'to':
      case 'cc':
      case 'bcc':
        return addresses(n, name);
      case 'replyTo':
        return addresses(n, 'reply-to');
      case 'subject':
        return decodedHeader(n, 'subject');
      case 'sentAt':
        return sentAtOf(n);
      case 'hasAttachment':
        return this.hasAttachment();
      case 'preview':
        return this.preview();
      case 'headers':
        return n.fields.map((f) => ({ name: f.name, value: f.value }));
      case 'bodyStructure':
        return this.bodyPart(n, opts.bodyProperties);
      case 'textBody':
        return this.body.text.map((p) => this.bodyPart(p, opts.bodyProperties));
      case 'htmlBody':
        return this.body.html.map((p) => this.bodyPart(p, opts.bodyProperties));
      case 'attachments':
        return this.body.attachments.map((p) => this.bodyPart(p, opts.bodyProperties));
      case 'bodyValues':
        return this.bodyValues(opts);
      default: {
        const h = parseHeaderProperty(name);
        return h ? headerValue(n, h) : undefined;
      }
    }
  }

  /** RFC 8621 §4.1.4 preview: up to 256 characters of the first text part, white space collapsed. */
  private preview(): string {
    const first = this.body.text[0];
    if (first?.contentType.type !== 'text') return '';
    let text = decodeText(this.raw, first, 2048);
    if (first.contentType.subtype === 'html') text = htmlToText(text);
    return text.replace(/\s+/g, ' ').trim().slice(0, 256);
  }

  private bodyValues(opts: BodyOptions): Record<string, { value: string; isEncodingProblem: boolean; isTruncated: boolean }> {
    const chosen = new Set<MimeNode>();
    if (opts.fetchAllBodyValues || opts.fetchTextBodyValues) for (const p of this.body.text) chosen.add(p);
    if (opts.fetchAllBodyValues || opts.fetchHTMLBodyValues) for (const p of this.body.html) chosen.add(p);
    if (opts.fetchAllBodyValues) for (const p of this.body.attachments) chosen.add(p);
    const out: Record<string, { value: string; isEncodingProblem: boolean; isTruncated: boolean }> = {};
    for (const p of chosen) {
      if (p.contentType.type !== 'text') continue;
      let value = decodeText(this.raw, p);
      let isTruncated = false;
      if (opts.maxBodyValueBytes > 0 && Buffer.byteLength(value) > opts.maxBodyValueBytes) {
        value = truncateUtf8(value, opts.maxBodyValueBytes);
        isTruncated = true;
      }
      out[this.partIds.get(p)!] = { value, isEncodingProblem: value.includes('\ufffd'), isTruncated };
    }
    return out;
  }

  bodyPart(node: MimeNode, properties: string[]): Record<string, unknown> {
    const partId = node.kind === 'multipart' ? null : (this.partIds.get(node) ?? null);
    const out: Record<string, unknown> = {};
    for (const p of properties) {
      switch (p) {
        case 'partId':
          out.partId = partId;
          break;
        case 'blobId':
          out.blobId = partId === null ? null : blobIdOfPart(this.hash, partId);
          break;
        case 'size':
          out.size = node.kind === 'multipart' ? 0 : this.decodedSize(node);
          break;
        case 'name':
          out.name = filename(node);
          break;
        case 'type':
          out.type = `${node.contentType.type}/${node.contentType.subtype}`;
          break;
        case 'charset':
          out.charset = node.contentType.type === 'text' ? (charset(node) ?? 'us-ascii') : charset(node);
          break;
        case 'disposition':
          out.disposition = node.disposition?.type ?? null;
          break;
        case 'cid':
          out.cid = node.id ? node.id.replace(/^\s*<|>\s*$/g, '') : null;
          break;
        case 'language':
          out.language = node.language ? [...node.language] : null;
          break;
        case 'location':
          out.location = node.location ? decodeHeaderValue(node.location) : null;
          break;
        case 'headers':
          out.headers = node.fields.map((f) => ({ name: f.name, value: f.value }));
          break;
        case 'subParts':
          out.subParts = node.kind === 'multipart' ? node.children.map((c) => this.bodyPart(c, properties)) : null;
          break;
        default: {
          const h = parseHeaderProperty(p);
          if (h) out[p] = headerValue(node, h);
        }
      }
    }
    return out;
  }

  private decodedSize(node: MimeNode): number {
    return node.encoding === 'base64' || node.encoding === 'quoted-printable'
      ? decodeBody(this.raw, node).length
      : node.bodyEnd - node.bodyStart;
  }

  /** A leaf's content, transfer encoding undone (what a part's blob download gives). */
  partBytes(partId: string): Buffer | undefined {
    const node = this.part(partId);
    if (!node) return undefined;
    if (node.kind === 'message') return this.raw.subarray(node.bodyStart, node.bodyEnd);
    return decodeBody(this.raw, node);
  }

  partType(partId: string): string | undefined {
    const node = this.part(partId);
    return node ? `${node.contentType.type}/${node.contentType.subtype}` : undefined;
  }

  partName(partId: string): string | null {
    const node = this.part(partId);
    return node ? filename(node) : null;
  }
}

type HeaderForm = 'Raw' | 'Text' | 'Addresses' | 'GroupedAddresses' | 'MessageIds' | 'Date' | 'URLs';
interface HeaderProperty {
  name: string;
  form: HeaderForm;
  all: boolean;
}

/** RFC 8621 §4.1.3 `header:{name}[:as{Form}][:all]`. */
export function parseHeaderProperty(p: string): HeaderProperty | undefined {
  const m = /^header:([\x21-\x39\x3b-\x7e]+)(?::as(Raw|Text|Addresses|GroupedAddresses|MessageIds|Date|URLs))?(:all)?$/.exec(p);
  if (!m) return undefined;
  return { name: m[1]!.toLowerCase(), form: (m[2] as HeaderForm | undefined) ?? 'Raw', all: m[3] !== undefined };
}

function headerValue(node: MimeNode, h: HeaderProperty): unknown {
  const values = rawHeaders(node, h.name);
  const one = (raw: string): unknown => {
    const unfolded = raw.replace(/\r?\n([ \t])/g, '$1');
    switch (h.form) {
      case 'Raw':
        return raw;
      case 'Text':
        return decodeHeaderValue(raw);
      case 'Addresses':
      case 'GroupedAddresses':
        return parseAddressList(Buffer.from(unfolded, 'latin1').toString('utf8')).map((a) => ({
          name: a.name === '' ? null : a.name,
          email: a.address,
        }));
      case 'MessageIds': {
        const ids = messageIds(unfolded);
        return ids.length > 0 ? ids : null;
      }
      case 'Date': {
        const d = parseMessageDate(unfolded);
        return d ? new Date(d.epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
      }
      case 'URLs':
        return [...unfolded.matchAll(/<([^>]+)>/g)].map((m) => m[1]!);
    }
  };
  if (h.all) return values.map(one);
  return values.length === 0 ? null : one(values[values.length - 1]!);
}

function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

function truncateUtf8(text: string, maxBytes: number): string {
  const b = Buffer.from(text, 'utf8').subarray(0, maxBytes);
  // Drop a character cut in half.
  return b.toString('utf8').replace(/\ufffd$/, '');
}

/** The Email properties the stored envelope answers (the first of each field, as the bytes would). */
export const ENVELOPE_PROPERTIES = new Set(['messageId', 'inReplyTo', 'sender', 'from', 'to', 'cc', 'bcc', 'replyTo', 'subject', 'sentAt']);

function storedAddresses(list: readonly StoredAddress[] | null): EmailAddress[] | null {
  if (list === null) return null;
  const out: EmailAddress[] = [];
  for (const a of list) {
    for (const m of 'group' in a ? a.members : [a]) {
      const local = decodeHeaderValue(m.local ?? '');
      const domain = m.domain === null ? '' : decodeHeaderValue(m.domain);
      out.push({ name: m.name ? decodeHeaderValue(m.name) : null, email: domain ? `${local}@${domain}` : local });
    }
  }
  return out;
}

/**
 * An envelope property from the structure the ingestion step stored (RFC 8621 §4.1.2 forms): a
 * message list costs one read of the rows, no blob — as IMAP's ENVELOPE is encoded from it.
 */
export function envelopeProperty(env: StoredEnvelope, name: string): unknown {
  const ids = (raw: string | null) => {
    const list = messageIds(raw === null ? null : decodeHeaderValue(raw));
    return list.length > 0 ? list : null;
  };
  switch (name) {
    case 'messageId':
      return ids(env.messageId);
    case 'inReplyTo':
      return ids(env.inReplyTo);
    case 'subject':
      return env.subject === null ? null : decodeHeaderValue(env.subject);
    case 'sentAt':
      return sentAtOfText(env.date === null ? null : decodeHeaderValue(env.date));
    case 'replyTo':
      return storedAddresses(env.replyTo);
    case 'sender':
    case 'from':
    case 'to':
    case 'cc':
    case 'bcc':
      return storedAddresses(env[name]);
    default:
      return undefined;
  }
}
