// Distinguished names (RFC 4514): parsing, a normal form for comparison, and scope tests.
// For our directory every naming attribute is a directory string, so values compare with
// caseIgnoreMatch; a few common attribute types are known by their long names and OIDs too.

import { caseIgnoreValue } from './matching-rules.ts';

export interface Ava {
  /** Attribute type as written. */
  type: string;
  /** The unescaped value; for a `#`-hex value (BER), the lower-case hex digits after `#`. */
  value: string;
  hex?: boolean;
}

export type Rdn = Ava[];

/** RDNs from the entry itself (leftmost) to the top of the tree. */
export type Dn = Rdn[];

export type Scope = 'base' | 'one' | 'sub';

export class DnSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DnSyntaxError';
  }
}

const TYPE_ALIASES: Record<string, string> = {
  commonname: 'cn',
  '2.5.4.3': 'cn',
  surname: 'sn',
  '2.5.4.4': 'sn',
  countryname: 'c',
  '2.5.4.6': 'c',
  localityname: 'l',
  '2.5.4.7': 'l',
  stateorprovincename: 'st',
  '2.5.4.8': 'st',
  organizationname: 'o',
  '2.5.4.10': 'o',
  organizationalunitname: 'ou',
  '2.5.4.11': 'ou',
  userid: 'uid',
  '0.9.2342.19200300.100.1.1': 'uid',
  domaincomponent: 'dc',
  '0.9.2342.19200300.100.1.25': 'dc',
  rfc822mailbox: 'mail',
  '0.9.2342.19200300.100.1.3': 'mail',
};

const ATTRIBUTE_TYPE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)$/;
const SPECIAL_AFTER_BACKSLASH = '"+,;<>\\ #=';

/**
 * Parses a DN string. Beyond RFC 4514, spaces around `,`, `+` and `=` are ignored (RFC 2253
 * habits: `ou=bal, o=mssante, c=fr`), and an `OID.` prefix on numeric types is not accepted.
 */
export function parseDn(text: string): Dn {
  const dn: Dn = [];
  if (text.trim() === '') return dn;
  let pos = 0;
  let rdn: Rdn = [];
  const fail = (message: string): never => {
    throw new DnSyntaxError(`invalid DN '${text}': ${message} at position ${pos}`);
  };
  for (;;) {
    while (text[pos] === ' ') pos++;
    const typeStart = pos;
    while (pos < text.length && text[pos] !== '=' && text[pos] !== ' ') pos++;
    const type = text.slice(typeStart, pos);
    if (!ATTRIBUTE_TYPE.test(type)) fail(type === '' ? 'missing attribute type' : `invalid attribute type '${type}'`);
    while (text[pos] === ' ') pos++;
    if (text[pos] !== '=') fail("expected '='");
    pos++;
    while (text[pos] === ' ') pos++;

    let value: string;
    let hex = false;
    if (text[pos] === '#') {
      const start = ++pos;
      while (pos < text.length && /[0-9A-Fa-f]/.test(text[pos]!)) pos++;
      const digits = text.slice(start, pos);
      if (digits.length === 0 || digits.length % 2 !== 0) fail('a #-value is an even number of hex digits');
      value = digits.toLowerCase();
      hex = true;
      while (text[pos] === ' ') pos++;
    } else {
      // Escaped bytes are gathered until the next literal run, so that a multi-byte character
      // written as hex pairs decodes as one; only the last literal run can hold trailing spaces
      // to drop, since an escaped space (`\ `) is significant.
      const parts: string[] = [];
      let pending: number[] = [];
      let runStart = pos;
      const flushPending = (): void => {
        if (pending.length > 0) parts.push(Buffer.from(pending).toString('utf8'));
        pending = [];
      };
      while (pos < text.length && text[pos] !== ',' && text[pos] !== '+') {
        const c = text[pos]!;
        if (c === '\\') {
          if (pos > runStart) {
            flushPending();
            parts.push(text.slice(runStart, pos));
          }
          const pair = text.slice(pos + 1, pos + 3);
          if (/^[0-9A-Fa-f]{2}$/.test(pair)) {
            pending.push(Number.parseInt(pair, 16));
            pos += 3;
          } else if (pos + 1 < text.length && SPECIAL_AFTER_BACKSLASH.includes(text[pos + 1]!)) {
            pending.push(text.charCodeAt(pos + 1));
            pos += 2;
          } else {
            fail('a backslash is followed by a special character or two hex digits');
          }
          runStart = pos;
          continue;
        }
        if (c === '"' || c === ';' || c === '<' || c === '>' || c === '\0') fail(`unescaped '${c === '\0' ? '\\0' : c}'`);
        pos++;
      }
      flushPending();
      let runEnd = pos;
      while (runEnd > runStart && text[runEnd - 1] === ' ') runEnd--;
      parts.push(text.slice(runStart, runEnd));
      value = parts.join('');
    }
    rdn.push(hex ? { type, value, hex: true } : { type, value });
    if (pos >= text.length) break;
    if (text[pos] === '+') {
      pos++;
      continue;
    }
    pos++; // ','
    dn.push(rdn);
    rdn = [];
  }
  dn.push(rdn);
  return dn;
}

