// An entry source with in-memory indexes, for national-scale directories (a million mailboxes):
// equality on the indexed attributes through hash maps, substrings with an initial piece
// through a sorted array of prepared values, AND through its most selective indexed branch, OR
// through the union of its branches. Anything else — presence, NOT, ordering, approx, a
// substring without an initial piece — scans. The server checks scope and filter again on
// every candidate, so an index only ever needs to give a superset.

import { NormalizedDn } from './dn.ts';
import { baseAttributeType, type FilterNode } from './filter.ts';
import { compileFilter, type MatchingSchema } from './filter-match.ts';
import { caseExactValue, caseIgnorePiece, caseIgnoreValue } from './matching-rules.ts';
import type { LdapEntry, LdapEntrySource, SourceSearchRequest } from './source.ts';

/** What an address-book search looks up: mail, names, identifiers. */
export const DEFAULT_INDEXED_ATTRIBUTES = ['mail', 'cn', 'sn', 'givenName', 'displayName', 'uid', 'employeeNumber'];

/** Prefix ranges kept per index: address books repeat the same few prefixes as users type. */
const PREFIX_CACHE_SIZE = 512;

interface AttributeIndex {
  exact: boolean;
  /** Recent prefix → candidates (the source is immutable, so they never go stale). */
  prefixes: Map<string, number[]>;
  /** Prepared value → entry numbers, ascending. */
  equality: Map<string, number[]>;
  /** Prepared values sorted, with their entry numbers (for prefix ranges); built lazily. */
  sorted?: { values: string[]; ids: Int32Array };
}

type Candidates = number[] | 'all';

export interface IndexedEntrySourceOptions {
  schema?: MatchingSchema;
  /** Attributes (any of their names) to index. Integer-valued ones are not indexed. */
  indexed?: readonly string[];
}

export class IndexedEntrySource implements LdapEntrySource {
  private readonly entries: { entry: LdapEntry; dn: NormalizedDn }[];
  private readonly schema: MatchingSchema | undefined;
  private readonly indexes = new Map<string, AttributeIndex>();

  constructor(entries: Iterable<LdapEntry>, options: IndexedEntrySourceOptions = {}) {
    this.schema = options.schema;
    for (const name of options.indexed ?? DEFAULT_INDEXED_ATTRIBUTES) {
      const key = this.keyOf(name);
      const rule = this.schema?.lookup(name)?.equality ?? 'caseIgnore';
      if (key && rule !== 'integer' && !this.indexes.has(key)) this.indexes.set(key, { exact: rule === 'caseExact', equality: new Map(), prefixes: new Map() });
    }
    this.entries = [];
    for (const entry of entries) {
      const id = this.entries.length;
      this.entries.push({ entry, dn: NormalizedDn.parse(entry.dn) });
      for (const [name, values] of Object.entries(entry.attributes)) {
        const key = this.keyOf(name);
        const index = key ? this.indexes.get(key) : undefined;
        if (!index) continue;
        for (const v of values) {
          const prepared = index.exact ? caseExactValue(v) : caseIgnoreValue(v);
          const ids = index.equality.get(prepared);
          if (ids === undefined) index.equality.set(prepared, [id]);
          else if (ids[ids.length - 1] !== id) ids.push(id);
        }
      }
    }
  }

  get size(): number {
    return this.entries.length;
  }

  async *search(request: SourceSearchRequest): AsyncIterable<LdapEntry> {
    const base = NormalizedDn.parse(request.baseDn);
    const predicate = compileFilter(request.filter, this.schema);
    const candidates = this.candidates(request.filter);
    const count = candidates === 'all' ? this.entries.length : candidates.length;
    for (let i = 0; i < count; i++) {
      if (request.signal.aborted) return;
      const { entry, dn } = this.entries[candidates === 'all' ? i : candidates[i]!]!;
      if (dn.inScope(base, request.scope) && predicate(entry) === 'TRUE') yield entry;
    }
  }

