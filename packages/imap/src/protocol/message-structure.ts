// ENVELOPE and BODY/BODYSTRUCTURE (RFC 3501 §7.4.2) written from structured objects. The shapes
// are @mss/mime's (which fills them and owns the defaulting rules the RFC states, e.g. Sender and
// Reply-To default to From); this module only writes what it is given.

import type {
  Address,
  AddressEntry,
  AddressGroup,
  BodyDisposition,
  BodyExtension,
  BodyParams,
  BodyStructure,
  Envelope,
  HeaderText,
  MultipartBody,
  SinglePartBody,
} from '@mss/mime';
import { concat, type ImapValue, nstr, str } from './encoder.ts';

export type {
  Address,
  AddressEntry,
  AddressGroup,
  BodyDisposition,
  BodyParams,
  BodyStructure,
  Envelope,
  HeaderText,
  MultipartBody,
  SinglePartBody,
};

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
  const items: ImapValue[] = [str(b.type), str(b.subtype), params(b.params), nstr(b.id), nstr(b.description), str(b.encoding), b.size];
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
