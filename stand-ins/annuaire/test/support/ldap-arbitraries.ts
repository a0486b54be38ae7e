// fast-check generators for filters that survive both round trips (string and BER) unchanged.

import fc from 'fast-check';
import type { FilterNode } from '../../src/ldap/filter.ts';

const descr = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,8}$/);
const numericOid = fc.stringMatching(/^[0-9]{1,3}(\.[0-9]{1,3}){0,3}$/);
const attribute = fc
  .tuple(
    fc.oneof({ weight: 4, arbitrary: descr }, { weight: 1, arbitrary: numericOid }),
    fc.array(fc.stringMatching(/^[A-Za-z0-9-]{1,5}$/), { maxLength: 2 }),
  )
  .map(([type, options]) => [type, ...options].join(';'));
const value = fc.string({ unit: 'binary', maxLength: 12 });
const piece = fc.string({ unit: 'binary', minLength: 1, maxLength: 8 });
// A rule spelled "dn" would read back as the dnAttributes flag: the grammar itself is ambiguous.
const matchingRule = fc.oneof(descr, numericOid).filter((rule) => rule.toLowerCase() !== 'dn');

// Trees compare with deepStrictEqual, which tells null-prototype records from parsed ones.
const plain = { noNullPrototype: true } as const;

const leaf: fc.Arbitrary<FilterNode> = fc.oneof(
  fc.record(
    {
      type: fc.constantFrom('equalityMatch' as const, 'greaterOrEqual' as const, 'lessOrEqual' as const, 'approxMatch' as const),
      attribute,
      value,
    },
    plain,
  ),
  fc.record({ type: fc.constant('present' as const), attribute }, plain),
  fc
    .record({
      attribute,
      initial: fc.option(piece, { nil: undefined }),
      any: fc.array(piece, { maxLength: 3 }),
      final: fc.option(piece, { nil: undefined }),
    })
    .filter((s) => s.initial !== undefined || s.final !== undefined || s.any.length > 0)
    .map((s) => {
      const node: FilterNode = { type: 'substrings', attribute: s.attribute, any: s.any };
      if (s.initial !== undefined) node.initial = s.initial;
      if (s.final !== undefined) node.final = s.final;
      return node;
    }),
  fc
    .record({
      attribute: fc.option(attribute, { nil: undefined }),
      matchingRule: fc.option(matchingRule, { nil: undefined }),
      value,
      dnAttributes: fc.boolean(),
    })
    .filter((e) => e.attribute !== undefined || e.matchingRule !== undefined)
    .map((e) => {
      const node: FilterNode = { type: 'extensibleMatch', value: e.value, dnAttributes: e.dnAttributes };
      if (e.matchingRule !== undefined) node.matchingRule = e.matchingRule;
      if (e.attribute !== undefined) node.attribute = e.attribute;
      return node;
    }),
);

/** Filters up to `depth` levels of and/or/not (empty and/or included: RFC 4526). */
export function arbitraryFilter(depth: number): fc.Arbitrary<FilterNode> {
  if (depth <= 0) return leaf;
  const inner = arbitraryFilter(depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    {
      weight: 1,
      arbitrary: fc.record({ type: fc.constantFrom('and' as const, 'or' as const), filters: fc.array(inner, { maxLength: 4 }) }, plain),
    },
    { weight: 1, arbitrary: inner.map((filter): FilterNode => ({ type: 'not', filter })) },
  );
}