  /** Entry numbers that may match (ascending, so results keep the load order), or 'all'. */
  candidates(filter: FilterNode): Candidates {
    switch (filter.type) {
      case 'equalityMatch': {
        const index = this.indexFor(filter.attribute);
        if (!index) return 'all';
        return index.equality.get(index.exact ? caseExactValue(filter.value) : caseIgnoreValue(filter.value)) ?? [];
      }
      case 'substrings': {
        const index = this.indexFor(filter.attribute);
        if (!index || index.exact || filter.initial === undefined) return 'all';
        const prefix = caseIgnorePiece(filter.initial).trimStart();
        if (prefix === '') return 'all';
        return this.prefixRange(index, prefix.replace(/ {2,}/g, ' '));
      }
      case 'and': {
        // The intersection of the indexed branches, the smallest first: (sn=…)(givenName=…)
        // gives the few entries with both rather than every entry with either.
        const lists: number[][] = [];
        for (const f of filter.filters) {
          const c = this.candidates(f);
          if (c === 'all') continue;
          if (c.length === 0) return [];
          lists.push(c);
        }
        if (lists.length === 0) return 'all';
        lists.sort((a, b) => a.length - b.length);
        let result = lists[0]!;
        for (const other of lists.slice(1)) {
          result = intersect(result, other);
          if (result.length === 0) break;
        }
        return result;
      }
      case 'or': {
        const parts: number[][] = [];
        for (const f of filter.filters) {
          const c = this.candidates(f);
          if (c === 'all') return 'all';
          parts.push(c);
        }
        return union(parts);
      }
      default:
        return 'all';
    }
  }

  private keyOf(attribute: string): string | undefined {
    if (!this.schema) return baseAttributeType(attribute);
    const t = this.schema.lookup(attribute);
    return t ? t.names[0] : undefined;
  }

  private indexFor(attribute: string): AttributeIndex | undefined {
    const key = this.keyOf(attribute);
    return key ? this.indexes.get(key) : undefined;
  }

  private prefixRange(index: AttributeIndex, prefix: string): number[] {
    const cached = index.prefixes.get(prefix);
    if (cached) {
      // Most recently used last.
      index.prefixes.delete(prefix);
      index.prefixes.set(prefix, cached);
      return cached;
    }
    const range = this.computePrefixRange(index, prefix);
    index.prefixes.set(prefix, range);
    if (index.prefixes.size > PREFIX_CACHE_SIZE) index.prefixes.delete(index.prefixes.keys().next().value!);
    return range;
  }

  private computePrefixRange(index: AttributeIndex, prefix: string): number[] {
    if (!index.sorted) {
      const values = [...index.equality.keys()].sort();
      const counts = values.reduce((n, v) => n + index.equality.get(v)!.length, 0);
      const ids = new Int32Array(counts);
      const starts: string[] = [];
      let k = 0;
      for (const v of values) {
        for (const id of index.equality.get(v)!) {
          ids[k++] = id;
          starts.push(v);
        }
      }
      index.sorted = { values: starts, ids };
    }
    const { values, ids } = index.sorted;
    let lo = 0;
    let hi = values.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (values[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out: number[] = [];
    for (let i = lo; i < values.length && values[i]!.startsWith(prefix); i++) out.push(ids[i]!);
    // An entry with several values under the prefix (Martin, Martine) is a candidate once.
    return distinctSorted(out.sort((a, b) => a - b));
  }
}

/** The members of ascending `small` also in ascending `large`, by binary search in `large`. */
function intersect(small: number[], large: number[]): number[] {
  const out: number[] = [];
  let lo = 0;
  for (const v of small) {
    let hi = large.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (large[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    if (lo < large.length && large[lo] === v) out.push(v);
  }
  return out;
}

/** Sorted, de-duplicated union of ascending lists. */
function union(parts: number[][]): number[] {
  if (parts.length === 0) return [];
  if (parts.length === 1) return parts[0]!;
  return distinctSorted(parts.flat().sort((a, b) => a - b));
}

/** An ascending list without its repeats. */
function distinctSorted(sorted: number[]): number[] {
  return sorted.filter((v, i) => i === 0 || sorted[i - 1] !== v);
}
