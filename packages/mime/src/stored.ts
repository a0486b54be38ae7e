// The neutral form of a message's structure: what is computed once, when a message enters the
// store, and kept as JSON beside it. It says what the message is (its addresses, its parts) and
// nothing of how a protocol writes it: IMAP's ENVELOPE and BODYSTRUCTURE are encoded from it on
// the way out (`envelopeOfStored`, `bodyStructureOfStored`), and a JMAP Email would be too.
// Header text is kept as found, as byte strings (latin1, one char per byte): 8-bit bytes stay
// exact and JSON carries them (a NUL is escaped, so PostgreSQL text holds it).

import { isGroup, parseAddresses, type RawMailbox } from './address.ts';
import { cleanValue, headerText, unfold } from './bytes.ts';
import { firstField } from './content-headers.ts';
import type { Address, AddressEntry, BodyParams, BodyStructure, Envelope, MultipartBody, SinglePartBody } from './imap-types.ts';
import type { MimeNode, NodeKind, WireParam } from './types.ts';

/** One mailbox of an address header; entries with neither local part nor domain are dropped. */
export interface StoredMailbox {
  /** The display name, or the comment standing for it (`a@b (Name)`). */
  readonly name?: string;
  readonly route?: string;
  readonly local: string | null;
  readonly domain: string | null;
}

export interface StoredGroup {
  readonly group: string;
  readonly members: readonly StoredMailbox[];
}

export type StoredAddress = StoredMailbox | StoredGroup;

/** The first of each header field, null when absent; an address list is empty when unparseable. */
export interface StoredEnvelope {
  readonly date: string | null;
  readonly subject: string | null;
  readonly from: readonly StoredAddress[] | null;
  readonly sender: readonly StoredAddress[] | null;
  readonly replyTo: readonly StoredAddress[] | null;
  readonly to: readonly StoredAddress[] | null;
  readonly cc: readonly StoredAddress[] | null;
  readonly bcc: readonly StoredAddress[] | null;
  readonly inReplyTo: string | null;
  readonly messageId: string | null;
}

/**
 * One MIME part as the parser read it: type and subtype lower-cased (text/plain when absent),
 * parameters merged (RFC 2231) but still encoded, names lower-cased; absent fields left out.
 */
export interface StoredPart {
  readonly kind: NodeKind;
  readonly type: string;
  readonly subtype: string;
  readonly params: readonly WireParam[];
  readonly id?: string;
  readonly description?: string;
  readonly encoding: string;
  readonly md5?: string;
  readonly disposition?: { readonly type: string; readonly params: readonly WireParam[] };
  readonly language?: readonly string[];
  readonly location?: string;
  /** Body bytes, and line feeds in them (not counted for a multipart). */
  readonly size: number;
  readonly lines: number;
  /** A multipart's parts (possibly none). */
  readonly parts?: readonly StoredPart[];
  /** A message/rfc822 part's message; absent past the parser's limits. */
  readonly message?: StoredMessage;
}

export interface StoredMessage {
  readonly envelope: StoredEnvelope;
  readonly body: StoredPart;
}

function mailbox(m: RawMailbox): StoredMailbox | null {
  if (m.local === null && m.domain === null) return null;
  const name = m.name || m.comment;
  return { ...(name ? { name } : {}), ...(m.route ? { route: m.route } : {}), local: m.local, domain: m.domain };
}

function addressList(node: MimeNode, key: string): StoredAddress[] | null {
  const f = firstField(node.fields, key);
  if (!f) return null;
  const out: StoredAddress[] = [];
  for (const a of parseAddresses(unfold(f.value))) {
    if (isGroup(a)) {
      out.push({ group: a.group, members: a.members.flatMap((m) => mailbox(m) ?? []) });
    } else {
      const converted = mailbox(a);
      if (converted) out.push(converted);
    }
  }
  return out;
}

/** Present but empty is "" (not absent). */
function text(node: MimeNode, key: string): string | null {
  const f = firstField(node.fields, key);
  return f ? cleanValue(f.value) : null;
}

/** The envelope of the message whose header is `node`'s: the root, or a message/rfc822 part's message. */
export function storedEnvelope(node: MimeNode): StoredEnvelope {
  return {
    date: text(node, 'date'),
    subject: text(node, 'subject'),
    from: addressList(node, 'from'),
    sender: addressList(node, 'sender'),
    replyTo: addressList(node, 'reply-to'),
    to: addressList(node, 'to'),
    cc: addressList(node, 'cc'),
    bcc: addressList(node, 'bcc'),
    inReplyTo: text(node, 'in-reply-to'),
    messageId: text(node, 'message-id'),
  };
}

/** The part `node` (the root for a whole message) and everything under it. */
export function storedPart(node: MimeNode): StoredPart {
  const d = node.disposition;
  return {
    kind: node.kind,
    type: node.contentType.type,
    subtype: node.contentType.subtype,
    params: node.contentType.wireParams,
    ...(node.id !== null ? { id: node.id } : {}),
    ...(node.description !== null ? { description: node.description } : {}),
    encoding: node.encoding,
    ...(node.md5 !== null ? { md5: node.md5 } : {}),
    ...(d ? { disposition: { type: d.type, params: d.wireParams } } : {}),
    ...(node.language !== null ? { language: node.language } : {}),
    ...(node.location !== null ? { location: node.location } : {}),
    size: node.bodyEnd - node.bodyStart,
    lines: node.lines,
    ...(node.kind === 'multipart' ? { parts: node.children.map(storedPart) } : {}),
    ...(node.kind === 'message' && node.message ? { message: storedMessage(node.message) } : {}),
  };
}

