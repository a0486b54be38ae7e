// Reading an untrusted XML document into a tree, on saxes (a conforming, namespace-aware,
// non-validating parser that never reads a DTD nor expands an entity a document declares). What
// a hostile document could use to make the reader work hard or reach out is refused before it is
// used, each with its own limit: a DOCTYPE (no entity declarations at all, so no XXE and no
// billion laughs), more characters, depth, elements or attributes than accepted. Only the
// predefined and numeric character references are read; an unknown entity is a well-formedness
// error, and so is a truncated document, which must read as an error, not as a shorter one.
// The XDM reader (R-DOC-1) and the trust space's whitelist reader both stand on it.

import { SaxesParser } from 'saxes';
import type { XmlElement } from './tree.ts';

/** Which limit a refused document met: the caller maps it to its own error. */
export type XmlRefusal = 'xml-size' | 'xml-doctype' | 'xml-depth' | 'xml-nodes' | 'xml-malformed';

export class XmlReadError extends Error {
  readonly refusal: XmlRefusal;
  constructor(refusal: XmlRefusal, message: string) {
    super(message);
    this.name = 'XmlReadError';
    this.refusal = refusal;
  }
}

export interface XmlReadLimits {
  /** Longest document read, in UTF-16 code units of the decoded text. */
  maxChars: number;
  /** Deepest nesting of elements. */
  maxDepth: number;
  /** Most elements in the document (default: no limit besides the size). */
  maxElements?: number;
  /** Most attributes on one element, namespace declarations included (default: no limit besides the size). */
  maxAttributes?: number;
}

/** Parses a whole document into a tree within the limits; throws XmlReadError otherwise. */
export function readXml(text: string, limits: XmlReadLimits): XmlElement {
  const { maxChars, maxDepth, maxElements = Number.POSITIVE_INFINITY, maxAttributes = Number.POSITIVE_INFINITY } = limits;
  if (text.length > maxChars)
    throw new XmlReadError('xml-size', `${text.length} characters, larger than the ${maxChars} characters accepted`);
  const parser = new SaxesParser({ xmlns: true, position: true });
  const fail = (refusal: XmlRefusal, why: string): never => {
    throw new XmlReadError(refusal, `${why} (line ${parser.line})`);
  };
  let root: XmlElement | undefined;
  const stack: XmlElement[] = [];
  let elements = 0;

  parser.on('doctype', () => fail('xml-doctype', 'a DOCTYPE is not accepted'));
  parser.on('opentag', (tag) => {
    if (stack.length >= maxDepth) fail('xml-depth', `elements nested too deep (more than ${maxDepth})`);
    if (++elements > maxElements) fail('xml-nodes', `more than ${maxElements} elements`);
    const attrs: Record<string, string> = {};
    let count = 0;
    for (const a of Object.values(tag.attributes)) {
      if (++count > maxAttributes) fail('xml-nodes', `more than ${maxAttributes} attributes on <${tag.name}>`);
      if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
      attrs[a.uri ? `{${a.uri}}${a.local}` : a.local] = a.value;
    }
    const el: XmlElement = { ns: tag.uri, local: tag.local, attrs, children: [] };
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
    fail('xml-malformed', unclosed ? `<${unclosed[1]}> is not closed (truncated document?)` : why);
  });

  // saxes reads a BOM as text outside the root; a leading BOM is only the encoding's mark.
  parser.write(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  parser.close();
  if (!root) fail('xml-malformed', 'no root element');
  return root as unknown as XmlElement;
}
