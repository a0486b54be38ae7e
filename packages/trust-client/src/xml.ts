// The whitelist's XML reader: @mss/xml (saxes, no DOCTYPE, bounded size and depth: docs/choices.md),
// within the whitelist's limits. The whitelist is read by every operator from the network; saxes
// checks well-formedness (one root, tags closed in order, no duplicate attributes, bound
// prefixes), because a truncated download must read as an error, not as a shorter list.

import { readXml, XmlReadError, type XmlElement } from '@mss/xml';

export { type XmlElement, type XmlNode, descendants, escapeXml, ownText } from '@mss/xml';

export class XmlError extends Error {}

export interface XmlLimits {
  /** Longest document read, in UTF-16 code units of the decoded text (default 16 Mi, as the download limit). */
  maxChars?: number;
  /** Deepest nesting of elements (default 64; the whitelist needs 4). */
  maxDepth?: number;
}

export const DEFAULT_XML_LIMITS: Required<XmlLimits> = { maxChars: 16 * 1024 * 1024, maxDepth: 64 };

export function parseXml(text: string, limits: XmlLimits = {}): XmlElement {
  try {
    return readXml(text, { ...DEFAULT_XML_LIMITS, ...limits });
  } catch (err) {
    if (err instanceof XmlReadError) throw new XmlError(err.message);
    throw err;
  }
}
