// Address lists (RFC 5322 §3.4, with the obsolete forms of §4.4: routes, phrases with dots,
// CFWS around dots). Tolerant of what is seen in the wild: missing '>' or ';', stray commas,
// bare local parts, a comment as the only name. Works on any string, raw bytes (latin1) for
// ENVELOPE or Unicode text for display: every character that matters to the syntax is ASCII.

type Token =
  | { readonly k: 'word'; readonly text: string; readonly ws: boolean }
  | { readonly k: 'quoted'; readonly text: string; readonly source: string; readonly ws: boolean }
  | { readonly k: 'literal'; readonly source: string; readonly ws: boolean }
  | { readonly k: 'comment'; readonly text: string }
  | { readonly k: 'special'; readonly c: string; readonly ws: boolean };

const SPECIALS = '<>@,;:.';
const WORD_STOP = new Set([...'()<>@,;:."[] \t\r\n']);

function tokenize(s: string): Token[] {
  const tokens: Token[] = [];
  let ws = false;
  let i = 0;
  while (i < s.length) {
    const ch = s[i]!;
    if (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n') {
      ws = true;
      i++;
    } else if (ch === '(') {
      let depth = 0;
      let text = '';
      for (; i < s.length; i++) {
        const c = s[i]!;
        if (c === '\\' && i + 1 < s.length) {
          text += s[++i];
        } else if (c === '(') {
          if (depth++ > 0) text += c;
        } else if (c === ')') {
          if (--depth === 0) break;
          text += c;
        } else {
          text += c;
        }
      }
      i++;
      tokens.push({ k: 'comment', text: text.trim() });
      ws = true;
    } else if (ch === '"') {
      let text = '';
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) text += s[j] === '\\' && j + 1 < s.length ? s[++j] : s[j];
      tokens.push({ k: 'quoted', text, source: s.slice(i, Math.min(j + 1, s.length)), ws });
      i = j + 1;
      ws = false;
    } else if (ch === '[') {
      const close = s.indexOf(']', i);
      const end = close < 0 ? s.length : close + 1;
      tokens.push({ k: 'literal', source: s.slice(i, end), ws });
      i = end;
      ws = false;
    } else if (SPECIALS.includes(ch)) {
      tokens.push({ k: 'special', c: ch, ws });
      i++;
      ws = false;
    } else if (ch === ')' || ch === ']') {
      i++;
    } else {
      let j = i;
      while (j < s.length && !WORD_STOP.has(s[j]!)) j++;
      if (j === i) j++;
      tokens.push({ k: 'word', text: s.slice(i, j), ws });
      i = j;
      ws = false;
    }
  }
  return tokens;
}

export interface RawMailbox {
  /** The display name (phrase), quotes removed; encoded-words as written. */
  readonly name: string | null;
  /** A comment, used as the name when there is no phrase (`a@b (Name)`). */
  readonly comment: string | null;
  /** Obsolete source route, e.g. `@relay1,@relay2`. */
  readonly route: string | null;
  /** The local part as written (a quoted one keeps its quotes), null when missing. */
  readonly local: string | null;
  readonly domain: string | null;
}

export interface RawGroup {
  readonly group: string;
  readonly members: readonly RawMailbox[];
}

export type RawAddress = RawMailbox | RawGroup;

function isSpecial(t: Token | undefined, c: string): boolean {
  return t !== undefined && t.k === 'special' && t.c === c;
}

/** Words joined as RFC 5322 reads a phrase: white space becomes one space. */
function phraseText(tokens: readonly Token[]): string {
  let out = '';
  for (const t of tokens) {
    if (t.k === 'comment') continue;
    const text = t.k === 'word' || t.k === 'quoted' ? t.text : t.k === 'literal' ? t.source : t.c;
    out += (t.ws && out ? ' ' : '') + text;
  }
  return out;
}

/** Tokens as written without the white space: a local part or a domain. */
function compactText(tokens: readonly Token[]): string {
  let out = '';
  for (const t of tokens) {
    if (t.k === 'word') out += t.text;
    else if (t.k === 'quoted' || t.k === 'literal') out += t.source;
    else if (t.k === 'special') out += t.c;
  }
  return out;
}

class AddressParser {
  readonly tokens: Token[];
  i = 0;

  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  get current(): Token | undefined {
    return this.tokens[this.i];
  }

  list(): RawAddress[] {
    const out: RawAddress[] = [];
    while (this.i < this.tokens.length) {
      const before = this.i;
      const entry = this.address(true);
      if (entry) out.push(entry);
      if (this.i === before) this.i++;
    }
    return out;
  }

