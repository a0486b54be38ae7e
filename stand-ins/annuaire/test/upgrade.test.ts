// A database the Annuaire stand-in used before its tables left @mss/store: the store's former
// migrations 0006-directory-search, 0007-directory-pages, 0016-directory-address and
// 0018-directory-changes made its search indexes, counters and change feed, and are recorded in
// `mss_migrations`. Opened by this version, nothing is applied twice (each would fail: its indexes,
// tables and triggers exist), both sets record the work as done, and the data is served as before.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { seedDemo } from '@mss/seed';
import { Store } from '@mss/store';
import { openTestStore } from '@mss/store/testing';
import { ANNUAIRE_MIGRATIONS, AnnuaireRepos, migrateAnnuaire } from '../src/index.ts';

const DOMAIN = 'operateur-a.mssante.fr';
const FORMER = ['0006-directory-search', '0007-directory-pages', '0016-directory-address', '0018-directory-changes'];
const SPLIT = ['0016-operator-listing', '0018-directory-sync'];

let opened: Awaited<ReturnType<typeof openTestStore>>;

/** Rewrites a fresh store into what the former layout left: the same objects, the former names. */
async function formerLayout(store: Store): Promise<void> {
  await seedDemo(store, DOMAIN);
  const db = store.kysely;
  for (const m of ANNUAIRE_MIGRATIONS.migrations) await m.up(db, store.engine, { readBlob: () => Promise.reject(new Error('no blobs')) });
  await sql`delete from mss_migrations where name in (${sql.join(SPLIT)})`.execute(db);
  const at = new Date().toISOString();
  for (const name of FORMER) await sql`insert into mss_migrations (name, timestamp) values (${name}, ${at})`.execute(db);
}

before(async () => {
  opened = await openTestStore();
  await formerLayout(opened.store);
  await new AnnuaireRepos(opened.store).feed.enable();
});
after(async () => {
  await opened.cleanup();
});

test('a database of the former layout opens: the store records its split migrations without running them', async () => {
  const again = await Store.open({ dataDir: opened.dataDir, databaseUrl: opened.databaseUrl });
  try {
    assert.deepEqual(again.migration?.applied, SPLIT, 'recorded (had they run, each would have failed on what exists)');
    const annuaire = await migrateAnnuaire(again);
    assert.deepEqual(
      annuaire.applied,
      ANNUAIRE_MIGRATIONS.migrations.map((m) => m.name),
      'the Annuaire’s set records the former migrations’ work as its own',
    );
    assert.deepEqual((await migrateAnnuaire(again)).applied, [], 'and a second run applies nothing');
    assert.deepEqual((await again.migrate()).applied, []);

    // The directory is served as before: a search through the folded-name index, the counters,
    // and the change feed, still enabled, recording a new change after its baseline.
    const repos = new AnnuaireRepos(again);
    const found = await repos.search.pagePractitioners({ family: [[{ value: 'martin', mode: 'prefix' }]] }, { limit: 10 }, true);
    assert.ok(found.rows.some((p) => p.last_name === 'Martin'));
    const all = await repos.search.pagePractitioners({}, { limit: 1 }, true);
    assert.equal(all.total, (await again.directory.persons((await again.directory.searchPersons('', 1000)).map((p) => p.idnat))).length);
    const before = await repos.feed.state();
    assert.equal(before.enabled, true);
    const [gp] = await again.directory.searchPersons('martin', 1);
    await again.directory.upsertPersons([{ ...gp!, first_name: 'Paul-Henri' }]);
    const changes = await repos.feed.changesAfter(before.head, 10);
    assert.deepEqual(
      changes.map((c) => [c.resource_type, c.resource_id]),
      [['Practitioner', gp!.idnat]],
    );
  } finally {
    await again.close();
  }
});
