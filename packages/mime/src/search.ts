// What IMAP SEARCH (RFC 3501 §6.4.4) compares against. Matching itself (case-insensitive
// substring) is the caller's; here is only the decoded text, bounded so that a huge message
// costs a bounded amount of work.
//   BODY x     → textForSearch(raw, root) includes x
//   TEXT x     → headerTextForSearch(root) or textForSearch(raw, root) includes x
//   HEADER f x → headerValuesForSearch(root, f) has a value including x (FROM, SUBJECT… alike)

import { decodeText } from './content.ts';
import { decodeHeaderValue, decodedHeaders, parseAddressList } from './headers.ts';
import type { SearchHeaderValues } from './message-data.ts';
import type { MimeNode } from './types.ts';

export interface SearchTextOptions {
  /** Characters of text to return at most (default 1 Mi). */
  readonly maxChars?: number;
}

export const DEFAULT_SEARCH_CHARS = 1 << 20;

/**
 * The decoded text of the message body: every text/* part (transfer encoding and charset
 * undone) and the header of each encapsulated message, in order, separated by line breaks.
 * Other parts (images, zips) are not text and are skipped.
 */
export function textForSearch(raw: Buffer, root: MimeNode, options: SearchTextOptions = {}): string {
  const max = options.maxChars ?? DEFAULT_SEARCH_CHARS;
  const pieces: string[] = [];
  let size = 0;
  const add = (text: string): void => {
    if (text === '' || size >= max) return;
    const piece = text.length > max - size ? text.slice(0, max - size) : text;
    pieces.push(piece);
    size += piece.length + 1;
  };
  // Iterative: depth is bounded by the parser, but there is no need to spend stack on it.
  const stack: MimeNode[] = [root];
  while (stack.length > 0 && size < max) {
    const node = stack.pop()!;
    if (node.kind === 'multipart') {
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
    } else if (node.kind === 'message') {
      if (node.message) {
        add(headerTextForSearch(node.message));
        stack.push(node.message);
      }
    } else if (node.contentType.type === 'text') {
      add(decodeText(raw, node, max - size));
    }
  }
  return pieces.join('\n');
}

/** Every header field as `Name: decoded value`, one per line. */
export function headerTextForSearch(node: MimeNode): string {
  return node.fields.map((f) => `${f.name}: ${decodeHeaderValue(f.value)}`).join('\n');
}

/** The decoded values of every `name` field (SEARCH HEADER, FROM, TO, CC, BCC, SUBJECT). */
export function headerValuesForSearch(node: MimeNode, name: string): string[] {
  return decodedHeaders(node, name);
}

/**
 * An address field's addresses as SEARCH FROM/TO/CC/BCC also matches them: `Name <local@domain>`
 * (or `<local@domain>`), with the comments and folding white space (CFWS, RFC 5322 §3.4.1) that
 * may sit inside an address taken out, so `<user (c)@ (c) example.org>` is found by
 * `user@example.org`. Matching the field's text alone would miss it.
 */
export function addressesForSearch(value: string): string[] {
  return parseAddressList(value).map((a) => (a.name ? `${a.name} <${a.address}>` : `<${a.address}>`));
}

/**
 * The decoded header values SEARCH FROM/TO/CC/BCC/SUBJECT (and JMAP's Email/query filters of the
 * same names) compare, lower cased and joined by NUL — which no IMAP string can hold, so a needle
 * never matches across two values; null when the message has no such header (an empty needle then
 * matches nothing).
 */
export interface SearchHeaders {
  from: string | null;
  to: string | null;
  cc: string | null;
  bcc: string | null;
  subject: string | null;
}
export type SearchHeaderKey = keyof SearchHeaders;
const HEADER_KEYS: readonly SearchHeaderKey[] = ['from', 'to', 'cc', 'bcc', 'subject'];
const ADDRESS_KEYS = new Set<SearchHeaderKey>(['from', 'to', 'cc', 'bcc']);

/** From the values stored at ingestion (`search_headers`). */
export function searchHeadersFromStored(stored: SearchHeaderValues): SearchHeaders {
  const out = { from: null, to: null, cc: null, bcc: null, subject: null } as SearchHeaders;
  for (const k of HEADER_KEYS) {
    const values = stored[k];
    if (!values || values.length === 0) continue;
    // An address field is also matched as its addresses with their comments taken out
    // (RFC 5322 §3.4.1 CFWS): `<user (c)@ (c) example.org>` is found by `user@example.org`.
    const all = ADDRESS_KEYS.has(k) ? [...values, ...values.flatMap(addressesForSearch)] : values;
    out[k] = all.map((v) => v.toLowerCase()).join('\0');
  }
  return out;
}
