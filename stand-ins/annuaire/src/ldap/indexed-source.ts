// An entry source with in-memory indexes, for national-scale directories (a million mailboxes):
// equality and substrings with an initial piece on the indexed attributes, through the sorted
// distinct values of each attribute (a prefix is a range of them); objectClass as one flag per
// entry and value; AND walks its smallest indexed branch and checks the others by membership
// (galloping forward through their postings, or a flag), without building their lists; OR is
// the union of its branches. Anything else — presence, NOT, ordering, approx, a substring without
// an initial piece — scans. What the indexes settle exactly is not evaluated again; the rest of
// the filter is, on each candidate, and the results are marked VERIFIED for the server when the
// source's matching rules are the server's.

import { NormalizedDn, shareEntryDn } from './dn.ts';
import { baseAttributeType, type FilterNode } from './filter.ts';
import { compileFilter, type MatchingSchema } from './filter-match.ts';
import { caseExactValue, caseIgnorePiece, caseIgnoreValue } from './matching-rules.ts';
import { type LdapEntry, type LdapEntrySource, type SourceSearchRequest, verifiedWhen } from './source.ts';

/** What an address-book search looks up: mail, names, identifiers. */
export const DEFAULT_INDEXED_ATTRIBUTES = ['mail', 'cn', 'sn', 'givenName', 'displayName', 'uid', 'employeeNumber'];

/**
 * Attributes with a handful of values shared by most entries (`objectClass`): each value gets a
 * flag per entry (one byte), so that `(objectClass=inetOrgPerson)` beside two names is checked
 * without touching the entry, and never intersected as a list.
 */
export const DEFAULT_FLAGGED_ATTRIBUTES = ['objectClass'];

/** Distinct values flagged per attribute at most; further values are left to the evaluator. */
const MAX_FLAGGED_VALUES = 32;

/** Prefix ranges kept per index: address books repeat the same few prefixes as users type. */
const PREFIX_CACHE_SIZE = 512;

const EMPTY_IDS = new Int32Array(0);

/**
 * One attribute's index, in flat arrays (a few bytes per value, no object per entry): the
 * distinct prepared values sorted, the entries holding each value (ascending), and the values
 * each entry holds (so that "does entry e have value v / a value in range r" is a look-up).
 */
class AttributeIndex {
  readonly exact: boolean;
  /** Distinct prepared values, sorted. */
  values: string[] = [];
  /** Entries of value v: postingIds[postingStart[v] .. postingStart[v + 1]), ascending. */
  postingStart = EMPTY_IDS;
  postingIds = EMPTY_IDS;
  /** Values of entry e: entryValues[entryStart[e] .. entryStart[e + 1]). */
  entryStart = EMPTY_IDS;
  entryValues = EMPTY_IDS;
  /** Recent prefix → distinct entries (the source is immutable, so they never go stale). */
  readonly prefixes = new Map<string, Int32Array>();
  /** While loading: prepared value → entries, ascending. */
  loading: Map<string, number[]> | undefined = new Map();

  constructor(exact: boolean) {
    this.exact = exact;
  }

  add(value: string, id: number): void {
    const prepared = this.exact ? caseExactValue(value) : caseIgnoreValue(value);
    const ids = this.loading!.get(prepared);
    if (ids === undefined) this.loading!.set(prepared, [id]);
    else if (ids[ids.length - 1] !== id) ids.push(id);
  }

  /** Turns the loading map into the flat arrays. */
  freeze(entryCount: number): void {
    const loading = this.loading!;
    this.loading = undefined;
    this.values = [...loading.keys()].sort();
    let total = 0;
    for (const ids of loading.values()) total += ids.length;
    this.postingStart = new Int32Array(this.values.length + 1);
    this.postingIds = new Int32Array(total);
    const perEntry = new Int32Array(entryCount + 1);
    let k = 0;
    this.values.forEach((value, v) => {
      this.postingStart[v] = k;
      for (const id of loading.get(value)!) {
        this.postingIds[k++] = id;
        perEntry[id + 1]!++;
      }
    });
    this.postingStart[this.values.length] = k;
    for (let e = 0; e < entryCount; e++) perEntry[e + 1]! += perEntry[e]!;
    this.entryStart = perEntry;
    this.entryValues = new Int32Array(total);
    const fill = perEntry.slice(0, entryCount);
    for (let v = 0; v < this.values.length; v++) {
      for (let i = this.postingStart[v]!; i < this.postingStart[v + 1]!; i++) this.entryValues[fill[this.postingIds[i]!]!++] = v;
    }
  }

