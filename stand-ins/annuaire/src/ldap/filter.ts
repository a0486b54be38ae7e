// Search filters (RFC 4511 §4.5.1.7): the tree every layer shares, its BER form, the limits that
// keep a hostile filter cheap to refuse, and the rewrite that hides attributes from searches.

import { BerError, type BerReader, type BerWriter, contextTag, Tag } from './ber.ts';
import { ResultCode } from './result-codes.ts';

export type FilterNode =
  | { type: 'and'; filters: FilterNode[] }
  | { type: 'or'; filters: FilterNode[] }
  | { type: 'not'; filter: FilterNode }
  | { type: 'equalityMatch' | 'greaterOrEqual' | 'lessOrEqual' | 'approxMatch'; attribute: string; value: string }
  | { type: 'substrings'; attribute: string; initial?: string; any: string[]; final?: string }
  | { type: 'present'; attribute: string }
  | { type: 'extensibleMatch'; matchingRule?: string; attribute?: string; value: string; dnAttributes: boolean };

export type AssertionType = 'equalityMatch' | 'greaterOrEqual' | 'lessOrEqual' | 'approxMatch';

export interface FilterLimits {
  /** and/or/not nesting. Real address books stay under 5; recursion bombs go to thousands. */
  maxDepth: number;
  /** Items and operators together. An OR over a few hundred addresses stays well under. */
  maxNodes: number;
  /** initial/any/final pieces of one substrings item. */
  maxSubstringPieces: number;
  /** Encoded size of the filter (BER bytes, or characters of the string form). */
  maxBytes: number;
}

export const defaultFilterLimits: FilterLimits = { maxDepth: 32, maxNodes: 1000, maxSubstringPieces: 32, maxBytes: 64 * 1024 };

/**
 * A filter that cannot be served. `limit` means well formed but too costly (unwillingToPerform);
 * `syntax` means malformed (protocolError for BER, a parse error for strings).
 */
export class FilterError extends Error {
  readonly kind: 'syntax' | 'limit';
  /** Character offset in a string filter, when known. */
  readonly position: number | undefined;
  constructor(kind: 'syntax' | 'limit', message: string, position?: number) {
    super(message);
    this.name = 'FilterError';
    this.kind = kind;
    this.position = position;
  }

  get resultCode(): number {
    return this.kind === 'limit' ? ResultCode.unwillingToPerform : ResultCode.protocolError;
  }
}

/** RFC 4526 absolute filters: an empty AND is always true, an empty OR always false. */
export const absoluteTrue: FilterNode = Object.freeze({ type: 'and', filters: [] }) as FilterNode;
export const absoluteFalse: FilterNode = Object.freeze({ type: 'or', filters: [] }) as FilterNode;

const FilterTag = {
  and: contextTag(0, true),
  or: contextTag(1, true),
  not: contextTag(2, true),
  equalityMatch: contextTag(3, true),
  substrings: contextTag(4, true),
  greaterOrEqual: contextTag(5, true),
  lessOrEqual: contextTag(6, true),
  present: contextTag(7, false),
  approxMatch: contextTag(8, true),
  extensibleMatch: contextTag(9, true),
} as const;

const SubstringTag = { initial: contextTag(0, false), any: contextTag(1, false), final: contextTag(2, false) } as const;
const MatchingRuleAssertionTag = {
  matchingRule: contextTag(1, false),
  type: contextTag(2, false),
  matchValue: contextTag(3, false),
  dnAttributes: contextTag(4, false),
} as const;

interface DecodeState {
  nodes: number;
  readonly limits: FilterLimits;
}

/**
 * Reads one Filter element. Limits are checked before descending or collecting, so the cost of
 * refusing a hostile filter is bounded by the limits, not by the filter. Broken BER inside the
 * filter is a BerError (the connection is closed); a well-formed but unacceptable filter is a
 * FilterError (the search alone fails).
 */
export function decodeFilter(reader: BerReader, limits: FilterLimits = defaultFilterLimits): FilterNode {
  const header = reader.peekHeader();
  if (header === null) throw new BerError('truncated', 'a SearchRequest ends before its filter');
  if (header.length > limits.maxBytes) {
    throw new FilterError('limit', `filter of ${header.length} bytes exceeds the limit of ${limits.maxBytes}`);
  }
  return decodeNode(reader, 1, { nodes: 0, limits });
}

