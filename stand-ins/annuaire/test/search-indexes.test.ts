// The Annuaire's migrations (0001-search-indexes above all): the same answers with and without
// them, and on SQLite the planner really uses them (the name index is an expression that must
// match the query's text exactly).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledQuery, type Kysely } from 'kysely';
import type { Store } from '@mss/store';
import { openTestStore, TEST_ENGINE } from '@mss/store/testing';
import { seedDemo, seedDirectory } from '@mss/seed';
import { AnnuaireRepos, migrateAnnuaire } from '../src/index.ts';

let store: Store;
let cleanup: () => Promise<void>;
// The store keeps its Kysely instance private; reaching it is fine for a test of the schema.
const dbOf = (s: Store) => (s as unknown as { db: Kysely<any> }).db;

const read = (s: Store) => new AnnuaireRepos(s).search;
const searches: [string, (s: Store) => Promise<unknown>][] = [
  ['family prefix', (s) => read(s).searchPractitioners({ family: [[{ value: 'lefèv', mode: 'prefix' }]] }, { limit: 51 })],
  [
    'family + given',
    (s) =>
      read(s).searchPractitioners(
        { family: [[{ value: 'MARTIN', mode: 'prefix' }]], given: [[{ value: 'paul', mode: 'prefix' }]] },
        { limit: 51 },
      ),
  ],
  ['given', (s) => read(s).searchPractitioners({ given: [[{ value: 'Emi', mode: 'prefix' }]] }, { limit: 51 })],
  ['delta', (s) => read(s).searchPractitioners({ updated: [{ op: '>=', at: '2000-01-01' }] }, { limit: 51 })],
  ['qualification', (s) => read(s).searchPractitioners({ qualification: [[{ field: 'profession', code: '60' }]] }, { limit: 51 })],
  ['organization name', (s) => read(s).searchStructures({ name: [[{ value: 'centre hosp', mode: 'prefix' }]] }, { limit: 51 })],
  ['count family', (s) => read(s).countPractitioners({ family: [[{ value: 'ber', mode: 'prefix' }]] })],
];

before(async () => {
  ({ store, cleanup } = await openTestStore());
  await seedDemo(store, 'operateur-a.mssante.fr');
  await seedDirectory(store, { seed: 3, professionals: 300, operatorDomain: 'operateur-a.mssante.fr' });
});
after(async () => {
  await cleanup?.();
});

test('the same answers with the Annuaire’s indexes as without', async () => {
  const without = await Promise.all(searches.map(([, f]) => f(store)));
  assert.deepEqual((await migrateAnnuaire(store)).applied, [
    '0001-search-indexes',
    '0002-published-pages',
    '0003-place-indexes',
    '0004-change-feed',
  ]);
  const withIndexes = await Promise.all(searches.map(([, f]) => f(store)));
  for (let i = 0; i < searches.length; i++) assert.deepEqual(withIndexes[i], without[i], searches[i]![0]);
  assert.ok((without[0] as unknown[]).length >= 1, 'Lefèvre is found by an unaccented, lower-case prefix');
});

test('SQLite plans: name, delta and qualification searches go through their indexes, names from the index alone', {
  skip: TEST_ENGINE !== 'sqlite' && 'SQLite query plans only',
}, async () => {
  const db = dbOf(store);
  const executor = db.getExecutor();
  const plans: string[] = [];
  const original = executor.executeQuery.bind(executor);
  executor.executeQuery = (async (query: CompiledQuery) => {
    // The queries a filter's index drives: the page's keys (and their count) or a count; not
    // the fetch of a page's rows by key that follows.
    if (/^select (\*|count|k, count)/.test(query.sql) && !/^select \* from "\w+" where "\w+" in \(/.test(query.sql)) {
      const plan = await original(CompiledQuery.raw(`EXPLAIN QUERY PLAN ${query.sql}`, [...query.parameters]));
      plans.push((plan.rows as { detail: string }[]).map((r) => r.detail).join('; '));
    }
    return original(query);
  }) as typeof executor.executeQuery;
  try {
    for (const [, f] of searches) await f(store);
  } finally {
    executor.executeQuery = original;
  }
  const [family, familyGiven, given, delta, qualification, orgName, count] = plans;
  assert.match(family!, /USING COVERING INDEX persons_family_folded/);
  assert.match(familyGiven!, /USING COVERING INDEX persons_(family|given)_folded/);
  assert.match(given!, /USING COVERING INDEX persons_given_folded/);
  assert.match(delta!, /persons_updated.*mailboxes_updated/);
  assert.match(qualification!, /USING (COVERING )?INDEX persons_profession/);
  assert.match(orgName!, /USING COVERING INDEX structures_name_folded/);
  assert.match(count!, /USING COVERING INDEX persons_family_folded/);
});
