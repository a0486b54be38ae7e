// The XML reader for METADATA.XML and CDA documents, on saxes (a conforming, namespace-aware,
// non-validating parser that never reads a DTD nor expands an entity a document declares). What
// a hostile document could use is refused before it is used, each with its own limit (R-DOC-1):
// a DOCTYPE (no entity declarations at all, so no XXE and no billion laughs), more characters,
// depth, elements or attributes than accepted. Only the predefined and numeric character
// references are read; an unknown entity is a well-formedness error.

import { SaxesParser } from 'saxes';
import { UnsafeArchiveError } from './errors.ts';
import type { XdmLimits } from './limits.ts';

export interface XmlElement {
  /** Namespace URI, '' when none. */
  readonly ns: string;
  readonly local: string;
  /** Attributes without a namespace by local name; namespaced ones as `{uri}local`. */
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: (XmlElement | string)[];
}

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
  if (text.length > limits.maxXmlChars) {
    throw new UnsafeArchiveError('xml-size', `${text.length} characters, more than the ${limits.maxXmlChars} accepted`, entry);
  }
  const parser = new SaxesParser({ xmlns: true, position: true });
  const fail = (limit: 'xml-doctype' | 'xml-depth' | 'xml-nodes' | 'xml-malformed', why: string): never => {
    throw new UnsafeArchiveError(limit, `${why} (line ${parser.line})`, entry);
  };
  let root: XmlElement | undefined;
  const stack: XmlElement[] = [];
  let elements = 0;

  parser.on('doctype', () => fail('xml-doctype', 'a DOCTYPE is not accepted (no DTD, no entity declarations)'));
  parser.on('opentag', (tag) => {
    if (stack.length >= limits.maxXmlDepth) fail('xml-depth', `elements nested deeper than ${limits.maxXmlDepth}`);
    if (++elements > limits.maxXmlElements) fail('xml-nodes', `more than ${limits.maxXmlElements} elements`);
    const attrs: Record<string, string> = {};
    let count = 0;
    for (const a of Object.values(tag.attributes)) {
      if (++count > limits.maxXmlAttributes) fail('xml-nodes', `more than ${limits.maxXmlAttributes} attributes on <${tag.name}>`);
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

  parser.write(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  parser.close();
  if (!root) fail('xml-malformed', 'no root element');
  return root as unknown as XmlElement;
}

/** The element children of `el` with this namespace and local name. */
export function childrenNamed(el: XmlElement, ns: string, local: string): XmlElement[] {
  return el.children.filter((c): c is XmlElement => typeof c !== 'string' && c.ns === ns && c.local === local);
}

export function child(el: XmlElement | undefined, ns: string, local: string): XmlElement | undefined {
  if (!el) return undefined;
  for (const c of el.children) if (typeof c !== 'string' && c.ns === ns && c.local === local) return c;
  return undefined;
}

/** Follows a path of child names in one namespace (the first match at each step). */
export function path(el: XmlElement | undefined, ns: string, ...locals: string[]): XmlElement | undefined {
  let at = el;
  for (const l of locals) at = child(at, ns, l);
  return at;
}

/** Every element below `el` (depth first, `el` included). Iterative: depth is bounded but deep. */
export function* descendants(el: XmlElement): Generator<XmlElement> {
  const todo: XmlElement[] = [el];
  while (todo.length > 0) {
    const at = todo.pop()!;
    yield at;
    for (let i = at.children.length - 1; i >= 0; i--) {
      const c = at.children[i]!;
      if (typeof c !== 'string') todo.push(c);
    }
  }
}

/** All the text below `el`, whitespace collapsed. */
export function textOf(el: XmlElement | undefined): string {
  if (!el) return '';
  const parts: string[] = [];
  const walk = (e: XmlElement): void => {
    // Elements are separate words (<given>Nathalie</given><family>GIRARD</family>).
    for (const c of e.children) {
      if (typeof c === 'string') {
        parts.push(c);
      } else {
        parts.push(' ');
        walk(c);
        parts.push(' ');
      }
    }
  };
  walk(el);
  return parts.join('').replace(/\s+/g, ' ').trim();
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}
