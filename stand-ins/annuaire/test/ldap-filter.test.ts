import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BerReader, BerWriter } from '../src/ldap/ber.ts';
import { decodeFilter, defaultFilterLimits, encodeFilter, FilterError, type FilterNode, hideAttributes } from '../src/ldap/filter.ts';
import { formatFilter, parseFilter } from '../src/ldap/filter-string.ts';
import { createMatchingSchema, evaluate, matches, type Truth } from '../src/ldap/filter-match.ts';
import type { LdapEntry } from '../src/ldap/source.ts';
import { arbitraryFilter } from './support/ldap-arbitraries.ts';

function toBer(filter: FilterNode): Buffer {
  const writer = new BerWriter();
  encodeFilter(writer, filter);
  return writer.finish();
}

function fromBer(bytes: Buffer, limits = defaultFilterLimits): FilterNode {
  return decodeFilter(new BerReader(bytes), limits);
}

test('the examples of RFC 4515 §4 parse to the expected trees', () => {
  const cases: [string, FilterNode][] = [
    ['(cn=Babs Jensen)', { type: 'equalityMatch', attribute: 'cn', value: 'Babs Jensen' }],
    ['(!(cn=Tim Howes))', { type: 'not', filter: { type: 'equalityMatch', attribute: 'cn', value: 'Tim Howes' } }],
    [
      '(&(objectClass=Person)(|(sn=Jensen)(cn=Babs J*)))',
      {
        type: 'and',
        filters: [
          { type: 'equalityMatch', attribute: 'objectClass', value: 'Person' },
          {
            type: 'or',
            filters: [
              { type: 'equalityMatch', attribute: 'sn', value: 'Jensen' },
              { type: 'substrings', attribute: 'cn', initial: 'Babs J', any: [] },
            ],
          },
        ],
      },
    ],
    ['(o=univ*of*mich*)', { type: 'substrings', attribute: 'o', initial: 'univ', any: ['of', 'mich'] }],
    ['(seeAlso=)', { type: 'equalityMatch', attribute: 'seeAlso', value: '' }],
    [
      '(cn:caseExactMatch:=Fred Flintstone)',
      { type: 'extensibleMatch', matchingRule: 'caseExactMatch', attribute: 'cn', value: 'Fred Flintstone', dnAttributes: false },
    ],
    ['(cn:=Betty Rubble)', { type: 'extensibleMatch', attribute: 'cn', value: 'Betty Rubble', dnAttributes: false }],
    [
      '(sn:dn:2.4.6.8.10:=Barney Rubble)',
      { type: 'extensibleMatch', matchingRule: '2.4.6.8.10', attribute: 'sn', value: 'Barney Rubble', dnAttributes: true },
    ],
    ['(o:dn:=Ace Industry)', { type: 'extensibleMatch', attribute: 'o', value: 'Ace Industry', dnAttributes: true }],
    ['(:1.2.3:=Wilma Flintstone)', { type: 'extensibleMatch', matchingRule: '1.2.3', value: 'Wilma Flintstone', dnAttributes: false }],
    ['(:DN:2.4.6.8.10:=Dino)', { type: 'extensibleMatch', matchingRule: '2.4.6.8.10', value: 'Dino', dnAttributes: true }],
    [
      '(o=Parens R Us \\28for all your parenthetical needs\\29)',
      { type: 'equalityMatch', attribute: 'o', value: 'Parens R Us (for all your parenthetical needs)' },
    ],
    ['(cn=*\\2A*)', { type: 'substrings', attribute: 'cn', any: ['*'] }],
    ['(filename=C:\\5cMyFile)', { type: 'equalityMatch', attribute: 'filename', value: 'C:\\MyFile' }],
    ['(bin=\\00\\00\\00\\04)', { type: 'equalityMatch', attribute: 'bin', value: '\0\0\0\u0004' }],
    ['(sn=Lu\\c4\\8di\\c4\\87)', { type: 'equalityMatch', attribute: 'sn', value: 'Lučić' }],
    ['(1.3.6.1.4.1.1466.0=\\04\\02\\48\\69)', { type: 'equalityMatch', attribute: '1.3.6.1.4.1.1466.0', value: '\u0004\u0002Hi' }],
    ['(cn=*)', { type: 'present', attribute: 'cn' }],
    ['(cn=*Martin)', { type: 'substrings', attribute: 'cn', any: [], final: 'Martin' }],
    ['(age>=42)', { type: 'greaterOrEqual', attribute: 'age', value: '42' }],
    ['(age<=42)', { type: 'lessOrEqual', attribute: 'age', value: '42' }],
    ['(sn~=Lefevre)', { type: 'approxMatch', attribute: 'sn', value: 'Lefevre' }],
    ['(&)', { type: 'and', filters: [] }],
    ['(|)', { type: 'or', filters: [] }],
    // Conveniences: a bare item, RFC 2254 escapes.
    ['sn=Martin', { type: 'equalityMatch', attribute: 'sn', value: 'Martin' }],
    ['(cn=a\\*b)', { type: 'equalityMatch', attribute: 'cn', value: 'a*b' }],
  ];
  for (const [text, tree] of cases) {
    assert.deepEqual(parseFilter(text), tree, text);
    assert.deepEqual(fromBer(toBer(tree)), tree, `BER round trip of ${text}`);
  }
});

