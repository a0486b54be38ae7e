import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createMatchingSchema } from '../src/ldap/filter-match.ts';
import { parseFilter } from '../src/ldap/filter-string.ts';
import type { FilterNode } from '../src/ldap/filter.ts';
import { IndexedEntrySource } from '../src/ldap/indexed-source.ts';
import { MemoryEntrySource } from '../src/ldap/memory-source.ts';
import { type LdapEntry, type LdapEntrySource, VERIFIED } from '../src/ldap/source.ts';

const BASE = 'ou=bal,o=mssante,c=fr';
const WORDS = ['Dupont', 'dupond', 'Dupuis', 'Martin', 'martine', 'Hélène', 'HELENE', 'Jean  Pierre', ' jean', 'Lefèvre', 'x'];

async function dns(source: LdapEntrySource, filter: FilterNode, baseDn = BASE, scope: 'base' | 'one' | 'sub' = 'sub'): Promise<string[]> {
  const out: string[] = [];
  for await (const e of source.search({ baseDn, scope, filter, signal: new AbortController().signal })) out.push(e.dn);
  return out;
}

const entry = (i: number, attrs: Record<string, string[]>): LdapEntry => ({
  dn: `uid=${i},${BASE}`,
  attributes: { uid: [String(i)], ...attrs },
});

test('indexed and scanning sources agree on every filter, including aliases, case, spaces and accents', async () => {
  const schema = createMatchingSchema([
    { names: ['sn', 'surname'] },
    { names: ['cn', 'commonName'] },
    { names: ['mail'] },
    { names: ['uid'] },
    { names: ['givenName', 'gn'] },
    { names: ['employeeNumber'], equality: 'caseExact' },
  ]);
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ sn: fc.subarray(WORDS), cn: fc.subarray(WORDS), gn: fc.subarray(WORDS) }), { maxLength: 25 }),
      fc.array(
        fc.tuple(
          fc.constantFrom('sn', 'surname', 'cn', 'commonName', 'gn', 'uid', 'mail', 'employeeNumber'),
          fc.constantFrom(...WORDS, 'dup', 'DUP', 'mart', 'jean ', ' jean p', '1'),
          fc.constantFrom('=', '=*', '~=', '>=', 'pre', 'any', 'present', 'not'),
        ),
        { minLength: 1, maxLength: 3 },
      ),
      fc.constantFrom('&', '|'),
      async (rows, items, op) => {
        const entries = rows.map((r, i) => entry(i, { sn: r.sn, CN: r.cn, givenName: r.gn, employeeNumber: [`E${i}`] }));
        const parts = items.map(([a, v, kind]) => {
          const e = v.replace(/[()*\\]/g, '');
          if (kind === 'present') return `(${a}=*)`;
          if (kind === 'not') return `(!(${a}=${e}))`;
          if (kind === 'pre') return `(${a}=${e}*)`;
          if (kind === 'any') return `(${a}=*${e}*)`;
          if (kind === '=*') return `(${a}=${e}*end)`;
          return `(${a}${kind}${e})`;
        });
        const filter = parseFilter(parts.length === 1 ? parts[0]! : `(${op}${parts.join('')})`);
        const expected = await dns(new MemoryEntrySource(entries, { schema }), filter);
        const got = await dns(new IndexedEntrySource(entries, { schema }), filter);
        assert.deepEqual(got, expected, JSON.stringify(filter));
      },
    ),
    { numRuns: 300 },
  );
});