  /** First value number whose value is not below `key`. */
  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.values.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.values[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The value numbers [lo, hi) equal to `prepared`, or starting with it. */
  range(prepared: string, prefix: boolean): [number, number] {
    const lo = this.lowerBound(prepared);
    if (!prefix) return lo < this.values.length && this.values[lo] === prepared ? [lo, lo + 1] : [lo, lo];
    // Values starting with the prefix follow each other in sorted order.
    let hi = this.values.length;
    let l = lo;
    while (l < hi) {
      const mid = (l + hi) >>> 1;
      if (this.values[mid]!.startsWith(prepared)) l = mid + 1;
      else hi = mid;
    }
    return [lo, l];
  }

  /** Postings of the range (an upper bound of its entries: one may hold several values in it). */
  size(lo: number, hi: number): number {
    return this.postingStart[hi]! - this.postingStart[lo]!;
  }

  /** The distinct entries holding a value in [lo, hi), ascending. */
  ids(lo: number, hi: number, prefix: string | undefined): Int32Array {
    if (hi - lo <= 1) return hi === lo ? EMPTY_IDS : this.postingIds.subarray(this.postingStart[lo]!, this.postingStart[lo + 1]!);
    const cached = prefix === undefined ? undefined : this.prefixes.get(prefix);
    if (cached) {
      // Most recently used last.
      this.prefixes.delete(prefix!);
      this.prefixes.set(prefix!, cached);
      return cached;
    }
    const all = this.postingIds.slice(this.postingStart[lo]!, this.postingStart[hi]!).sort();
    // An entry with several values in the range (Martin, Martine) is a candidate once.
    let n = 0;
    for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) all[n++] = all[i]!;
    const ids = all.subarray(0, n);
    if (prefix !== undefined) {
      this.prefixes.set(prefix, ids);
      if (this.prefixes.size > PREFIX_CACHE_SIZE) this.prefixes.delete(this.prefixes.keys().next().value!);
    }
    return ids;
  }

  /** Whether entry `id` holds a value numbered in [lo, hi). */
  holds(id: number, lo: number, hi: number): boolean {
    for (let i = this.entryStart[id]!, end = this.entryStart[id + 1]!; i < end; i++) {
      const v = this.entryValues[i]!;
      if (v >= lo && v < hi) return true;
    }
    return false;
  }
}

/**
 * Candidates for (part of) a filter from the indexes: `ids()` is a superset, ascending, that a
 * `member()` test narrows; `size` bounds `ids()` cheaply (AND picks its smallest branch by it);
 * `exact` when the test is exactly the filter's truth (the source then does not evaluate it).
 * A member test is asked about ascending entry numbers only, so that it can walk a posting list
 * forward (galloping) rather than look each entry up at random.
 */
interface Term {
  size: number;
  exact: boolean;
  /** Every entry of `ids()` passes the member test (a leaf's postings): an AND need not ask. */
  idsExact?: boolean;
  ids(): ArrayLike<number>;
  member(): (id: number) => boolean;
}

const NOTHING: Term = { size: 0, exact: true, ids: () => EMPTY_IDS, member: () => () => false };

/** Membership in an ascending list for ascending questions: galloping from the last answer. */
function seeker(list: ArrayLike<number>): (id: number) => boolean {
  let lo = 0;
  return (id) => {
    const n = list.length;
    if (lo >= n) return false;
    if (list[lo]! >= id) return list[lo] === id;
    let step = 1;
    let hi = lo + 1;
    while (hi < n && list[hi]! < id) {
      lo = hi;
      step *= 2;
      hi = lo + step;
    }
    if (hi > n) hi = n;
    let a = lo + 1;
    let b = hi;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (list[m]! < id) a = m + 1;
      else b = m;
    }
    lo = a;
    return a < n && list[a] === id;
  };
}

/** The entries of a term, exactly (its superset narrowed by its member test). */
function materialize(term: Term): ArrayLike<number> {
  const ids = term.ids();
  const member = term.member();
  const out = new Int32Array(ids.length);
  let n = 0;
  for (let i = 0; i < ids.length; i++) if (member(ids[i]!)) out[n++] = ids[i]!;
  return out.subarray(0, n);
}

