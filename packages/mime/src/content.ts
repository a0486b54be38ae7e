// A part's content: the body with its transfer encoding undone, and for text its characters.

import { decodeBytes } from './charset.ts';
import { charset } from './headers.ts';
import { decodeTransfer } from './transfer-encoding.ts';
import type { MimeNode } from './types.ts';

/** The body's bytes, transfer encoding undone (7bit/8bit/binary: a slice, not a copy). */
export function decodeBody(raw: Buffer, node: MimeNode): Buffer {
  return decodeTransfer(raw.subarray(node.bodyStart, node.bodyEnd), node.encoding);
}

/**
 * The body as text in its declared charset (guessed when absent or unknown). With `maxChars`,
 * only as much of the body as can yield that many characters is decoded.
 */
export function decodeText(raw: Buffer, node: MimeNode, maxChars = Infinity): string {
  let end = node.bodyEnd;
  // A character takes at most 4 bytes, each at most 3 in QP or 4/3 in base64: 12 is enough.
  if (Number.isFinite(maxChars)) end = Math.min(end, node.bodyStart + Math.max(0, maxChars) * 12 + 16);
  const bytes = decodeTransfer(raw.subarray(node.bodyStart, end), node.encoding);
  const text = decodeBytes(bytes, charset(node)) ?? '';
  return text.length > maxChars ? text.slice(0, maxChars) : text;
}