test('formatting escapes only what the grammar requires', () => {
  assert.equal(formatFilter(parseFilter('(cn=*\\2A*)')), '(cn=*\\2a*)');
  assert.equal(
    formatFilter(parseFilter('(o=Parens R Us \\28for all your parenthetical needs\\29)')),
    '(o=Parens R Us \\28for all your parenthetical needs\\29)',
  );
  assert.equal(formatFilter(parseFilter('(sn=Lu\\c4\\8di\\c4\\87)')), '(sn=Lučić)');
  assert.equal(formatFilter(parseFilter('(filename=C:\\5cMyFile)')), '(filename=C:\\5cMyFile)');
  assert.equal(
    formatFilter(parseFilter('(&(objectClass=Person)(|(sn=Jensen)(cn=Babs J*)))')),
    '(&(objectClass=Person)(|(sn=Jensen)(cn=Babs J*)))',
  );
  assert.equal(formatFilter(parseFilter('(sn:dn:2.4.6.8.10:=Barney Rubble)')), '(sn:dn:2.4.6.8.10:=Barney Rubble)');
});

test('known filter encodings (OpenLDAP filter test cases)', () => {
  assert.equal(toBer(parseFilter('(attr=*)')).toString('hex'), '870461747472');
  assert.equal(toBer(parseFilter('(attr=)')).toString('hex'), 'a30804046174747204' + '00');
  assert.equal(toBer(parseFilter('(1.2.3.4.5=)')).toString('hex'), 'a30d0409312e322e332e342e350400');
  // (cn=Babs J*) : substrings { type "cn", { initial "Babs J" } }
  assert.equal(toBer(parseFilter('(cn=Babs J*)')).toString('hex'), 'a40e0402636e300880064261627320' + '4a');
});

test('malformed filter strings are syntax errors with a position', () => {
  for (const text of [
    '(cn=a(b)',
    '(cn=a\\zz)',
    '(=a)',
    '(cn=a',
    '(&(a=b)',
    '(cn~=a*)',
    '(!(a=b)(c=d))',
    '(cn=a))',
    '(c n=a)',
    '(cn:=a*)',
    '(:=a)',
    '((cn=a))',
    '',
  ]) {
    assert.throws(
      () => parseFilter(text),
      (err: unknown) => err instanceof FilterError && err.kind === 'syntax' && typeof err.position === 'number',
      text,
    );
  }
});

test('malformed BER filters are FilterErrors (protocolError), not crashes', () => {
  const bad = (what: string, hex: string): void => {
    assert.throws(
      () => fromBer(Buffer.from(hex, 'hex')),
      (err: unknown) => err instanceof FilterError && err.kind === 'syntax',
      what,
    );
  };
  bad('unknown choice', 'aa00');
  bad('empty NOT', 'a200');
  bad('NOT with two filters', 'a20c' + '870161' + '870162' + '870163' + '870164');
  bad('substrings without pieces', 'a405040163' + '3000');
  bad('initial after any', 'a40b040163' + '3006' + '810178' + '800179');
  bad('piece after final', 'a40b040163' + '3006' + '820178' + '810179');
  bad('extensible without rule or type', 'a905' + '830378797a');
});

test('string ⇄ tree ⇄ BER round trips (property)', () => {
  fc.assert(
    fc.property(arbitraryFilter(4), (filter) => {
      const text = formatFilter(filter);
      assert.deepEqual(parseFilter(text), filter, text);
      assert.deepEqual(fromBer(toBer(filter)), filter);
      assert.equal(formatFilter(fromBer(toBer(parseFilter(text)))), text);
    }),
    { numRuns: 1000 },
  );
});

