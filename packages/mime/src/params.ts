// Parameter values (RFC 2045) with RFC 2231 extensions: `name*=charset'lang'%XX`, and
// continuations `name*0*=`, `name*1=` merged in order. Two views come out: the decoded text
// (what a filename is), and the wire form with continuations merged but still encoded, which
// is what BODYSTRUCTURE carries (as Dovecot does) since IMAP strings have no charset.

import { bytesToText, decodeBytes } from './charset.ts';
import { decodeWords } from './encoded-words.ts';
import type { RawParam } from './structured.ts';
import type { MimeParam, WireParam } from './types.ts';

const NAME = /^(.+?)(?:\*(\d{1,4}))?(\*)?$/;

interface Section {
  readonly index: number;
  readonly value: string;
  readonly extended: boolean;
}

interface Group {
  /** Lower-cased, for matching. */
  readonly base: string;
  /** As first written, for the wire form. */
  readonly written: string;
  plain: RawParam | null;
  extended: RawParam | null;
  sections: Section[];
}

function percentDecode(s: string): string {
  if (!s.includes('%')) return s;
  return s.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** RFC 2231 attribute-char: token characters but `*`, `'` and `%`. */
function percentEncode(s: string): string {
  return s.replace(/[^!#$&+\-.^_`|~0-9A-Za-z]/g, (c) => '%' + (c.charCodeAt(0) & 0xff).toString(16).toUpperCase().padStart(2, '0'));
}

/** `charset'language'text` (both quotes required, either part may be empty). */
function splitExtended(value: string): { charset: string | null; language: string | null; text: string } {
  const q1 = value.indexOf("'");
  const q2 = q1 < 0 ? -1 : value.indexOf("'", q1 + 1);
  if (q2 < 0) return { charset: null, language: null, text: value };
  return {
    charset: value.slice(0, q1) || null,
    language: value.slice(q1 + 1, q2) || null,
    text: value.slice(q2 + 1),
  };
}

function group(params: readonly RawParam[]): Group[] {
  const groups = new Map<string, Group>();
  for (const p of params) {
    const m = NAME.exec(p.name);
    const base = (m?.[1] ?? p.name).toLowerCase();
    let g = groups.get(base);
    if (!g) {
      g = { base, written: m?.[1] ?? p.name, plain: null, extended: null, sections: [] };
      groups.set(base, g);
    }
    const index = m?.[2];
    const star = m?.[3] === '*';
    if (index !== undefined) {
      const n = Number(index);
      if (!g.sections.some((s) => s.index === n)) g.sections.push({ index: n, value: p.value, extended: star });
    } else if (star) {
      g.extended ??= p;
    } else {
      g.plain ??= p;
    }
  }
  return [...groups.values()];
}

/** Sections 0, 1, 2… in order, stopping at the first gap (RFC 2231 §3). */
function contiguous(sections: readonly Section[]): Section[] {
  const byIndex = new Map(sections.map((s) => [s.index, s]));
  const out: Section[] = [];
  for (let i = 0; byIndex.has(i); i++) out.push(byIndex.get(i)!);
  return out;
}

function decodedParam(g: Group): MimeParam | null {
  const sections = contiguous(g.sections);
  if (sections.length > 0) {
    const first = sections[0]!;
    const head = first.extended ? splitExtended(first.value) : { charset: null, language: null, text: first.value };
    let bytes = first.extended ? percentDecode(head.text) : head.text;
    for (const s of sections.slice(1)) bytes += s.extended ? percentDecode(s.value) : s.value;
    const anyExtended = sections.some((s) => s.extended);
    const value = anyExtended ? decodeBytes(Buffer.from(bytes, 'latin1'), head.charset)! : decodeWords(bytesToText(bytes));
    return { name: g.base, value, raw: bytes, charset: head.charset, language: head.language };
  }
  if (g.extended) {
    const { charset, language, text } = splitExtended(g.extended.value);
    const bytes = percentDecode(text);
    return { name: g.base, value: decodeBytes(Buffer.from(bytes, 'latin1'), charset)!, raw: bytes, charset, language };
  }
  if (g.plain) {
    // RFC 2047 words in a parameter are forbidden (§5) and yet common in filenames.
    return { name: g.base, value: decodeWords(bytesToText(g.plain.value)), raw: g.plain.value, charset: null, language: null };
  }
  return null;
}

function wireSections(g: Group): WireParam | null {
  const sections = contiguous(g.sections);
  if (sections.length === 0) return null;
  const first = sections[0]!;
  const name = g.written;
  if (!sections.some((s) => s.extended)) return [name, sections.map((s) => s.value).join('')];
  let value = first.extended ? first.value : "''" + percentEncode(first.value);
  for (const s of sections.slice(1)) value += s.extended ? s.value : percentEncode(s.value);
  return [`${name}*`, value];
}

export interface ResolvedParams {
  readonly params: MimeParam[];
  readonly wireParams: WireParam[];
}

export function resolveParams(raw: readonly RawParam[]): ResolvedParams {
  const params: MimeParam[] = [];
  const wireParams: WireParam[] = [];
  for (const g of group(raw)) {
    const decoded = decodedParam(g);
    if (decoded) params.push(decoded);
    if (g.plain) wireParams.push([g.plain.name, g.plain.value]);
    if (g.extended) wireParams.push([g.extended.name, g.extended.value]);
    const merged = wireSections(g);
    if (merged) wireParams.push(merged);
  }
  return { params, wireParams };
}

export function param(params: readonly MimeParam[], name: string): MimeParam | null {
  const key = name.toLowerCase();
  return params.find((p) => p.name === key) ?? null;
}
