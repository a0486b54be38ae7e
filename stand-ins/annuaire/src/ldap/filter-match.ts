// Evaluates a filter against an entry with the three-valued logic of RFC 4511 §4.5.1.7: an item
// is TRUE, FALSE or UNDEFINED, AND/OR/NOT combine them as in Kleene's logic, and an entry is
// returned only when the whole filter is TRUE. Filters are compiled once per search into closures
// with their assertion values already prepared, because the same filter meets many entries.

import { baseAttributeType, type FilterNode } from './filter.ts';
import type { LdapEntry } from './source.ts';
import { approxValue, caseExactValue, caseIgnorePiece, caseIgnoreValue, integerValue } from './matching-rules.ts';

export type Truth = 'TRUE' | 'FALSE' | 'UNDEFINED';

export type EqualityRule = 'caseIgnore' | 'caseExact' | 'integer';

/** What the evaluator needs to know about one attribute type. */
export interface AttributeTypeRules {
  /** Every name of the type (first is the primary), case-insensitive; an OID may be listed too. */
  names: string[];
  /** Equality rule, also used for ordering and substrings. Default caseIgnore. */
  equality?: EqualityRule;
  /** Whether the type has an ordering rule (>=, <= are UNDEFINED without one). Default true. */
  ordering?: boolean;
  /** Whether the type has a substrings rule. Default true except for integers. */
  substrings?: boolean;
}

/**
 * Optional schema. Without one every attribute is a directory string compared with caseIgnore
 * rules, and no attribute is unknown. With one, value assertions on unknown attributes are
 * UNDEFINED and presence tests on them FALSE, as the RFC asks.
 */
export interface MatchingSchema {
  lookup(attribute: string): ResolvedAttributeType | undefined;
}

export interface ResolvedAttributeType {
  /** Lower-case names (and OID) under which entries may carry the type. */
  names: readonly string[];
  equality: EqualityRule;
  ordering: boolean;
  substrings: boolean;
}

export function createMatchingSchema(types: AttributeTypeRules[]): MatchingSchema {
  const byName = new Map<string, ResolvedAttributeType>();
  for (const type of types) {
    const equality = type.equality ?? 'caseIgnore';
    const resolved: ResolvedAttributeType = {
      names: type.names.map((name) => name.toLowerCase()),
      equality,
      ordering: type.ordering ?? true,
      substrings: type.substrings ?? equality !== 'integer',
    };
    for (const name of resolved.names) byName.set(name, resolved);
  }
  return { lookup: (attribute) => byName.get(baseAttributeType(attribute)) };
}

type Predicate = (entry: LdapEntry) => Truth;

const compiledCache = new WeakMap<FilterNode, Map<MatchingSchema | undefined, Predicate>>();

/** Compiles a filter to a predicate; reuse the predicate for every entry of a search. */
export function compileFilter(filter: FilterNode, schema?: MatchingSchema): Predicate {
  let bySchema = compiledCache.get(filter);
  if (bySchema === undefined) {
    bySchema = new Map();
    compiledCache.set(filter, bySchema);
  }
  let predicate = bySchema.get(schema);
  if (predicate === undefined) {
    predicate = compile(filter, schema);
    bySchema.set(schema, predicate);
  }
  return predicate;
}

export function evaluate(filter: FilterNode, entry: LdapEntry, schema?: MatchingSchema): Truth {
  return compileFilter(filter, schema)(entry);
}

/** True when the entry matches, i.e. the filter evaluates to TRUE (not FALSE, not UNDEFINED). */
export function matches(filter: FilterNode, entry: LdapEntry, schema?: MatchingSchema): boolean {
  return compileFilter(filter, schema)(entry) === 'TRUE';
}

const undefinedPredicate: Predicate = () => 'UNDEFINED';
const falsePredicate: Predicate = () => 'FALSE';
const truePredicate: Predicate = () => 'TRUE';

