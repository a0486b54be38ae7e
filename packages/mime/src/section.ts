// BODY[section] (RFC 3501 §6.4.5): slices of the raw message, never copies except for
// HEADER.FIELDS[.NOT], which is assembled. Like Dovecot, HEADER/TEXT/HEADER.FIELDS on a part that
// is not message/rfc822 is "no such section" (null); MIME on a part numbered as the body of a
// non-multipart message is that message's header.

import { LF } from './bytes.ts';
import { scanHeader } from './header-block.ts';
import type { SectionSpec } from './imap-types.ts';
import { findPart } from './parts.ts';
import type { MimeNode } from './types.ts';

const CRLF = Buffer.from('\r\n', 'latin1');

function endsWithLineBreak(raw: Buffer, end: number, start: number): boolean {
  return end > start && raw[end - 1] === LF;
}

/**
 * The fields of `message`'s header whose names are (or with `exclude`, are not) in `names`,
 * case-insensitively, each with its line break, then the blank line, which RFC 3501 includes in
 * every header fetch except for a message with neither body nor blank line.
 */
export function headerFields(raw: Buffer, message: MimeNode, names: readonly string[], exclude: boolean): Buffer {
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const scan = scanHeader(raw, message.headerStart, message.headerEnd, {
    maxFields: Number.MAX_SAFE_INTEGER,
    maxFieldLength: 0,
    values: false,
  });
  const chunks: Buffer[] = [];
  for (const f of scan.fields) {
    if (wanted.has(f.key) === exclude) continue;
    chunks.push(raw.subarray(f.start, f.end));
    if (!endsWithLineBreak(raw, f.end, f.start)) chunks.push(CRLF);
  }
  const blankLine = scan.endedBy === 'blank-line' || message.bodyEnd > message.bodyStart;
  if (blankLine) chunks.push(CRLF);
  return Buffer.concat(chunks);
}

/**
 * The bytes of `BODY[spec]`, or null when the message has no such section. `root` is
 * parseMessage(raw). A partial fetch is `partial(result, offset, length)`.
 */
export function section(raw: Buffer, root: MimeNode, spec: SectionSpec): Buffer | null {
  const node = findPart(root, spec.part);
  if (!node) return null;
  const whole = spec.part.length === 0;
  switch (spec.text) {
    case null:
      return whole ? raw : raw.subarray(node.bodyStart, node.bodyEnd);
    case 'MIME':
      return whole ? null : raw.subarray(node.headerStart, node.headerEnd);
    default: {
      const message = whole ? root : node.kind === 'message' ? node.message : null;
      if (!message) return null;
      switch (spec.text) {
        case 'HEADER':
          return raw.subarray(message.headerStart, message.headerEnd);
        case 'TEXT':
          return raw.subarray(message.bodyStart, message.bodyEnd);
        case 'HEADER.FIELDS':
          return headerFields(raw, message, spec.fields, false);
        case 'HEADER.FIELDS.NOT':
          return headerFields(raw, message, spec.fields, true);
      }
    }
  }
  return null;
}

/** `<offset.length>` (RFC 3501 §6.4.5): past the end is empty, the length is clipped. */
export function partial(data: Buffer, offset: number, length?: number): Buffer {
  if (offset >= data.length) return data.subarray(data.length);
  const end = length === undefined ? data.length : Math.min(data.length, offset + Math.max(0, length));
  return data.subarray(offset, end);
}

/** RFC822.HEADER: the same bytes as BODY.PEEK[HEADER]. */
export function rfc822Header(raw: Buffer, root: MimeNode): Buffer {
  return raw.subarray(root.headerStart, root.headerEnd);
}

/** RFC822.TEXT: the same bytes as BODY[TEXT]. */
export function rfc822Text(raw: Buffer, root: MimeNode): Buffer {
  return raw.subarray(root.bodyStart, root.bodyEnd);
}

/** RFC822.SIZE: octets as stored, which are the octets every fetch above serves. */
export function rfc822Size(raw: Buffer): number {
  return raw.length;
}