export interface IndexedEntrySourceOptions {
  schema?: MatchingSchema;
  /** Attributes (any of their names) to index. Integer-valued ones are not indexed. */
  indexed?: readonly string[];
  /** Attributes with few distinct values to keep as per-entry flags (DEFAULT_FLAGGED_ATTRIBUTES). */
  flagged?: readonly string[];
}

/** A flagged attribute: per prepared value, one byte per entry (1: the entry holds it). */
class FlagIndex {
  readonly exact: boolean;
  readonly values = new Map<string, { flags: Uint8Array; count: number; ids?: Int32Array }>();
  /** More distinct values than MAX_FLAGGED_VALUES were met: the ones not kept are unknown. */
  overflow = false;

  constructor(exact: boolean) {
    this.exact = exact;
  }

  add(value: string, id: number, capacity: () => number): void {
    const prepared = this.exact ? caseExactValue(value) : caseIgnoreValue(value);
    let v = this.values.get(prepared);
    if (v === undefined) {
      if (this.values.size >= MAX_FLAGGED_VALUES) {
        this.overflow = true;
        return;
      }
      v = { flags: new Uint8Array(capacity()), count: 0 };
      this.values.set(prepared, v);
    }
    if (id >= v.flags.length) {
      const grown = new Uint8Array(Math.max(capacity(), id + 1) * 2);
      grown.set(v.flags);
      v.flags = grown;
    }
    if (v.flags[id] === 0) {
      v.flags[id] = 1;
      v.count++;
    }
  }
}

export class IndexedEntrySource implements LdapEntrySource {
  private readonly entries: LdapEntry[] = [];
  private readonly dns: NormalizedDn[] = [];
  /** Each entry's parent DN, as a number into `parents` (scope checks without touching entries). */
  private parentOf = EMPTY_IDS;
  private readonly parents: NormalizedDn[] = [];
  private readonly schema: MatchingSchema | undefined;
  private readonly indexes = new Map<string, AttributeIndex>();
  private readonly flagIndexes = new Map<string, FlagIndex>();

  constructor(entries: Iterable<LdapEntry>, options: IndexedEntrySourceOptions = {}) {
    this.schema = options.schema;
    for (const name of options.indexed ?? DEFAULT_INDEXED_ATTRIBUTES) {
      const key = this.keyOf(name);
      const rule = this.schema?.lookup(name)?.equality ?? 'caseIgnore';
      if (key && rule !== 'integer' && !this.indexes.has(key)) this.indexes.set(key, new AttributeIndex(rule === 'caseExact'));
    }
    for (const name of options.flagged ?? DEFAULT_FLAGGED_ATTRIBUTES) {
      const key = this.keyOf(name);
      const rule = this.schema?.lookup(name)?.equality ?? 'caseIgnore';
      if (key && rule !== 'integer' && !this.indexes.has(key) && !this.flagIndexes.has(key))
        this.flagIndexes.set(key, new FlagIndex(rule === 'caseExact'));
    }
    const flagIndexOfKey = new Map<string, FlagIndex | null>();
    const capacity = () => this.entries.length;
    const indexOfKey = new Map<string, AttributeIndex | null>();
    for (const entry of entries) {
      const id = this.entries.length;
      const dn = NormalizedDn.parse(entry.dn);
      this.entries.push(entry);
      this.dns.push(dn);
      // The server checks the scope of every entry again: it finds the DN parsed already.
      shareEntryDn(entry, dn);
      for (const name in entry.attributes) {
        let index = indexOfKey.get(name);
        if (index === undefined) {
          const key = this.keyOf(name);
          index = (key ? this.indexes.get(key) : undefined) ?? null;
          indexOfKey.set(name, index);
        }
        if (index !== null) {
          for (const v of entry.attributes[name]!) index.add(v, id);
          continue;
        }
        let flagIndex = flagIndexOfKey.get(name);
        if (flagIndex === undefined) {
          const key = this.keyOf(name);
          flagIndex = (key ? this.flagIndexes.get(key) : undefined) ?? null;
          flagIndexOfKey.set(name, flagIndex);
        }
        if (flagIndex !== null) for (const v of entry.attributes[name]!) flagIndex.add(v, id, capacity);
      }
    }
    for (const index of this.indexes.values()) index.freeze(this.entries.length);
    const parentIds = new Map<string, number>();
    this.parentOf = new Int32Array(this.entries.length);
    this.dns.forEach((dn, id) => {
      const parent = dn.parent();
      // The root has no parent: always checked one by one.
      if (parent === undefined) return void (this.parentOf[id] = -1);
      let p = parentIds.get(parent.text);
      if (p === undefined) {
        p = this.parents.length;
        this.parents.push(parent);
        parentIds.set(parent.text, p);
      }
      this.parentOf[id] = p;
    });
  }

