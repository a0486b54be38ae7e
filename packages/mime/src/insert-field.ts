// A header field added to a message that is already parsed (the operator's own fields, e.g. a
// check result below its trace field): the tree of the new bytes is computed by shifting offsets
// instead of parsing the message again (tested against a fresh parse).

import type { HeaderField, MimeNode } from './types.ts';

/** Every offset at or past `from` moves by `by` (the root's header start never moves). */
function shift(node: MimeNode, from: number, by: number, isRoot: boolean): MimeNode {
  const at = (x: number): number => (x >= from ? x + by : x);
  return {
    ...node,
    headerStart: isRoot ? node.headerStart : at(node.headerStart),
    headerEnd: at(node.headerEnd),
    bodyStart: at(node.bodyStart),
    bodyEnd: at(node.bodyEnd),
    fields: node.fields.map((f) => (f.start >= from ? { ...f, start: f.start + by, end: f.end + by } : f)),
    children: node.children.map((c) => shift(c, from, by, false)),
    message: node.message ? shift(node.message, from, by, false) : null,
  };
}

/**
 * The bytes and tree of `root`'s message with `name: value` inserted before its header field
 * number `before` (0: at the top; past the last: after it). `value` is US-ASCII on one line
 * (callers fold nothing: keep it under 998 octets, RFC 5322 §2.1.1).
 */
export function insertField(raw: Uint8Array, root: MimeNode, before: number, name: string, value: string): { raw: Buffer; root: MimeNode } {
  if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name) || !/^[\x20-\x7e]*$/.test(value)) throw new RangeError(`insertField: bad field ${name}`);
  const line = Buffer.from(`${name}: ${value}\r\n`, 'latin1');
  const index = Math.max(0, Math.min(before, root.fields.length));
  const pos = index < root.fields.length ? root.fields[index]!.start : root.fields.length > 0 ? root.fields.at(-1)!.end : 0;
  const shifted = shift(root, pos, line.length, true);
  const field: HeaderField = { name, key: name.toLowerCase(), value: ` ${value}`, start: pos, end: pos + line.length };
  const fields = [...shifted.fields];
  fields.splice(index, 0, field);
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  return { raw: Buffer.concat([bytes.subarray(0, pos), line, bytes.subarray(pos)]), root: { ...shifted, fields } };
}