/**
 * AND (`decisive` FALSE) and OR (`decisive` TRUE) in three-valued logic, RFC 4511 §4.5.1.7: the
 * decisive value as soon as a part gives it; otherwise UNDEFINED if any part is, else the other
 * value (so an empty AND is TRUE and an empty OR FALSE, RFC 4526).
 */
function junction(parts: readonly Predicate[], decisive: 'TRUE' | 'FALSE'): Predicate {
  const otherwise: Truth = decisive === 'TRUE' ? 'FALSE' : 'TRUE';
  return (entry) => {
    let result: Truth = otherwise;
    for (const part of parts) {
      const truth = part(entry);
      if (truth === decisive) return decisive;
      if (truth === 'UNDEFINED') result = 'UNDEFINED';
    }
    return result;
  };
}

function compile(node: FilterNode, schema: MatchingSchema | undefined): Predicate {
  switch (node.type) {
    case 'and':
      return junction(
        node.filters.map((child) => compile(child, schema)),
        'FALSE',
      );
    case 'or':
      return junction(
        node.filters.map((child) => compile(child, schema)),
        'TRUE',
      );
    case 'not': {
      const inner = compile(node.filter, schema);
      return (entry) => {
        const truth = inner(entry);
        return truth === 'TRUE' ? 'FALSE' : truth === 'FALSE' ? 'TRUE' : 'UNDEFINED';
      };
    }
    case 'present': {
      // Every entry has an objectClass (RFC 4512 §2.4.1), even when a source leaves it out; and
      // `(objectClass=*)` is what most tools send to mean "everything".
      if (baseAttributeType(node.attribute) === 'objectclass') return truePredicate;
      const type = resolve(node.attribute, schema);
      if (type === undefined) return falsePredicate;
      const values = valueGetter(node.attribute, type);
      return (entry) => (values(entry).length > 0 ? 'TRUE' : 'FALSE');
    }
    case 'equalityMatch':
    case 'approxMatch':
    case 'greaterOrEqual':
    case 'lessOrEqual':
      return compileAssertion(node.type, node.attribute, node.value, schema);
    case 'substrings':
      return compileSubstrings(node, schema);
    case 'extensibleMatch':
      // Matching rules by name (`(cn:caseExactMatch:=…)`) and dnAttributes are not supported:
      // RFC 4511 makes an item the server cannot evaluate UNDEFINED, which never selects an
      // entry and keeps `(!…)` around it UNDEFINED as well.
      return undefinedPredicate;
  }
}

function resolve(attribute: string, schema: MatchingSchema | undefined): ResolvedAttributeType | undefined {
  if (schema !== undefined) return schema.lookup(attribute);
  return { names: [baseAttributeType(attribute)], equality: 'caseIgnore', ordering: true, substrings: true };
}

function compileAssertion(
  kind: 'equalityMatch' | 'approxMatch' | 'greaterOrEqual' | 'lessOrEqual',
  attribute: string,
  assertion: string,
  schema: MatchingSchema | undefined,
): Predicate {
  const type = resolve(attribute, schema);
  if (type === undefined) return undefinedPredicate;
  if ((kind === 'greaterOrEqual' || kind === 'lessOrEqual') && !type.ordering) return undefinedPredicate;

  if (type.equality === 'integer') {
    const values = valueGetter(attribute, type);
    const wanted = integerValue(assertion);
    if (wanted === undefined) return undefinedPredicate;
    const test =
      kind === 'greaterOrEqual'
        ? (v: bigint) => v >= wanted
        : kind === 'lessOrEqual'
          ? (v: bigint) => v <= wanted
          : (v: bigint) => v === wanted;
    return (entry) => {
      for (const value of values(entry)) {
        const number = integerValue(value);
        if (number !== undefined && test(number)) return 'TRUE';
      }
      return 'FALSE';
    };
  }

  const prepare = kind === 'approxMatch' ? approxValue : type.equality === 'caseExact' ? caseExactValue : caseIgnoreValue;
  const wanted = prepare(assertion);
  const values = valueGetter(attribute, type, prepare);
  if (kind === 'equalityMatch' || kind === 'approxMatch') return (entry) => (values(entry).includes(wanted) ? 'TRUE' : 'FALSE');
  const test = kind === 'greaterOrEqual' ? (v: string) => v >= wanted : (v: string) => v <= wanted;
  return (entry) => (values(entry).some(test) ? 'TRUE' : 'FALSE');
}