  /**
   * A scope test by parent: 1 when every entry under that parent is in scope (its parent lies
   * within a subtree base, or is a one-level base); other entries are checked one by one.
   */
  private scopeByParent(base: NormalizedDn, scope: SourceSearchRequest['scope']): Uint8Array {
    const flags = new Uint8Array(this.parents.length);
    if (scope === 'base') return flags;
    this.parents.forEach((parent, p) => {
      if (scope === 'sub' ? parent.isWithin(base) : parent.equals(base)) flags[p] = 1;
    });
    return flags;
  }

  get size(): number {
    return this.entries.length;
  }

  search(request: SourceSearchRequest): Iterable<LdapEntry> {
    // Scope and filter are checked here with the source's schema: when it is the server's, the
    // server need not check them again.
    return verifiedWhen(this.matching(request), request.schema === this.schema);
  }

  private *matching(request: SourceSearchRequest): Generator<LdapEntry> {
    const base = NormalizedDn.parse(request.baseDn);
    const filter = request.filter;
    const term = this.term(filter);
    // What the indexes did not settle is evaluated here: the whole filter, or for an AND only
    // its branches without an exact index ((objectClass=inetOrgPerson) beside two names).
    let check: FilterNode | undefined = filter;
    if (term !== 'all' && term.exact) check = undefined;
    else if (term !== 'all' && filter.type === 'and') {
      check = {
        type: 'and',
        filters: filter.filters.filter((f) => {
          const t = this.term(f);
          return t === 'all' || !t.exact;
        }),
      };
    }
    const predicate = check === undefined ? undefined : compileFilter(check, this.schema);
    const { signal, scope } = request;
    const inScopeByParent = this.scopeByParent(base, scope);
    const parentOf = this.parentOf;
    if (term === 'all') {
      for (let id = 0; id < this.entries.length; id++) {
        if (signal.aborted) return;
        const entry = this.entries[id]!;
        if ((inScopeByParent[parentOf[id]!] === 1 || this.dns[id]!.inScope(base, scope)) && predicate!(entry) === 'TRUE') yield entry;
      }
      return;
    }
    const ids = term.ids();
    const member = term.member();
    for (let i = 0; i < ids.length; i++) {
      if (signal.aborted) return;
      const id = ids[i]!;
      if (!member(id) || (inScopeByParent[parentOf[id]!] !== 1 && !this.dns[id]!.inScope(base, scope))) continue;
      const entry = this.entries[id]!;
      if (predicate === undefined || predicate(entry) === 'TRUE') yield entry;
    }
  }

  /** Entry numbers that may match (ascending, so results keep the load order), or 'all'. */
  candidates(filter: FilterNode): number[] | 'all' {
    const term = this.term(filter);
    return term === 'all' ? 'all' : Array.from(materialize(term));
  }

