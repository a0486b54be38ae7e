// ENVELOPE and BODY/BODYSTRUCTURE (RFC 3501 §7.4.2) written from structured objects. The MIME
// parser that fills these types comes later; it owns the defaulting rules the RFC states (e.g.
// Sender and Reply-To default to From), this module only writes what it is given.

import { concat, type ImapValue, nstr, str } from './encoder.ts';

/** Header values are passed as found (still RFC 2047 encoded); a Buffer keeps raw 8-bit bytes. */
export type HeaderText = string | Buffer;

export interface Address {
  readonly name: HeaderText | null;
  /** Source route (obsolete); almost always null. */
  readonly adl: HeaderText | null;
  /** Local part. */
  readonly mailbox: HeaderText | null;
  readonly host: HeaderText | null;
}

/** RFC 5322 group syntax (`Team: a@x, b@y;`), written with the RFC 3501 start/end markers. */
export interface AddressGroup {
  readonly group: HeaderText;
  readonly members: readonly Address[];
}

export type AddressEntry = Address | AddressGroup;

export interface Envelope {
  readonly date: HeaderText | null;
  readonly subject: HeaderText | null;
  readonly from: readonly AddressEntry[] | null;
  readonly sender: readonly AddressEntry[] | null;
  readonly replyTo: readonly AddressEntry[] | null;
  readonly to: readonly AddressEntry[] | null;
  readonly cc: readonly AddressEntry[] | null;
  readonly bcc: readonly AddressEntry[] | null;
  readonly inReplyTo: HeaderText | null;
  readonly messageId: HeaderText | null;
}

export type BodyParams = readonly (readonly [name: string, value: HeaderText])[];

export interface BodyDisposition {
  /** e.g. `attachment`, `inline`. */
  readonly type: string;
  readonly params: BodyParams;
}

/** Extension data: written only for BODYSTRUCTURE, not for BODY. */
interface BodyExtension {
  readonly params: BodyParams;
  readonly disposition?: BodyDisposition | null;
  readonly language?: readonly string[] | null;
  readonly location?: HeaderText | null;
}

export interface MultipartBody extends BodyExtension {
  readonly multipart: true;
  /** e.g. `MIXED`. */
  readonly subtype: string;
  readonly parts: readonly BodyStructure[];
}

export interface SinglePartBody extends BodyExtension {
  readonly multipart?: false;
  readonly type: string;
  readonly subtype: string;
  readonly id: HeaderText | null;
  readonly description: HeaderText | null;
  /** Content-Transfer-Encoding, e.g. `7BIT`, `BASE64`. */
  readonly encoding: string;
  /** Size of the body in its transfer encoding, in octets. */
  readonly size: number;
  /** Lines of the encoded body: required for TEXT/* and MESSAGE/RFC822. */
  readonly lines?: number;
  /** For MESSAGE/RFC822: the encapsulated message. */
  readonly envelope?: Envelope;
  readonly body?: BodyStructure;
  readonly md5?: HeaderText | null;
}

export type BodyStructure = MultipartBody | SinglePartBody;

function isGroup(entry: AddressEntry): entry is AddressGroup {
  return 'group' in entry;
}

function address(a: Address): ImapValue {
  return [nstr(a.name), nstr(a.adl), nstr(a.mailbox), nstr(a.host)];
}

/** An empty address list is NIL, like an absent header. `"(" 1*address ")"`: no spaces between. */
function addresses(list: readonly AddressEntry[] | null): ImapValue {
  if (!list || list.length === 0) return null;
  const out: ImapValue[] = [];
  for (const entry of list) {
    if (!isGroup(entry)) {
      out.push(address(entry));
      continue;
    }
    out.push([null, null, str(entry.group), null]);
    for (const member of entry.members) out.push(address(member));
    out.push([null, null, null, null]);
  }
  return [concat(out)];
}

export function envelopeValue(e: Envelope): ImapValue {
  return [
    nstr(e.date),
    nstr(e.subject),
    addresses(e.from),
    addresses(e.sender),
    addresses(e.replyTo),
    addresses(e.to),
    addresses(e.cc),
    addresses(e.bcc),
    nstr(e.inReplyTo),
    nstr(e.messageId),
  ];
}

/** `body-fld-param`: NIL rather than an empty list, which the grammar does not allow. */
function params(list: BodyParams): ImapValue {
  if (list.length === 0) return null;
  return list.flatMap(([name, value]) => [str(name), str(value)]);
}

function extension(b: BodyExtension): ImapValue[] {
  const disposition = b.disposition ? [str(b.disposition.type), params(b.disposition.params)] : null;
  const language = !b.language || b.language.length === 0 ? null : b.language.length === 1 ? str(b.language[0]!) : b.language.map(str);
  return [disposition, language, nstr(b.location)];
}

/** BODYSTRUCTURE when `extended`, the non-extensible BODY otherwise. */
export function bodyStructureValue(b: BodyStructure, extended: boolean): ImapValue {
  if (b.multipart) {
    const items: ImapValue[] = [concat(b.parts.map((p) => bodyStructureValue(p, extended))), str(b.subtype)];
    if (extended) items.push(params(b.params), ...extension(b));
    return items;
  }
  const items: ImapValue[] = [
    str(b.type),
    str(b.subtype),
    params(b.params),
    nstr(b.id),
    nstr(b.description),
    str(b.encoding),
    b.size,
  ];
  const type = b.type.toUpperCase();
  const subtype = b.subtype.toUpperCase();
  if (type === 'MESSAGE' && subtype === 'RFC822') {
    if (!b.envelope || !b.body) throw new TypeError('a MESSAGE/RFC822 part needs its envelope and body');
    items.push(envelopeValue(b.envelope), bodyStructureValue(b.body, extended), b.lines ?? 0);
  } else if (type === 'TEXT') {
    items.push(b.lines ?? 0);
  }
  if (extended) items.push(nstr(b.md5), ...extension(b));
  return items;
}