function decodeNode(reader: BerReader, depth: number, state: DecodeState): FilterNode {
  if (depth > state.limits.maxDepth) throw new FilterError('limit', `filter nested deeper than ${state.limits.maxDepth} levels`);
  if (++state.nodes > state.limits.maxNodes) throw new FilterError('limit', `filter has more than ${state.limits.maxNodes} elements`);
  const tag = reader.peekTag();
  switch (tag) {
    case FilterTag.and:
    case FilterTag.or: {
      const inner = reader.readConstructed(tag);
      const filters: FilterNode[] = [];
      while (!inner.done) filters.push(decodeNode(inner, depth + 1, state));
      return { type: tag === FilterTag.and ? 'and' : 'or', filters };
    }
    case FilterTag.not: {
      const inner = reader.readConstructed(tag);
      if (inner.done) throw new FilterError('syntax', 'a NOT filter holds exactly one filter, found none');
      const filter = decodeNode(inner, depth + 1, state);
      if (!inner.done) throw new FilterError('syntax', 'a NOT filter holds exactly one filter, found several');
      return { type: 'not', filter };
    }
    case FilterTag.equalityMatch:
    case FilterTag.greaterOrEqual:
    case FilterTag.lessOrEqual:
    case FilterTag.approxMatch: {
      const inner = reader.readConstructed(tag);
      const attribute = inner.readString();
      const value = inner.readString();
      const type: AssertionType =
        tag === FilterTag.equalityMatch
          ? 'equalityMatch'
          : tag === FilterTag.greaterOrEqual
            ? 'greaterOrEqual'
            : tag === FilterTag.lessOrEqual
              ? 'lessOrEqual'
              : 'approxMatch';
      return { type, attribute, value };
    }
    case FilterTag.substrings:
      return decodeSubstrings(reader.readConstructed(tag), state.limits);
    case FilterTag.present:
      return { type: 'present', attribute: reader.readString(tag) };
    case FilterTag.extensibleMatch:
      return decodeExtensible(reader.readConstructed(tag));
    case -1:
      throw new BerError('truncated', 'a filter is missing');
    default:
      reader.skip();
      throw new FilterError('syntax', `unknown filter choice 0x${tag.toString(16)}`);
  }
}

function decodeSubstrings(reader: BerReader, limits: FilterLimits): FilterNode {
  const attribute = reader.readString();
  const pieces = reader.readConstructed(Tag.sequence);
  const node: { type: 'substrings'; attribute: string; initial?: string; any: string[]; final?: string } = {
    type: 'substrings',
    attribute,
    any: [],
  };
  let count = 0;
  while (!pieces.done) {
    if (++count > limits.maxSubstringPieces) {
      throw new FilterError('limit', `substrings filter on ${attribute} has more than ${limits.maxSubstringPieces} pieces`);
    }
    const tag = pieces.peekTag();
    const value = pieces.readString(tag);
    if (node.final !== undefined) throw new FilterError('syntax', 'nothing may follow the final piece of a substrings filter');
    if (tag === SubstringTag.initial) {
      if (count !== 1) throw new FilterError('syntax', 'the initial piece of a substrings filter must come first');
      node.initial = value;
    } else if (tag === SubstringTag.any) {
      node.any.push(value);
    } else if (tag === SubstringTag.final) {
      node.final = value;
    } else {
      throw new FilterError('syntax', `unknown substrings piece 0x${tag.toString(16)}`);
    }
  }
  if (count === 0) throw new FilterError('syntax', 'a substrings filter has at least one piece');
  return node;
}