  private term(filter: FilterNode): Term | 'all' {
    switch (filter.type) {
      case 'equalityMatch': {
        const flagged = this.flagIndexFor(filter.attribute);
        if (flagged) return this.flagTerm(flagged, filter.attribute, filter.value);
        const index = this.indexFor(filter.attribute);
        if (!index) return 'all';
        const [lo, hi] = index.range(index.exact ? caseExactValue(filter.value) : caseIgnoreValue(filter.value), false);
        if (lo === hi) return NOTHING;
        const ids = () => index.ids(lo, hi, undefined);
        return { size: index.size(lo, hi), exact: !filter.attribute.includes(';'), idsExact: true, ids, member: () => seeker(ids()) };
      }
      case 'substrings': {
        const index = this.indexFor(filter.attribute);
        if (!index || index.exact || filter.initial === undefined) return 'all';
        const piece = caseIgnorePiece(filter.initial);
        const prefix = piece.trimStart().replace(/ {2,}/g, ' ');
        if (prefix === '') return 'all';
        const [lo, hi] = index.range(prefix, true);
        if (lo === hi) return NOTHING;
        // The evaluator's own test when the piece needed no trimming and nothing follows it.
        const exact = piece === prefix && filter.any.length === 0 && filter.final === undefined && !filter.attribute.includes(';');
        // One value: walk its postings; several: ask each entry's values (building the range's
        // list, which may be a tenth of the directory, only when it drives).
        const ids = () => index.ids(lo, hi, prefix);
        const member = hi - lo === 1 ? () => seeker(ids()) : () => (id: number) => index.holds(id, lo, hi);
        return { size: index.size(lo, hi), exact, idsExact: true, ids, member };
      }
      case 'and': {
        // Walk the smallest indexed branch; check the others on each of its entries by
        // membership (a look-up), never by building their lists. Branches without an index
        // ((objectClass=…), presence, NOT) leave the filter to the evaluator.
        const terms: Term[] = [];
        let exact = true;
        for (const f of filter.filters) {
          const t = this.term(f);
          // (objectClass=*) is TRUE for every entry: nothing to check.
          if (f.type === 'present' && baseAttributeType(f.attribute) === 'objectclass') continue;
          if (t === 'all') {
            exact = false;
            continue;
          }
          if (t.size === 0) return NOTHING;
          exact &&= t.exact;
          terms.push(t);
        }
        if (terms.length === 0) return 'all';
        if (terms.length === 1) return exact ? terms[0]! : { ...terms[0]!, exact: false };
        terms.sort((a, b) => a.size - b.size);
        const [driver, ...others] = terms as [Term, ...Term[]];
        return {
          size: driver.size,
          exact,
          ids: () => driver.ids(),
          member: () => {
            const tests = (driver.idsExact ? others : terms).map((t) => t.member());
            if (tests.length === 1) return tests[0]!;
            return (id) => {
              for (const m of tests) if (!m(id)) return false;
              return true;
            };
          },
        };
      }
      case 'or': {
        const terms: Term[] = [];
        for (const f of filter.filters) {
          const t = this.term(f);
          if (t === 'all') return 'all';
          if (t.size > 0) terms.push(t);
        }
        if (terms.length === 0) return NOTHING;
        if (terms.length === 1) return terms[0]!;
        const exact = terms.every((t) => t.exact);
        return {
          size: terms.reduce((n, t) => n + t.size, 0),
          exact,
          ids: () => union(terms.map(materialize)),
          member: () => {
            const members = terms.map((t) => t.member());
            // Every member test sees every id, so that each keeps walking forward.
            return (id) => {
              let found = false;
              for (const m of members) if (m(id)) found = true;
              return found;
            };
          },
        };
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

  private flagIndexFor(attribute: string): FlagIndex | undefined {
    const key = this.keyOf(attribute);
    return key ? this.flagIndexes.get(key) : undefined;
  }

  private flagTerm(index: FlagIndex, attribute: string, value: string): Term | 'all' {
    const v = index.values.get(index.exact ? caseExactValue(value) : caseIgnoreValue(value));
    if (v === undefined) return index.overflow ? 'all' : NOTHING;
    const n = this.entries.length;
    const ids = (): Int32Array => {
      if (v.ids === undefined) {
        const out = new Int32Array(v.count);
        let k = 0;
        for (let id = 0; id < n && k < v.count; id++) if (v.flags[id] === 1) out[k++] = id;
        v.ids = out;
      }
      return v.ids;
    };
    const flags = v.flags;
    return { size: v.count, exact: !attribute.includes(';'), idsExact: true, ids, member: () => (id) => flags[id] === 1 };
  }

  private indexFor(attribute: string): AttributeIndex | undefined {
    const key = this.keyOf(attribute);
    return key ? this.indexes.get(key) : undefined;
  }
}

/** Sorted, de-duplicated union of ascending lists. */
function union(parts: ArrayLike<number>[]): Int32Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const all = new Int32Array(total);
  let k = 0;
  for (const p of parts) for (let i = 0; i < p.length; i++) all[k++] = p[i]!;
  all.sort();
  let n = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) all[n++] = all[i]!;
  return all.subarray(0, n);
}
