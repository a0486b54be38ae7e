import { invalid, FhirError } from './outcome.ts';
import type { TextMatch, TimeBound } from '../directory/data.ts';

/** A search parameter as written in the query: `family:exact=Martin,Dubois` → name, modifier, values. */
export interface RawParam {
  name: string;
  modifier: string | null;
  values: string[];
}

/** `system` null: any system; '' (from `|code`): explicitly none. `code` null: any code of the system. */
export interface Token {
  system: string | null;
  code: string | null;
}

export const DEFAULT_COUNT = 50;
export const MAX_COUNT = 1000;

/** Splits on unescaped commas and undoes FHIR's `\,` `\|` `\$` `\\` escapes (R4 §3.1.1.5.7). */
export function splitValues(raw: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\' && i + 1 < raw.length) {
      cur += raw[++i];
    } else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

export function rawParams(params: URLSearchParams): RawParam[] {
  const out: RawParam[] = [];
  for (const [key, value] of params) {
    const colon = key.indexOf(':');
    out.push({
      name: colon < 0 ? key : key.slice(0, colon),
      modifier: colon < 0 ? null : key.slice(colon + 1),
      values: splitValues(value),
    });
  }
  return out;
}

function nonEmpty(p: RawParam): string[] {
  if (p.values.some((v) => v === '')) throw invalid(`parameter ${p.name} has an empty value`);
  return p.values;
}

export function noModifier(p: RawParam): void {
  if (p.modifier !== null) throw invalid(`modifier :${p.modifier} is not supported on parameter ${p.name}`);
}

/** A string parameter: starts-with by default (case and accents ignored), `:exact`, `:contains`. */
export function stringValues(p: RawParam): TextMatch[] {
  const mode = p.modifier === null ? 'prefix' : p.modifier === 'exact' ? 'exact' : p.modifier === 'contains' ? 'contains' : null;
  if (mode === null) throw invalid(`modifier :${p.modifier} is not supported on parameter ${p.name} (use :exact or :contains)`);
  return nonEmpty(p).map((value) => ({ value, mode }));
}

/** A token: `code`, `system|code`, `|code` (no system) or `system|` (any code of the system). */
export function tokenValues(p: RawParam): Token[] {
  noModifier(p);
  return nonEmpty(p).map((v) => {
    const bar = v.indexOf('|');
    if (bar < 0) return { system: null, code: v };
    const system = v.slice(0, bar);
    const code = v.slice(bar + 1);
    if (system === '' && code === '') throw invalid(`parameter ${p.name} has an empty token`);
    return { system, code: code === '' ? null : code };
  });
}

/** `_lastUpdated`: eq (default), gt, ge, lt, le with the precision written (year … milliseconds). */
export function dateBounds(p: RawParam): TimeBound[] {
  noModifier(p);
  if (p.values.length !== 1) throw invalid(`parameter ${p.name} takes one value; repeat the parameter to give a range`);
  const raw = p.values[0]!;
  const m = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(.+)$/.exec(raw);
  if (!m) throw invalid(`parameter ${p.name} has an empty value`);
  const prefix = m[1] ?? 'eq';
  // An unencoded `+` of a zone arrives as a space (form encoding): read it as the `+` it was.
  const range = dateRange(m[2]!.replace(/ (\d{2}:\d{2})$/, '+$1'));
  if (!range)
    throw invalid(`parameter ${p.name}: "${m[2]}" is not a FHIR date (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss[.sss]][Z|±hh:mm])`);
  switch (prefix) {
    case 'eq':
      return [
        { op: '>=', at: range.start },
        { op: '<', at: range.end },
      ];
    case 'gt':
      return [{ op: '>=', at: range.end }];
    case 'ge':
      return [{ op: '>=', at: range.start }];
    case 'lt':
      return [{ op: '<', at: range.start }];
    case 'le':
      return [{ op: '<', at: range.end }];
    default:
      throw invalid(`prefix ${prefix} is not supported on ${p.name} (use eq, gt, ge, lt or le)`);
  }
}

/** The instants [start, end) a FHIR date or dateTime of a given precision covers; UTC when no zone is written. */
export function dateRange(text: string): { start: string; end: string } | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = mo === undefined ? 0 : Number(mo) - 1;
  const day = d === undefined ? 1 : Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = s === undefined ? 0 : Number(s);
  const ms = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  if (month > 11 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  let offset = 0;
  if (zone && zone !== 'Z') offset = (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  const local = Date.UTC(year, month, day, hour, minute, second, ms);
  const check = new Date(local);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month) return undefined;
  let localEnd: number;
  if (mo === undefined) localEnd = Date.UTC(year + 1, 0, 1);
  else if (d === undefined) localEnd = Date.UTC(year, month + 1, 1);
  else if (h === undefined) localEnd = Date.UTC(year, month, day + 1);
  else if (s === undefined) localEnd = local + 60_000;
  else if (frac === undefined) localEnd = local + 1000;
  else localEnd = local + 1;
  const start = local - offset;
  const end = localEnd - offset;
  return { start: new Date(start).toISOString(), end: new Date(end).toISOString() };
}

export interface ResultParams {
  count: number;
  /** null: not asked, which counts on the first page only. */
  total: 'none' | 'estimate' | 'accurate' | null;
  include: Set<string>;
  revinclude: Set<string>;
  elements: string[] | null;
  cursor: string | null;
}

export function resultParam(p: RawParam, r: ResultParams, allowedInclude: readonly string[], allowedRevinclude: readonly string[]): void {
  const one = (): string => {
    noModifier(p);
    if (p.values.length !== 1 || p.values[0] === '') throw invalid(`parameter ${p.name} takes one value`);
    return p.values[0]!;
  };
  switch (p.name) {
    case '_count': {
      const v = one();
      if (!/^\d+$/.test(v)) throw invalid(`_count must be a whole number from 0 to ${MAX_COUNT}, not "${v}"`);
      r.count = Math.min(Number(v), MAX_COUNT);
      return;
    }
    case '_total': {
      const v = one();
      if (v !== 'none' && v !== 'estimate' && v !== 'accurate') throw invalid(`_total must be none, estimate or accurate, not "${v}"`);
      r.total = v;
      return;
    }
    case '_include':
    case '_revinclude': {
      if (p.modifier !== null && p.modifier !== 'iterate') throw invalid(`modifier :${p.modifier} is not supported on ${p.name}`);
      const allowed = p.name === '_include' ? allowedInclude : allowedRevinclude;
      const target = p.name === '_include' ? r.include : r.revinclude;
      for (const v of p.values) {
        if (v === '*') for (const a of allowed) target.add(a);
        else if (allowed.includes(v)) target.add(v);
        else throw invalid(`${p.name}=${v} is not supported here${allowed.length ? ` (supported: ${allowed.join(', ')})` : ''}`);
      }
      return;
    }
    case '_elements':
      noModifier(p);
      r.elements = [...(r.elements ?? []), ...p.values.map((v) => v.trim()).filter(Boolean)];
      return;
    case '_cursor':
      r.cursor = one();
      return;
    case '_format': {
      const v = one();
      if (!['json', 'application/json', 'application/fhir+json'].includes(v))
        throw new FhirError(406, 'not-supported', `_format=${v}: this server only speaks JSON (application/fhir+json)`);
      return;
    }
    case '_pretty':
      return;
    default:
      throw invalid(`unknown parameter ${p.name}`);
  }
}

export const RESULT_PARAMS: ReadonlySet<string> = new Set([
  '_count',
  '_total',
  '_include',
  '_revinclude',
  '_elements',
  '_cursor',
  '_format',
  '_pretty',
]);