test('equality and prefix searches use the indexes: candidates are few, results in load order', () => {
  const entries = Array.from({ length: 5000 }, (_, i) =>
    entry(i, { sn: [i % 2 ? `Dupont${i}` : `Martin${i}`], mail: [`p${i}@operateur-a.mssante.fr`] }),
  );
  const source = new IndexedEntrySource(entries);
  assert.deepEqual(source.candidates(parseFilter('(mail=P42@Operateur-A.mssante.fr)')), [42]);
  assert.deepEqual(source.candidates(parseFilter('(mail=nobody@x)')), []);
  const dup = source.candidates(parseFilter('(sn=dupont1*)'));
  assert.ok(Array.isArray(dup) && dup.length === 556 && dup.every((id, i) => i === 0 || id > dup[i - 1]!));
  assert.deepEqual(source.candidates(parseFilter('(&(objectClass=*)(mail=p7@operateur-a.mssante.fr))')), [7], 'AND: the indexed branch');
  assert.deepEqual(
    source.candidates(parseFilter('(&(sn=dupont1*)(mail=p15@operateur-a.mssante.fr))')),
    [15],
    'AND: the intersection of its indexed branches',
  );
  assert.deepEqual(source.candidates(parseFilter('(&(sn=dupont1*)(mail=p2@operateur-a.mssante.fr))')), [], 'AND: an empty intersection');
  assert.deepEqual(
    source.candidates(parseFilter('(|(mail=p3@operateur-a.mssante.fr)(mail=p1@operateur-a.mssante.fr)(uid=2))')),
    [1, 2, 3],
    'OR: the union, in load order',
  );
  assert.equal(
    source.candidates(parseFilter('(|(mail=p3@operateur-a.mssante.fr)(description=x))')),
    'all',
    'OR with an unindexed branch scans',
  );
  assert.equal(source.candidates(parseFilter('(sn=*pont*)')), 'all', 'no initial piece: scan');
  assert.deepEqual(source.candidates(parseFilter('(|)')), [], 'absolute FALSE: nothing');
});

test('AND walks its smallest indexed branch and checks the others by membership, multi-valued attributes included', async () => {
  // Entry i: sn Name<i % 50> (and a second surname on every 7th), givenName G<i % 20>, cn by prefix groups.
  const entries = Array.from({ length: 3000 }, (_, i) =>
    entry(i, {
      sn: i % 7 === 0 ? [`Name${i % 50}`, 'Second'] : [`Name${i % 50}`],
      givenName: [`G${i % 20}`],
      cn: [`${i % 3 ? 'dup' : 'mar'}${i}`],
      objectClass: ['top', 'inetOrgPerson'],
    }),
  );
  const source = new IndexedEntrySource(entries);
  const memory = new MemoryEntrySource(entries);
  const filters = [
    '(&(objectClass=inetOrgPerson)(sn=name10)(givenName=g10))',
    '(&(sn=second)(givenName=g0))',
    '(&(sn=second)(sn=name14))',
    '(&(cn=dup*)(sn=second)(givenName=G3))',
    '(&(cn=mar*)(|(sn=name3)(sn=name6))(givenName=g6))',
    '(&(cn=du*)(!(sn=second)))',
    '(&(objectClass=*)(sn=name1*))',
    '(&(sn=name1*)(sn=name2*))',
    '(&(sn=nobody)(givenName=g1))',
  ];
  for (const f of filters) {
    const filter = parseFilter(f);
    const expected = await dns(memory, filter);
    assert.deepEqual(await dns(source, filter), expected, f);
    const c = source.candidates(filter);
    if (c !== 'all') assert.ok(expected.every((dn) => c.includes(Number(dn.slice(4, dn.indexOf(',')))), f + ': candidates are a superset'));
  }
  assert.deepEqual(
    source.candidates(parseFilter('(&(sn=second)(sn=name14))')),
    [14 * 7 * 0 + 14, 14 + 350, 14 + 700, 14 + 1050, 14 + 1400, 14 + 1750, 14 + 2100, 14 + 2450, 14 + 2800].filter(
      (i) => i % 7 === 0 && i % 50 === 14,
    ),
  );
  // A synchronous iterable: the server pulls entries without a promise each.
  const produced = source.search({ baseDn: BASE, scope: 'sub', filter: parseFilter('(sn=name1)'), signal: new AbortController().signal });
  assert.equal(typeof (produced as Iterable<LdapEntry>)[Symbol.iterator], 'function');
});

test('an aborted search stops pulling, even in the middle of a large candidate list', () => {
  const entries = Array.from({ length: 5000 }, (_, i) => entry(i, { sn: ['Same'] }));
  const source = new IndexedEntrySource(entries);
  const controller = new AbortController();
  let n = 0;
  for (const _ of source.search({
    baseDn: BASE,
    scope: 'sub',
    filter: parseFilter('(&(objectClass=*)(sn=same))'),
    signal: controller.signal,
  }) as Iterable<LdapEntry>) {
    if (++n === 10) controller.abort();
  }
  assert.equal(n, 10);
});

