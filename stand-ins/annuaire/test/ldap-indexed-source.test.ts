import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createMatchingSchema } from '../src/ldap/filter-match.ts';
import { parseFilter } from '../src/ldap/filter-string.ts';
import type { FilterNode } from '../src/ldap/filter.ts';
import { IndexedEntrySource } from '../src/ldap/indexed-source.ts';
import { MemoryEntrySource } from '../src/ldap/memory-source.ts';
import type { LdapEntry, LdapEntrySource } from '../src/ldap/source.ts';

const BASE = 'ou=bal,o=mssante,c=fr';
const WORDS = ['Dupont', 'dupond', 'Dupuis', 'Martin', 'martine', 'Hélène', 'HELENE', 'Jean  Pierre', ' jean', 'Lefèvre', 'x'];

async function dns(source: LdapEntrySource, filter: FilterNode, baseDn = BASE, scope: 'base' | 'one' | 'sub' = 'sub'): Promise<string[]> {
  const out: string[] = [];
  for await (const e of source.search({ baseDn, scope, filter, signal: new AbortController().signal })) out.push(e.dn);
  return out;
}

const entry = (i: number, attrs: Record<string, string[]>): LdapEntry => ({ dn: `uid=${i},${BASE}`, attributes: { uid: [String(i)], ...attrs } });

test('indexed and scanning sources agree on every filter, including aliases, case, spaces and accents', async () => {
  const schema = createMatchingSchema([{ names: ['sn', 'surname'] }, { names: ['cn', 'commonName'] }, { names: ['mail'] }, { names: ['uid'] }, { names: ['givenName', 'gn'] }, { names: ['employeeNumber'], equality: 'caseExact' }]);
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ sn: fc.subarray(WORDS), cn: fc.subarray(WORDS), gn: fc.subarray(WORDS) }), { maxLength: 25 }),
      fc.array(fc.tuple(fc.constantFrom('sn', 'surname', 'cn', 'commonName', 'gn', 'uid', 'mail', 'employeeNumber'), fc.constantFrom(...WORDS, 'dup', 'DUP', 'mart', 'jean ', ' jean p', '1'), fc.constantFrom('=', '=*', '~=', '>=', 'pre', 'any', 'present', 'not')), { minLength: 1, maxLength: 3 }),
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
  const entries = Array.from({ length: 5000 }, (_, i) => entry(i, { sn: [i % 2 ? `Dupont${i}` : `Martin${i}`], mail: [`p${i}@operateur-a.mssante.fr`] }));
  const source = new IndexedEntrySource(entries);
  assert.deepEqual(source.candidates(parseFilter('(mail=P42@Operateur-A.mssante.fr)')), [42]);
  assert.deepEqual(source.candidates(parseFilter('(mail=nobody@x)')), []);
  const dup = source.candidates(parseFilter('(sn=dupont1*)'));
  assert.ok(Array.isArray(dup) && dup.length === 556 && dup.every((id, i) => i === 0 || id > dup[i - 1]!));
  assert.deepEqual(source.candidates(parseFilter('(&(objectClass=*)(mail=p7@operateur-a.mssante.fr))')), [7], 'AND: the indexed branch');
  assert.deepEqual(source.candidates(parseFilter('(&(sn=dupont1*)(mail=p15@operateur-a.mssante.fr))')), [15], 'AND: the intersection of its indexed branches');
  assert.deepEqual(source.candidates(parseFilter('(&(sn=dupont1*)(mail=p2@operateur-a.mssante.fr))')), [], 'AND: an empty intersection');
  assert.deepEqual(source.candidates(parseFilter('(|(mail=p3@operateur-a.mssante.fr)(mail=p1@operateur-a.mssante.fr)(uid=2))')), [1, 2, 3], 'OR: the union, in load order');
  assert.equal(source.candidates(parseFilter('(|(mail=p3@operateur-a.mssante.fr)(description=x))')), 'all', 'OR with an unindexed branch scans');
  assert.equal(source.candidates(parseFilter('(sn=*pont*)')), 'all', 'no initial piece: scan');
  assert.deepEqual(source.candidates(parseFilter('(|)')), [], 'absolute FALSE: nothing');
});