function normalType(type: string): string {
  const lower = type.toLowerCase();
  return TYPE_ALIASES[lower] ?? lower;
}

function escapeValue(value: string): string {
  let out = value.replace(/["+,;<>\\\0]/g, (c) => (c === '\0' ? '\\00' : `\\${c}`));
  if (out.startsWith(' ') || out.startsWith('#')) out = `\\${out}`;
  if (out.endsWith(' ') && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

function formatAva(ava: Ava): string {
  return `${ava.type}=${ava.hex ? `#${ava.value}` : escapeValue(ava.value)}`;
}

/** The RFC 4514 string of a parsed DN, as written (types and values keep their case). */
export function formatDn(dn: Dn): string {
  return dn.map((rdn) => rdn.map(formatAva).join('+')).join(',');
}

function normalRdn(rdn: Rdn): string {
  const avas = rdn.map((ava) => `${normalType(ava.type)}=${ava.hex ? `#${ava.value}` : escapeValue(caseIgnoreValue(ava.value))}`);
  if (avas.length > 1) avas.sort();
  return avas.join('+');
}

/** A parsed DN in canonical form: one normalised string per RDN, leftmost first. */
export class NormalizedDn {
  readonly rdns: readonly string[];
  readonly text: string;

  constructor(rdns: readonly string[]) {
    this.rdns = rdns;
    this.text = rdns.join(',');
  }

  static parse(text: string): NormalizedDn {
    return new NormalizedDn(parseDn(text).map(normalRdn));
  }

  get isRoot(): boolean {
    return this.rdns.length === 0;
  }

  equals(other: NormalizedDn): boolean {
    return this.text === other.text;
  }

  /** True when this DN is `ancestor` or lies below it. */
  isWithin(ancestor: NormalizedDn): boolean {
    const offset = this.rdns.length - ancestor.rdns.length;
    if (offset < 0) return false;
    for (let i = 0; i < ancestor.rdns.length; i++) if (this.rdns[offset + i] !== ancestor.rdns[i]) return false;
    return true;
  }

  inScope(base: NormalizedDn, scope: Scope): boolean {
    switch (scope) {
      case 'base':
        return this.equals(base);
      case 'one':
        return this.rdns.length === base.rdns.length + 1 && this.isWithin(base);
      case 'sub':
        return this.isWithin(base);
    }
  }

  parent(): NormalizedDn | undefined {
    return this.rdns.length === 0 ? undefined : new NormalizedDn(this.rdns.slice(1));
  }
}

/**
 * The canonical string of a DN: types lower-cased (and long names or OIDs of common types
 * replaced by their short names), values prepared for caseIgnoreMatch and minimally escaped,
 * multi-valued RDNs sorted. Two DNs are equal when their normal forms are.
 */
export function normalizeDn(text: string): string {
  return NormalizedDn.parse(text).text;
}

export function dnEquals(a: string, b: string): boolean {
  return normalizeDn(a) === normalizeDn(b);
}

const entryDns = new WeakMap<object, NormalizedDn | null>();

/**
 * The parsed DN of an entry object, parsed once per object (null when it does not parse). Sources
 * that parsed their entries' DNs already hand them over with `shareEntryDn`, so the server's own
 * scope check of each candidate costs a look-up, not a parse.
 */
export function entryNormalizedDn(entry: { readonly dn: string }): NormalizedDn | null {
  let dn = entryDns.get(entry);
  if (dn === undefined) {
    try {
      dn = NormalizedDn.parse(entry.dn);
    } catch {
      dn = null;
    }
    entryDns.set(entry, dn);
  }
  return dn;
}

/** Records the parsed DN of an entry object (which must not change afterwards). */
export function shareEntryDn(entry: { readonly dn: string }, dn: NormalizedDn): void {
  entryDns.set(entry, dn);
}

/** Whether `entryDn` is in the scope of a search based at `baseDn`. */
export function isInScope(entryDn: string, baseDn: string, scope: Scope): boolean {
  return NormalizedDn.parse(entryDn).inScope(NormalizedDn.parse(baseDn), scope);
}