// Refused as limits, i.e. before the deep part is walked; how fast is the bench's business, and a
// test-level timeout catches a hang.
test('hostile filters are refused as limits (unwillingToPerform)', { timeout: 30_000 }, () => {
  const timed = (what: string, fn: () => unknown): void => {
    assert.throws(fn, (err: unknown) => err instanceof FilterError && err.kind === 'limit', what);
  };
  const deepText = `${'(!'.repeat(1000)}(a=b)${')'.repeat(1000)}`;
  timed('string nested 1000 deep', () => parseFilter(deepText));
  let deep: FilterNode = { type: 'present', attribute: 'a' };
  for (let i = 0; i < 1000; i++) deep = { type: i % 2 ? 'not' : 'and', ...(i % 2 ? { filter: deep } : { filters: [deep] }) } as FilterNode;
  const deepBer = toBer(deep);
  timed('BER nested 1000 deep', () => fromBer(deepBer));

  const manyPieces = `(cn=${'a*'.repeat(100_000)}a)`;
  timed('100k substring pieces (string: size limit)', () => parseFilter(manyPieces));
  const roomy = { ...defaultFilterLimits, maxBytes: 10 * 1024 * 1024 };
  timed('100k substring pieces (string: piece limit)', () => parseFilter(manyPieces, roomy));
  const piecesBer = toBer({ type: 'substrings', attribute: 'cn', any: Array.from({ length: 100_000 }, () => 'a') });
  timed('100k substring pieces (BER: size limit)', () => fromBer(piecesBer));
  timed('100k substring pieces (BER: piece limit)', () => fromBer(piecesBer, roomy));
  const wide = toBer({
    type: 'or',
    filters: Array.from({ length: 5000 }, (_, i) => ({ type: 'equalityMatch' as const, attribute: 'mail', value: String(i) })),
  });
  timed('5000-way OR (BER: element limit)', () => fromBer(wide, roomy));
});

// ---- evaluation -----------------------------------------------------------------------------

const babs: LdapEntry = {
  dn: 'cn=Babs Jensen,ou=bal,o=mssante,c=fr',
  attributes: {
    objectClass: ['top', 'person'],
    cn: ['Babs Jensen', 'Barbara  Jensen '],
    'cn;lang-fr': ['Barbe Jensen'],
    SN: ['Jensen'],
    givenName: ['Hélène'],
    age: ['42'],
    empty: [],
  },
};

function truth(text: string, entry: LdapEntry = babs, schema?: Parameters<typeof evaluate>[2]): Truth {
  return evaluate(parseFilter(text), entry, schema);
}

test('items: caseIgnore values and attribute names, spaces, subtypes, presence', () => {
  const expectations: [string, Truth][] = [
    ['(cn=babs jensen)', 'TRUE'],
    ['(CN=BABS JENSEN)', 'TRUE'],
    ['(cn=  Barbara Jensen)', 'TRUE'],
    ['(cn=Babs)', 'FALSE'],
    ['(sn=jensen)', 'TRUE'],
    ['(mail=x)', 'FALSE'],
    ['(cn=*)', 'TRUE'],
    ['(mail=*)', 'FALSE'],
    ['(empty=*)', 'FALSE'],
    ['(objectClass=*)', 'TRUE'],
    ['(cn=Barbe Jensen)', 'TRUE'],
    ['(cn;lang-fr=Barbe Jensen)', 'TRUE'],
    ['(cn;lang-fr=Babs Jensen)', 'FALSE'],
    ['(cn;lang-en=Barbe Jensen)', 'FALSE'],
    ['(givenName=hélène)', 'TRUE'],
    ['(givenName=HÉLÈNE)', 'TRUE'],
    ['(givenName=helene)', 'FALSE'],
    ['(givenName~=helene)', 'TRUE'],
    ['(sn~=JENSÉN)', 'TRUE'],
    ['(sn>=J)', 'TRUE'],
    ['(sn>=K)', 'FALSE'],
    ['(sn<=jensen)', 'TRUE'],
    ['(age>=5)', 'FALSE'],
  ];
  for (const [text, expected] of expectations) assert.equal(truth(text), expected, text);
});

test('substrings: order, no overlap with initial and final, spaces at piece edges kept', () => {
  const expectations: [string, Truth][] = [
    ['(cn=*abs*ens*)', 'TRUE'],
    ['(cn=B*s J*n)', 'TRUE'],
    ['(cn=*ens*abs*)', 'FALSE'],
    ['(cn=babs*)', 'TRUE'],
    ['(cn=*JENSEN)', 'TRUE'],
    ['(cn=Babs *)', 'TRUE'],
    ['(cn=Bab *)', 'FALSE'],
    ['(cn=Babs Jensen*n)', 'FALSE'],
    ['(cn=*s*s*s*)', 'FALSE'],
    ['(cn=*a*a*)', 'TRUE'],
  ];
  for (const [text, expected] of expectations) assert.equal(truth(text), expected, text);
  const ab: LdapEntry = { dn: 'x=1', attributes: { x: ['ab'] } };
  assert.equal(truth('(x=ab*b)', ab), 'FALSE', 'initial and final may not overlap');
  assert.equal(truth('(x=a*b)', ab), 'TRUE');
});