function compileSubstrings(node: Extract<FilterNode, { type: 'substrings' }>, schema: MatchingSchema | undefined): Predicate {
  const type = resolve(node.attribute, schema);
  if (type === undefined || !type.substrings) return undefinedPredicate;
  const exact = type.equality === 'caseExact';
  const values = valueGetter(node.attribute, type, exact ? caseExactValue : caseIgnoreValue);
  const preparePiece = exact ? (piece: string) => piece.normalize('NFKC') : caseIgnorePiece;
  const initial = node.initial === undefined ? '' : preparePiece(node.initial);
  const final = node.final === undefined ? '' : preparePiece(node.final);
  const any = node.any.map(preparePiece);
  const test = (value: string): boolean => {
    if (value.length < initial.length + final.length) return false;
    if (!value.startsWith(initial) || !value.endsWith(final)) return false;
    // Pieces must appear in order and without overlapping the initial or final pieces.
    let from = initial.length;
    const limit = value.length - final.length;
    for (const piece of any) {
      const at = value.indexOf(piece, from);
      if (at < 0 || at + piece.length > limit) return false;
      from = at + piece.length;
    }
    return true;
  };
  return (entry) => (values(entry).some(test) ? 'TRUE' : 'FALSE');
}

type Prepare = (value: string) => string;

const asIs: Prepare = (value) => value;

/**
 * Returns the values an entry holds for an attribute description, prepared for a matching rule:
 * under any of the type's names (case-insensitively) and its subtypes with options (`cn;lang-fr`
 * counts for `cn`), restricted to the options the description names, if any.
 */
function valueGetter(description: string, type: ResolvedAttributeType, prepare: Prepare = asIs): (entry: LdapEntry) => readonly string[] {
  const semi = description.indexOf(';');
  const wantedOptions =
    semi < 0
      ? []
      : description
          .slice(semi + 1)
          .toLowerCase()
          .split(';');
  if (wantedOptions.length === 0 && type.names.length === 1) {
    const name = type.names[0]!;
    return (entry) => preparedValues(entry, name, prepare);
  }
  return (entry) => {
    const found: string[] = [];
    for (const key in entry.attributes) {
      const parts = key.toLowerCase().split(';');
      if (!type.names.includes(parts[0]!)) continue;
      if (wantedOptions.every((option) => parts.includes(option, 1)))
        for (const value of entry.attributes[key] ?? noValues) found.push(prepare(value));
    }
    return found;
  };
}

const noValues: readonly string[] = Object.freeze([]);

/** Lower-case base type of each attribute key met (a directory has a few dozen spellings). */
const baseTypes = new Map<string, string>();

function baseTypeOf(key: string): string {
  let base = baseTypes.get(key);
  if (base === undefined) {
    base = baseAttributeType(key);
    // Bounded, against a source with unbounded attribute names.
    if (baseTypes.size < 4096) baseTypes.set(key, base);
  }
  return base;
}

/**
 * The values an entry holds under a lower-case base type, subtypes and spellings merged, prepared
 * for a matching rule. Read straight from the entry: most entries of a search are tested once
 * (index candidates), and a cache built per entry cost more than the look-up it spared.
 */
function preparedValues(entry: LdapEntry, name: string, prepare: Prepare): readonly string[] {
  const attributes = entry.attributes;
  let found: readonly string[] | undefined;
  let merged: string[] | undefined;
  for (const key in attributes) {
    if (baseTypeOf(key) !== name) continue;
    const values = attributes[key];
    if (values === undefined || values.length === 0) continue;
    if (found === undefined) found = values;
    else (merged ??= found.slice()).push(...values);
  }
  const raw = merged ?? found;
  if (raw === undefined) return noValues;
  return prepare === asIs ? raw : raw.map(prepare);
}