export function storedMessage(root: MimeNode): StoredMessage {
  return { envelope: storedEnvelope(root), body: storedPart(root) };
}

// --- IMAP (RFC 3501 §7.4.2) from the stored form ---------------------------------------------
// ENVELOPE: RFC 2047 words not decoded (the client decodes them); Sender and Reply-To default to
// From; an empty or unparseable address list is NIL; a missing local part or domain is named
// `MISSING_MAILBOX`/`MISSING_DOMAIN` (Dovecot), since a NIL host would read as a group marker.
// BODYSTRUCTURE: type, subtype, encoding, disposition type and parameter names upper-cased (as
// the RFC's examples, UW and Cyrus), values as written; text without parameters gets
// ("CHARSET" "US-ASCII"), its RFC 2045 default; RFC 2231 parameters merged but still encoded
// (`FILENAME*` `UTF-8''…`, as Dovecot); a multipart with no parts is written with one empty
// text/plain part, since the grammar needs at least one (as Dovecot).

function imapAddress(m: StoredMailbox): Address {
  return {
    name: m.name ? headerText(m.name) : null,
    adl: m.route ? headerText(m.route) : null,
    mailbox: headerText(m.local ?? 'MISSING_MAILBOX'),
    host: headerText(m.domain ?? 'MISSING_DOMAIN'),
  };
}

function imapAddresses(list: readonly StoredAddress[] | null): AddressEntry[] | null {
  if (!list || list.length === 0) return null;
  return list.map((a) => ('group' in a ? { group: headerText(a.group), members: a.members.map(imapAddress) } : imapAddress(a)));
}

const nullableText = (s: string | null | undefined) => (s === null || s === undefined ? null : headerText(s));

export function envelopeOfStored(e: StoredEnvelope): Envelope {
  const from = imapAddresses(e.from);
  return {
    date: nullableText(e.date),
    subject: nullableText(e.subject),
    from,
    sender: imapAddresses(e.sender) ?? from,
    replyTo: imapAddresses(e.replyTo) ?? from,
    to: imapAddresses(e.to),
    cc: imapAddresses(e.cc),
    bcc: imapAddresses(e.bcc),
    inReplyTo: nullableText(e.inReplyTo),
    messageId: nullableText(e.messageId),
  };
}

export const EMPTY_ENVELOPE: Envelope = {
  date: null,
  subject: null,
  from: null,
  sender: null,
  replyTo: null,
  to: null,
  cc: null,
  bcc: null,
  inReplyTo: null,
  messageId: null,
};

const DEFAULT_TEXT_PARAMS: BodyParams = [['CHARSET', 'US-ASCII']];

function wire(params: readonly WireParam[]): BodyParams {
  return params.map(([name, value]) => [name.toUpperCase(), headerText(value)] as const);
}

function extension(p: StoredPart): Pick<SinglePartBody, 'disposition' | 'language' | 'location'> {
  const d = p.disposition;
  return {
    disposition: d ? { type: d.type.toUpperCase(), params: wire(d.params) } : null,
    language: p.language ?? null,
    location: nullableText(p.location),
  };
}

function emptyText(extended: boolean): SinglePartBody {
  const base: SinglePartBody = {
    type: 'TEXT',
    subtype: 'PLAIN',
    params: DEFAULT_TEXT_PARAMS,
    id: null,
    description: null,
    encoding: '7BIT',
    size: 0,
    lines: 0,
  };
  return extended ? { ...base, md5: null, disposition: null, language: null, location: null } : base;
}

function multipart(p: StoredPart, extended: boolean): MultipartBody {
  const parts = p.parts && p.parts.length > 0 ? p.parts.map((c) => bodyStructureOfStored(c, extended)) : [emptyText(extended)];
  const base: MultipartBody = { multipart: true, subtype: p.subtype.toUpperCase(), parts, params: wire(p.params) };
  return extended ? { ...base, ...extension(p) } : base;
}

function singlePart(p: StoredPart, extended: boolean): SinglePartBody {
  const type = p.type.toUpperCase();
  const params = wire(p.params);
  let base: SinglePartBody = {
    type,
    subtype: p.subtype.toUpperCase(),
    params: params.length === 0 && type === 'TEXT' ? DEFAULT_TEXT_PARAMS : params,
    id: nullableText(p.id),
    description: nullableText(p.description),
    encoding: p.encoding.toUpperCase(),
    size: p.size,
  };
  if (p.kind === 'message') {
    const inner = p.message;
    base = {
      ...base,
      envelope: inner ? envelopeOfStored(inner.envelope) : EMPTY_ENVELOPE,
      body: inner ? bodyStructureOfStored(inner.body, extended) : emptyText(extended),
      lines: p.lines,
    };
  } else if (type === 'TEXT') {
    base = { ...base, lines: p.lines };
  }
  if (!extended) return base;
  return { ...base, md5: nullableText(p.md5), ...extension(p) };
}

/** BODYSTRUCTURE when `extended`, BODY otherwise. */
export function bodyStructureOfStored(p: StoredPart, extended: boolean): BodyStructure {
  return p.kind === 'multipart' ? multipart(p, extended) : singlePart(p, extended);
}
