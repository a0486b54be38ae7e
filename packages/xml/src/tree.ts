// The tree readXml builds, and the few ways our readers walk it (a subset of XPath's axes).

export interface XmlElement {
  /** Namespace URI, '' when none. */
  readonly ns: string;
  readonly local: string;
  /** Attributes without a namespace by local name; namespaced ones as `{uri}local`. */
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: XmlNode[];
}
export type XmlNode = XmlElement | string;

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

/** Every element below `el`, depth first, `el` included (XPath's descendant-or-self). Iterative: depth is bounded but deep. */
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

/** The element's own text nodes, joined (XPath's `text()` on its children). */
export function ownText(el: XmlElement): string {
  return el.children.filter((c): c is string => typeof c === 'string').join('');
}

/** All the text below `el`, whitespace collapsed; elements are separate words (<given>Nathalie</given><family>GIRARD</family>). */
export function textOf(el: XmlElement | undefined): string {
  if (!el) return '';
  const parts: string[] = [];
  const walk = (e: XmlElement): void => {
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