  /** Phrase words and comments up to the next special that is not a dot. */
  phrase(): { words: Token[]; comments: string[] } {
    const words: Token[] = [];
    const comments: string[] = [];
    for (let t = this.current; t; t = this.current) {
      if (t.k === 'comment') comments.push(t.text);
      else if (t.k === 'special' && t.c !== '.') break;
      else words.push(t);
      this.i++;
    }
    return { words, comments };
  }

  address(allowGroup: boolean): RawAddress | null {
    const t = this.current;
    if (isSpecial(t, ',') || (allowGroup && isSpecial(t, ';'))) {
      this.i++;
      return null;
    }
    const { words, comments } = this.phrase();
    const next = this.current;
    if (isSpecial(next, ':') && allowGroup) {
      this.i++;
      return { group: phraseText(words), members: this.groupMembers() };
    }
    if (isSpecial(next, '<')) {
      this.i++;
      const m = this.angle();
      const name = words.length > 0 ? phraseText(words) : null;
      const trailing = this.skipToSeparator(allowGroup);
      return { ...m, name, comment: comments[0] ?? trailing[0] ?? null };
    }
    if (isSpecial(next, '@')) {
      this.i++;
      const domain = this.domain(comments);
      const trailing = this.skipToSeparator(allowGroup);
      const local = compactText(words);
      return { name: null, comment: comments.at(-1) ?? trailing.at(-1) ?? null, route: null, local: local || null, domain };
    }
    if (words.length === 0) {
      this.skipToSeparator(allowGroup);
      return null;
    }
    // A local part without a domain (`To: root`); several words (`From: Mailer Daemon`) are
    // kept as written rather than glued into a name nobody wrote.
    const local = words.slice(1).some((w) => w.k !== 'comment' && w.ws) ? phraseText(words) : compactText(words);
    return { name: null, comment: comments[0] ?? null, route: null, local, domain: null };
  }

  groupMembers(): RawMailbox[] {
    const members: RawMailbox[] = [];
    while (this.i < this.tokens.length && !isSpecial(this.current, ';')) {
      const before = this.i;
      if (isSpecial(this.current, ':')) {
        this.i++;
        continue;
      }
      const m = this.address(false);
      if (m && !('group' in m)) members.push(m);
      if (this.i === before) this.i++;
    }
    if (isSpecial(this.current, ';')) this.i++;
    return members;
  }

  /** Inside `<…>`: an optional route, then local@domain, then '>' (tolerated missing). */
  angle(): { route: string | null; local: string | null; domain: string | null } {
    let route: string | null = null;
    if (isSpecial(this.current, '@')) {
      const start = this.i;
      let j = this.i;
      while (j < this.tokens.length && !isSpecial(this.tokens[j], ':') && !isSpecial(this.tokens[j], '>')) j++;
      if (isSpecial(this.tokens[j], ':')) {
        route = compactText(this.tokens.slice(start, j).filter((t) => t.k !== 'comment'));
        this.i = j + 1;
      }
    }
    const local: Token[] = [];
    let domain: Token[] | null = null;
    for (let t = this.current; t; t = this.current) {
      if (isSpecial(t, '>') || isSpecial(t, ',') || isSpecial(t, ';') || isSpecial(t, '<')) break;
      this.i++;
      if (t.k === 'comment') continue;
      if (isSpecial(t, '@') && domain === null) domain = [];
      else (domain ?? local).push(t);
    }
    if (isSpecial(this.current, '>')) this.i++;
    return { route, local: compactText(local) || null, domain: domain ? compactText(domain) || null : null };
  }

  /** After `local@`: atoms, dots and literals; a second word after white space is not the domain's. */
  domain(comments: string[]): string | null {
    const parts: Token[] = [];
    for (let t = this.current; t; t = this.current) {
      if (t.k === 'comment') {
        comments.push(t.text);
        this.i++;
        continue;
      }
      if (t.k === 'special' && t.c !== '.') break;
      const prev = parts.at(-1);
      if (prev && t.k !== 'special' && t.ws && !(prev.k === 'special')) break;
      parts.push(t);
      this.i++;
    }
    return compactText(parts) || null;
  }

  /** Skips to the next ',' (or ';' inside a group), returning comments met on the way. */
  skipToSeparator(allowGroup: boolean): string[] {
    const comments: string[] = [];
    for (let t = this.current; t; t = this.current) {
      if (isSpecial(t, ',')) break;
      if (isSpecial(t, ';')) {
        if (allowGroup) this.i++;
        break;
      }
      if (t.k === 'comment') comments.push(t.text);
      this.i++;
    }
    return comments;
  }
}

/** The addresses and groups of an address-list header value. Never throws. */
export function parseAddresses(value: string): RawAddress[] {
  return new AddressParser(tokenize(value)).list();
}

export function isGroup(a: RawAddress): a is RawGroup {
  return 'group' in a;
}