test('unknown attributes, ordering without a rule, extensible matches: UNDEFINED (RFC 4511 §4.5.1.7)', () => {
  const schema = createMatchingSchema([
    { names: ['cn', 'commonName', '2.5.4.3'] },
    { names: ['sn', 'surname'] },
    { names: ['age'], equality: 'integer' },
    { names: ['mail'], ordering: false },
  ]);
  const expectations: [string, Truth][] = [
    ['(unknown=x)', 'UNDEFINED'],
    ['(unknown=*)', 'FALSE'],
    ['(!(unknown=x))', 'UNDEFINED'],
    ['(commonName=babs jensen)', 'TRUE'],
    ['(2.5.4.3=babs jensen)', 'TRUE'],
    ['(surname=JENSEN)', 'TRUE'],
    ['(age>=40)', 'TRUE'],
    ['(age>=100)', 'FALSE'],
    ['(age>=5)', 'TRUE'],
    ['(age=042)', 'TRUE'],
    ['(age>=abc)', 'UNDEFINED'],
    ['(age=4*)', 'UNDEFINED'],
    ['(mail>=a)', 'UNDEFINED'],
    ['(cn:caseExactMatch:=Babs Jensen)', 'UNDEFINED'],
    ['(!(cn:=Babs Jensen))', 'UNDEFINED'],
  ];
  for (const [text, expected] of expectations) assert.equal(truth(text, babs, schema), expected, text);
});

test('AND, OR and NOT follow Kleene’s three-valued tables', () => {
  const leaves: Record<Truth, string> = { TRUE: '(cn=Babs Jensen)', FALSE: '(cn=nobody)', UNDEFINED: '(cn:=x)' };
  const values: Truth[] = ['TRUE', 'FALSE', 'UNDEFINED'];
  const and = (a: Truth, b: Truth): Truth =>
    a === 'FALSE' || b === 'FALSE' ? 'FALSE' : a === 'TRUE' && b === 'TRUE' ? 'TRUE' : 'UNDEFINED';
  const or = (a: Truth, b: Truth): Truth =>
    a === 'TRUE' || b === 'TRUE' ? 'TRUE' : a === 'FALSE' && b === 'FALSE' ? 'FALSE' : 'UNDEFINED';
  const not = (a: Truth): Truth => (a === 'TRUE' ? 'FALSE' : a === 'FALSE' ? 'TRUE' : 'UNDEFINED');
  for (const a of values) {
    assert.equal(truth(leaves[a]), a);
    assert.equal(truth(`(!${leaves[a]})`), not(a), `NOT ${a}`);
    for (const b of values) {
      assert.equal(truth(`(&${leaves[a]}${leaves[b]})`), and(a, b), `${a} AND ${b}`);
      assert.equal(truth(`(|${leaves[a]}${leaves[b]})`), or(a, b), `${a} OR ${b}`);
    }
  }
  assert.equal(truth('(&)'), 'TRUE');
  assert.equal(truth('(|)'), 'FALSE');
  assert.equal(matches(parseFilter('(cn:=x)'), babs), false, 'UNDEFINED does not select');
  assert.equal(matches(parseFilter('(!(cn:=x))'), babs), false, 'nor does its negation');
});

test('NOT of an item is the complement of the item wherever the item is defined (property)', () => {
  fc.assert(
    fc.property(arbitraryFilter(3), (filter) => {
      const a = evaluate(filter, babs);
      const b = evaluate({ type: 'not', filter }, babs);
      assert.equal(b, a === 'TRUE' ? 'FALSE' : a === 'FALSE' ? 'TRUE' : 'UNDEFINED');
    }),
    { numRuns: 500 },
  );
});

test('hidden attributes become absolute FALSE before anyone evaluates them', () => {
  const hidden = new Set(['telephonenumber']);
  const entry: LdapEntry = { dn: 'cn=x', attributes: { cn: ['x'], telephoneNumber: ['0612345678'] } };
  const check = (text: string, expected: Truth): void =>
    assert.equal(evaluate(hideAttributes(parseFilter(text), hidden), entry), expected, text);
  check('(telephoneNumber=0612345678)', 'FALSE');
  check('(TelephoneNumber;x=0612*)', 'FALSE');
  check('(telephoneNumber=*)', 'FALSE');
  check('(!(telephoneNumber=0612345678))', 'TRUE');
  check('(!(telephoneNumber=0000))', 'TRUE');
  check('(&(cn=x)(telephoneNumber:=0612345678))', 'FALSE');
  const untouched = parseFilter('(&(cn=x)(sn=y))');
  assert.equal(hideAttributes(untouched, hidden), untouched, 'filters without hidden attributes are kept as they are');
});
