// The whitelist's XML reader, on saxes (a conforming, namespace-aware, non-validating parser:
// docs/choices.md). The whitelist is read by every operator from the network, so what a hostile
// file could use to make the reader work hard or reach out is refused before it is used: a
// DOCTYPE (so no entity declaration, internal or external, and no billion laughs: saxes never
// expands an entity a document declares, and we stop at the DOCTYPE itself), documents over a
// size, elements nested too deep. Only the predefined and numeric entities are read. saxes
// checks well-formedness (one root, tags closed in order, no duplicate attributes, bound
// prefixes), because a truncated download must read as an error, not as a shorter list.

import { SaxesParser } from 'saxes';

export interface XmlElement {
  /** Namespace URI, '' when none. */
  ns: string;
  local: string;
  children: XmlNode[];
}
export type XmlNode = XmlElement | string;

export class XmlError extends Error {}

export interface XmlLimits {
  /** Longest document read, in UTF-16 code units of the decoded text (default 16 Mi, as the download limit). */
  maxChars?: number;
  /** Deepest nesting of elements (default 64; the whitelist needs 4). */
  maxDepth?: number;
}

export const DEFAULT_XML_LIMITS: Required<XmlLimits> = { maxChars: 16 * 1024 * 1024, maxDepth: 64 };

export function parseXml(text: string, limits: XmlLimits = {}): XmlElement {
  const { maxChars, maxDepth } = { ...DEFAULT_XML_LIMITS, ...limits };
  if (text.length > maxChars) throw new XmlError(`document larger than the ${maxChars} characters accepted`);
  const parser = new SaxesParser({ xmlns: true, position: true });
  const fail = (why: string): never => {
    throw new XmlError(`${why} (line ${parser.line})`);
  };
  let root: XmlElement | undefined;
  const stack: XmlElement[] = [];

  parser.on('doctype', () => fail('a DOCTYPE is not accepted'));
  parser.on('opentag', (tag) => {
    if (stack.length >= maxDepth) fail('elements nested too deep');
    const el: XmlElement = { ns: tag.uri, local: tag.local, children: [] };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else root = el;
    if (!tag.isSelfClosing) stack.push(el);
  });
  parser.on('closetag', (tag) => {
    if (!tag.isSelfClosing) stack.pop();
  });
  parser.on('text', (t) => stack[stack.length - 1]?.children.push(t));
  parser.on('cdata', (t) => stack[stack.length - 1]?.children.push(t));
  parser.on('error', (err) => {
    // saxes says "[file:]line:column: message."; the line is ours to add.
    const why = err.message.replace(/^(?:[^:]*:)?\d+:\d+: /, '').replace(/\.$/, '');
    const unclosed = /^unclosed tag: (.+)$/.exec(why);
    fail(unclosed ? `<${unclosed[1]}> is not closed (truncated document?)` : why);
  });

  // saxes reads a BOM as text outside the root; a leading BOM is only the encoding's mark.
  parser.write(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  parser.close();
  if (!root) fail('no root element');
  return root as unknown as XmlElement;
}

/** Every element of the tree, depth first, the root included (XPath's descendant-or-self). */
export function* descendants(el: XmlElement): Generator<XmlElement> {
  yield el;
  for (const child of el.children) if (typeof child !== 'string') yield* descendants(child);
}

/** The element's own text nodes, joined (XPath's `text()` on its children). */
export function ownText(el: XmlElement): string {
  return el.children.filter((c): c is string => typeof c === 'string').join('');
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
}
