// Header values as text: unfolded, raw UTF-8 (RFC 6532) or windows-1252 bytes decoded, RFC 2047
// words decoded. Also the address-list helper the SMTP side uses to check `From:`.

import { isGroup, parseAddresses, type RawMailbox } from './address.ts';
import { cleanValue } from './bytes.ts';
import { bytesToText } from './charset.ts';
import { firstField } from './content-headers.ts';
import { decodeWords } from './encoded-words.ts';
import { param } from './params.ts';
import type { MimeNode } from './types.ts';

export { decodeWords };

/** A raw field value (latin1 bytes) as text: unfolded, trimmed, charset and RFC 2047 decoded. */
export function decodeHeaderValue(raw: string): string {
  return decodeWords(bytesToText(cleanValue(raw)));
}

/** The raw values (latin1 bytes, folding kept) of every `name` field, in order. */
export function rawHeaders(node: MimeNode, name: string): string[] {
  const key = name.toLowerCase();
  return node.fields.filter((f) => f.key === key).map((f) => f.value);
}

/** The first `name` field as text, unfolded but with RFC 2047 words left as they are. */
export function unfoldedHeader(node: MimeNode, name: string): string | null {
  const f = firstField(node.fields, name.toLowerCase());
  return f ? bytesToText(cleanValue(f.value)) : null;
}

/** The first `name` field decoded; null when absent. */
export function decodedHeader(node: MimeNode, name: string): string | null {
  const f = firstField(node.fields, name.toLowerCase());
  return f ? decodeHeaderValue(f.value) : null;
}

/** Every `name` field decoded, in order. */
export function decodedHeaders(node: MimeNode, name: string): string[] {
  return rawHeaders(node, name).map(decodeHeaderValue);
}

export interface ParsedAddress {
  /** Display name decoded (RFC 2047), or a comment standing for one; '' when none. */
  readonly name: string;
  /** `local@domain`, or the bare local part when the domain is missing. */
  readonly address: string;
  readonly local: string;
  /** '' when missing. */
  readonly domain: string;
  /** The group's decoded name when the address is a member of one. */
  readonly group: string | null;
}

const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\uffff]+(\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\uffff]+)*$/;

/** `"jean.dupont"@x` is jean.dupont@x: quotes that protect nothing go. */
function normalizeLocal(local: string): string {
  if (local.length < 2 || !local.startsWith('"') || !local.endsWith('"')) return local;
  const inner = local.slice(1, -1).replace(/\\(.)/g, '$1');
  return DOT_ATOM.test(inner) ? inner : local;
}

function parsed(m: RawMailbox, group: string | null): ParsedAddress | null {
  if (m.local === null && m.domain === null) return null;
  const local = normalizeLocal(m.local ?? '');
  const domain = m.domain ?? '';
  return { name: decodeWords(m.name || m.comment || ''), address: domain ? `${local}@${domain}` : local, local, domain, group };
}

/**
 * The addresses of an address-list value (Unicode text, RFC 2047 words not yet decoded: a
 * decoded name may hold commas). Group members come flattened, with their group's name; an
 * empty group yields nothing. Never throws.
 */
export function parseAddressList(text: string): ParsedAddress[] {
  const out: ParsedAddress[] = [];
  for (const a of parseAddresses(text)) {
    if (isGroup(a)) {
      const group = decodeWords(a.group);
      for (const m of a.members) {
        const p = parsed(m, group);
        if (p) out.push(p);
      }
    } else {
      const p = parsed(a, null);
      if (p) out.push(p);
    }
  }
  return out;
}

/** The addresses of the first `name` field (e.g. `from`), [] when absent. */
export function headerAddresses(node: MimeNode, name: string): ParsedAddress[] {
  const value = unfoldedHeader(node, name);
  return value === null ? [] : parseAddressList(value);
}

/** The attachment's file name: Content-Disposition `filename`, else Content-Type `name`, decoded. */
export function filename(node: MimeNode): string | null {
  const fromDisposition = node.disposition ? param(node.disposition.params, 'filename') : null;
  const p = fromDisposition ?? param(node.contentType.params, 'name');
  return p && p.value !== '' ? p.value : null;
}

/** The part's declared charset, lower-cased, or null. */
export function charset(node: MimeNode): string | null {
  const p = param(node.contentType.params, 'charset');
  return p && p.value.trim() !== '' ? p.value.trim().toLowerCase() : null;
}