function decodeExtensible(reader: BerReader): FilterNode {
  let matchingRule: string | undefined;
  let attribute: string | undefined;
  if (reader.peekTag() === MatchingRuleAssertionTag.matchingRule) matchingRule = reader.readString(MatchingRuleAssertionTag.matchingRule);
  if (reader.peekTag() === MatchingRuleAssertionTag.type) attribute = reader.readString(MatchingRuleAssertionTag.type);
  if (reader.peekTag() !== MatchingRuleAssertionTag.matchValue) throw new FilterError('syntax', 'an extensible match needs a matchValue');
  const value = reader.readString(MatchingRuleAssertionTag.matchValue);
  const dnAttributes =
    reader.peekTag() === MatchingRuleAssertionTag.dnAttributes ? reader.readBoolean(MatchingRuleAssertionTag.dnAttributes) : false;
  if (matchingRule === undefined && attribute === undefined) {
    throw new FilterError('syntax', 'an extensible match needs a matching rule, a type, or both');
  }
  const node: FilterNode = { type: 'extensibleMatch', value, dnAttributes };
  if (matchingRule !== undefined) node.matchingRule = matchingRule;
  if (attribute !== undefined) node.attribute = attribute;
  return node;
}

export function encodeFilter(writer: BerWriter, node: FilterNode): void {
  switch (node.type) {
    case 'and':
    case 'or':
      writer.startConstructed(FilterTag[node.type]);
      for (const child of node.filters) encodeFilter(writer, child);
      writer.endConstructed();
      return;
    case 'not':
      writer.startConstructed(FilterTag.not);
      encodeFilter(writer, node.filter);
      writer.endConstructed();
      return;
    case 'equalityMatch':
    case 'greaterOrEqual':
    case 'lessOrEqual':
    case 'approxMatch':
      writer.startConstructed(FilterTag[node.type]).writeOctetString(node.attribute).writeOctetString(node.value).endConstructed();
      return;
    case 'substrings':
      writer.startConstructed(FilterTag.substrings).writeOctetString(node.attribute).startConstructed(Tag.sequence);
      if (node.initial !== undefined) writer.writeOctetString(node.initial, SubstringTag.initial);
      for (const piece of node.any) writer.writeOctetString(piece, SubstringTag.any);
      if (node.final !== undefined) writer.writeOctetString(node.final, SubstringTag.final);
      writer.endConstructed().endConstructed();
      return;
    case 'present':
      writer.writeOctetString(node.attribute, FilterTag.present);
      return;
    case 'extensibleMatch':
      writer.startConstructed(FilterTag.extensibleMatch);
      if (node.matchingRule !== undefined) writer.writeOctetString(node.matchingRule, MatchingRuleAssertionTag.matchingRule);
      if (node.attribute !== undefined) writer.writeOctetString(node.attribute, MatchingRuleAssertionTag.type);
      writer.writeOctetString(node.value, MatchingRuleAssertionTag.matchValue);
      if (node.dnAttributes) writer.writeBoolean(true, MatchingRuleAssertionTag.dnAttributes);
      writer.endConstructed();
      return;
  }
}

/** The attribute type of a description, lower-cased, without options (`cn;lang-fr` → `cn`). */
export function baseAttributeType(description: string): string {
  const semi = description.indexOf(';');
  return (semi < 0 ? description : description.slice(0, semi)).toLowerCase();
}

/**
 * Replaces every item about a hidden attribute by absolute FALSE — what the item would evaluate
 * to if the attribute did not exist. Doing it on the filter, before the entry source sees it,
 * keeps a source that narrows by index from leaking hidden values through which entries it
 * leaves out (`(!(telephoneNumber=0612345678))` would otherwise reveal who has that number).
 */
export function hideAttributes(node: FilterNode, hidden: ReadonlySet<string>): FilterNode {
  if (hidden.size === 0) return node;
  switch (node.type) {
    case 'and':
    case 'or': {
      const filters = node.filters.map((child) => hideAttributes(child, hidden));
      return filters.every((child, i) => child === node.filters[i]) ? node : { type: node.type, filters };
    }
    case 'not': {
      const filter = hideAttributes(node.filter, hidden);
      return filter === node.filter ? node : { type: 'not', filter };
    }
    case 'extensibleMatch':
      return node.attribute !== undefined && hidden.has(baseAttributeType(node.attribute)) ? absoluteFalse : node;
    default:
      return hidden.has(baseAttributeType(node.attribute)) ? absoluteFalse : node;
  }
}
