// A small namespace-aware XML reader, enough for the whitelist: elements, attributes, text,
// CDATA, comments, processing instructions, the predefined and numeric entities. The whitelist
// is read by every operator from the network, so anything a hostile file could use to make the
// reader work hard or reach out — a DOCTYPE with its entity declarations — is refused outright.
// Well-formedness is checked (one root, tags closed in order, no duplicate attributes, bound
// prefixes) because a truncated download must read as an error, not as a shorter list.

export interface XmlElement {
  /** Namespace URI, '' when none. */
  ns: string;
  local: string;
  children: XmlNode[];
}
export type XmlNode = XmlElement | string;

export class XmlError extends Error {}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const NAME = /^[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*(?::[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*)?/;
const MAX_DEPTH = 64;

export function parseXml(text: string): XmlElement {
  let s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  s = s.replace(/\r\n?/g, '\n');
  let i = 0;
  const fail = (why: string): never => {
    const line = s.slice(0, i).split('\n').length;
    throw new XmlError(`${why} (line ${line})`);
  };

  let root: XmlElement | undefined;
  const stack: { el: XmlElement; qname: string; scope: Map<string, string> }[] = [];
  const top = (): { el: XmlElement; qname: string; scope: Map<string, string> } | undefined => stack[stack.length - 1];

  while (i < s.length) {
    if (s.startsWith('<!--', i)) {
      const end = s.indexOf('-->', i + 4);
      if (end < 0) fail('unterminated comment');
      i = end + 3;
    } else if (s.startsWith('<?', i)) {
      const end = s.indexOf('?>', i + 2);
      if (end < 0) fail('unterminated processing instruction');
      i = end + 2;
    } else if (s.startsWith('<![CDATA[', i)) {
      const end = s.indexOf(']]>', i + 9);
      if (end < 0) fail('unterminated CDATA section');
      const parent = top();
      if (!parent) fail('text outside the root element');
      parent?.el.children.push(s.slice(i + 9, end));
      i = end + 3;
    } else if (s.startsWith('<!', i)) {
      fail(s.startsWith('<!DOCTYPE', i) ? 'a DOCTYPE is not accepted' : 'unexpected markup declaration');
    } else if (s.startsWith('</', i)) {
      i += 2;
      const m = NAME.exec(s.slice(i, i + 1024));
      if (!m) fail('bad end tag');
      const qname = (m as RegExpExecArray)[0];
      i += qname.length;
      while (/\s/.test(s[i] ?? '')) i++;
      if (s[i] !== '>') fail(`bad end tag </${qname}`);
      i++;
      const open = stack.pop();
      if (!open) fail(`end tag </${qname}> without a start tag`);
      if (open?.qname !== qname) fail(`end tag </${qname}> does not close <${open?.qname}>`);
    } else if (s[i] === '<') {
      i++;
      const m = NAME.exec(s.slice(i, i + 1024));
      if (!m) fail('bad start tag');
      const qname = (m as RegExpExecArray)[0];
      i += qname.length;
      const attributes = new Map<string, string>();
      let selfClosing = false;
      for (;;) {
        const before = i;
        while (/\s/.test(s[i] ?? '')) i++;
        if (s[i] === '>') {
          i++;
          break;
        }
        if (s.startsWith('/>', i)) {
          i += 2;
          selfClosing = true;
          break;
        }
        if (i === before) fail(`bad start tag <${qname}`);
        const a = NAME.exec(s.slice(i, i + 1024));
        if (!a) fail(`bad attribute in <${qname}>`);
        const name = (a as RegExpExecArray)[0];
        i += name.length;
        while (/\s/.test(s[i] ?? '')) i++;
        if (s[i] !== '=') fail(`attribute ${name} without a value`);
        i++;
        while (/\s/.test(s[i] ?? '')) i++;
        const quote = s[i];
        if (quote !== '"' && quote !== "'") fail(`attribute ${name} value not quoted`);
        const end = s.indexOf(quote as string, i + 1);
        if (end < 0) fail(`unterminated value of attribute ${name}`);
        const raw = s.slice(i + 1, end);
        if (raw.includes('<')) fail(`"<" in the value of attribute ${name}`);
        if (attributes.has(name)) fail(`attribute ${name} given twice`);
        attributes.set(name, decodeEntities(raw, fail));
        i = end + 1;
      }
      if (stack.length === 0 && root) fail('more than one root element');
      if (stack.length >= MAX_DEPTH) fail('elements nested too deep');

      const scope = new Map(top()?.scope ?? [['xml', XML_NS]]);
      for (const [name, value] of attributes) {
        if (name === 'xmlns') scope.set('', value);
        else if (name.startsWith('xmlns:')) {
          if (value === '') fail(`prefix ${name.slice(6)} bound to an empty namespace`);
          scope.set(name.slice(6), value);
        }
      }
      const colon = qname.indexOf(':');
      const prefix = colon < 0 ? '' : qname.slice(0, colon);
      const ns = scope.get(prefix);
      if (ns === undefined && prefix !== '') fail(`namespace prefix "${prefix}" is not declared`);
      const el: XmlElement = { ns: ns ?? '', local: colon < 0 ? qname : qname.slice(colon + 1), children: [] };
      const parent = top();
      if (parent) parent.el.children.push(el);
      else root = el;
      if (!selfClosing) stack.push({ el, qname, scope });
    } else {
      const end = s.indexOf('<', i);
      const raw = s.slice(i, end < 0 ? s.length : end);
      const parent = top();
      if (parent) parent.el.children.push(decodeEntities(raw, fail));
      else if (raw.trim() !== '') fail('text outside the root element');
      i = end < 0 ? s.length : end;
    }
  }
  if (stack.length > 0) fail(`<${top()?.qname}> is not closed (truncated document?)`);
  if (!root) fail('no root element');
  return root as XmlElement;
}

function decodeEntities(raw: string, fail: (why: string) => never): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&\s]{0,10});?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) fail(`bare "&" in text`);
    switch (name) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    const m = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(name);
    if (!m) return fail(`unknown entity &${name};`);
    const code = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2] as string, 10);
    if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return fail(`invalid character reference &${name};`);
    return String.fromCodePoint(code);
  });
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
