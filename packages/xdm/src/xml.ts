// The XML reader for METADATA.XML and CDA documents: their bytes decoded, then read by @mss/xml
// within the XDM limits (R-DOC-1), a refusal reported as the archive's, with the entry it is in.

import { readXml, XmlReadError, type XmlElement } from '@mss/xml';
import { UnsafeArchiveError } from './errors.ts';
import type { XdmLimits } from './limits.ts';

export { type XmlElement, child, childrenNamed, descendants, escapeXml, path, textOf } from '@mss/xml';

type XmlReadLimits = Pick<XdmLimits, 'maxXmlChars' | 'maxXmlDepth' | 'maxXmlElements' | 'maxXmlAttributes'>;

const ACCEPTED_ENCODINGS = new Map([
  ['utf-8', 'utf-8'],
  ['utf8', 'utf-8'],
  ['us-ascii', 'utf-8'],
  ['iso-8859-1', 'latin1'],
  ['latin1', 'latin1'],
  ['windows-1252', 'windows-1252'],
  ['iso-8859-15', 'iso-8859-15'],
]);

/**
 * The document's text, from its bytes: a byte-order mark decides (UTF-8, UTF-16), else the
 * encoding its XML declaration names among the few accepted, else UTF-8. Invalid bytes are an
 * error, not replacement characters: a document is read as it is or not at all.
 */
export function decodeXml(bytes: Uint8Array, entry: string | null = null): string {
  const decode = (label: string, from: number): string => {
    try {
      return new TextDecoder(label, { fatal: true, ignoreBOM: true }).decode(bytes.subarray(from));
    } catch {
      throw new UnsafeArchiveError('xml-malformed', `not valid ${label}`, entry);
    }
  };
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return decode('utf-8', 3);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return decode('utf-16le', 2);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return decode('utf-16be', 2);
  const head = Buffer.from(bytes.subarray(0, 200)).toString('latin1');
  const declared = /^<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(head)?.[1]?.toLowerCase();
  if (declared === undefined) return decode('utf-8', 0);
  const label = ACCEPTED_ENCODINGS.get(declared);
  if (!label) throw new UnsafeArchiveError('xml-malformed', `encoding ${JSON.stringify(declared)} is not accepted`, entry);
  return decode(label, 0);
}

/** Parses a whole document into a tree within the limits; throws UnsafeArchiveError otherwise. */
export function parseXml(text: string, limits: XmlReadLimits, entry: string | null = null): XmlElement {
  try {
    return readXml(text, {
      maxChars: limits.maxXmlChars,
      maxDepth: limits.maxXmlDepth,
      maxElements: limits.maxXmlElements,
      maxAttributes: limits.maxXmlAttributes,
    });
  } catch (err) {
    if (err instanceof XmlReadError) throw new UnsafeArchiveError(err.refusal, err.message, entry);
    throw err;
  }
}