test("in-memory sources mark their results VERIFIED only for the server's own matching rules", () => {
  const entries = [entry(1, { sn: ['Martin'] })];
  const schema = createMatchingSchema([{ names: ['sn', 'surname'] }]);
  const request = (s?: typeof schema) => ({
    baseDn: BASE,
    scope: 'sub' as const,
    filter: parseFilter('(sn=martin)'),
    signal: new AbortController().signal,
    schema: s,
  });
  for (const source of [new IndexedEntrySource(entries), new MemoryEntrySource(entries)]) {
    assert.equal((source.search(request()) as { [VERIFIED]?: boolean })[VERIFIED], true, 'same rules: the server need not check again');
    assert.equal(
      (source.search(request(schema)) as { [VERIFIED]?: boolean })[VERIFIED],
      undefined,
      'other rules: the server checks every entry',
    );
  }
});

test('scopes base, one and sub agree with the scanning source at every level of the tree', async () => {
  const entries: LdapEntry[] = [
    { dn: 'o=mssante,c=fr', attributes: { objectClass: ['organization'], o: ['mssante'] } },
    { dn: 'ou=bal,o=mssante,c=fr', attributes: { objectClass: ['organizationalUnit'], ou: ['bal'], sn: ['Martin'] } },
    { dn: 'ou=other,o=mssante,c=fr', attributes: { objectClass: ['organizationalUnit'], ou: ['other'], sn: ['Martin'] } },
    ...Array.from({ length: 30 }, (_, i) => entry(i, { sn: ['Martin'] })),
    { dn: 'cn=deep,uid=3,ou=bal,o=mssante,c=fr', attributes: { sn: ['Martin'] } },
    { dn: 'uid=9,ou=other,o=mssante,c=fr', attributes: { sn: ['Martin'] } },
  ];
  const indexed = new IndexedEntrySource(entries);
  const memory = new MemoryEntrySource(entries);
  for (const base of ['', 'c=fr', 'o=mssante,c=fr', 'ou=bal,o=mssante,c=fr', 'uid=3,ou=bal,o=mssante,c=fr', 'ou=nowhere,o=mssante,c=fr']) {
    for (const scope of ['base', 'one', 'sub'] as const) {
      for (const f of ['(sn=martin)', '(objectClass=*)']) {
        assert.deepEqual(
          await dns(indexed, parseFilter(f), base, scope),
          await dns(memory, parseFilter(f), base, scope),
          `${base} ${scope} ${f}`,
        );
      }
    }
  }
});

test('objectClass is kept as per-entry flags: exact, never a list to intersect, unknown beyond 32 values', async () => {
  const entries = Array.from({ length: 400 }, (_, i) =>
    entry(i, { objectClass: i % 4 ? ['top', 'inetOrgPerson', `Extra${i % 40}`] : ['top', 'organizationalUnit'], sn: [`Name${i % 9}`] }),
  );
  const indexed = new IndexedEntrySource(entries);
  const memory = new MemoryEntrySource(entries);
  for (const f of [
    '(objectClass=inetOrgPerson)',
    '(objectClass=INETORGPERSON)',
    '(&(objectClass=inetOrgPerson)(sn=name3))',
    '(&(objectClass=organizationalUnit)(sn=name3))',
    '(&(objectClass=*)(objectClass=top)(sn=name2))',
    '(&(objectClass=extra39)(sn=name3))',
    '(&(objectClass=extra1)(sn=name1))',
    '(|(objectClass=nothing)(sn=name5))',
    '(!(objectClass=inetOrgPerson))',
  ]) {
    assert.deepEqual(await dns(indexed, parseFilter(f)), await dns(memory, parseFilter(f)), f);
  }
  const and = indexed.candidates(parseFilter('(&(objectClass=inetOrgPerson)(sn=name3))'));
  assert.ok(
    Array.isArray(and) && and.length === (await dns(memory, parseFilter('(&(objectClass=inetOrgPerson)(sn=name3))'))).length,
    'the flags narrow the candidates exactly',
  );
});
