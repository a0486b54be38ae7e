/**
 * The operator listing's "part of the address" search (issue #20) through the trigram index of
 * migration 0019 (FTS5 `trigram` on SQLite, `pg_trgm` GIN on PostgreSQL): the same rows, in the
 * same order, as a plain substring test of the lower-cased address, whatever the part holds
 * (LIKE and FTS5 metacharacters, quotes, non-ASCII letters, one or two characters, which have no
 * trigram), and kept in step when addresses are added, changed or deleted.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openTestStore, ENGINE } from './harness.ts';
import type { Store } from '../src/index.ts';

const D = 'operateur-a.mssante.fr';
const LOCAL_PARTS = [
  'anne_b',
  'annexb',
  'a%b.percent',
  'back\\slash',
  '"jean dupont"',
  'quote"inside',
  'Élodie.MÜLLER',
  'élodie.muller',
  'cabinet.lilas',
  'paul.martin',
  'paul.martin2',
  'xyz',
  'ab',
];

describe(`address search on ${ENGINE}`, () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  const statements: string[] = [];
  before(async () => {
    ({ store, cleanup } = await openTestStore({ onStatement: (s) => statements.push(s) }));
    for (const local of LOCAL_PARTS) await store.mailboxes.create({ address: `${local}@${D}`, type: 'PER', ownerIdnat: '810000001916' });
  });
  after(async () => cleanup());

  /** What the search must answer: every mailbox whose lower-cased address holds the part, in listing order. */
  async function expected(part: string): Promise<number[]> {
    const all = await store.mailboxListing.page({}, undefined, 100_000);
    return all.filter((m) => m.address_key.includes(part.toLowerCase())).map((m) => m.id);
  }
  async function search(part: string, limit = 100_000): Promise<number[]> {
    return (await store.mailboxListing.page({ addressContains: part }, undefined, limit)).map((m) => m.id);
  }

  test('every part of every address, and parts found nowhere, give exactly the substring matches', async () => {
    const parts = new Set<string>(['%', '_', '\\', '"', '""', '*', 'NEAR', 'a%b', 'e_b', '^an', 'ü', 'ÉLO', 'zz9', '@', `@${D}`]);
    for (const local of LOCAL_PARTS) {
      const chars = [...`${local}@${D}`.toLowerCase()];
      for (let n = 1; n <= 5; n++) for (let i = 0; i + n <= chars.length; i += 3) parts.add(chars.slice(i, i + n).join(''));
      parts.add(local.toUpperCase());
    }
    for (const part of parts) assert.deepEqual(await search(part), await expected(part), `part ${JSON.stringify(part)}`);
  });

  test('one or two characters have no trigram: the search walks the listing instead (same answer)', async () => {
    statements.length = 0;
    assert.deepEqual(await search('ab'), await expected('ab'));
    assert.ok(
      statements.every((s) => !s.includes('address_trigrams')),
      'no trigram lookup for a part of two characters',
    );
  });

  test('a rare part of three characters or more is looked up in the trigram index (SQLite)', { skip: ENGINE !== 'sqlite' }, async () => {
    statements.length = 0;
    assert.deepEqual(await search('martin'), await expected('martin'));
    assert.equal(statements.filter((s) => s.includes('mailboxes_address_trigrams')).length, 2, statements.join('\n'));
  });

  test('PostgreSQL has the pg_trgm GIN index on address_key', { skip: ENGINE !== 'postgres' }, async () => {
    const { rows } = await sql<{ indexdef: string }>`select indexdef from pg_indexes
      where schemaname = current_schema() and indexname = 'mailboxes_address_trigrams'`.execute(store.kysely);
    assert.match(rows[0]?.indexdef ?? 'missing', /USING gin \(address_key \S*gin_trgm_ops\)/);
  });

  test('the index follows changed and deleted addresses', async () => {
    const row = await store.mailboxes.create({ address: `renamed-before@${D}`, type: 'CAB', ownerIdnat: '810000001916' });
    assert.deepEqual(await search('before'), [row.id]);
    await sql`update mailboxes set address = ${`renamed-after@${D}`}, address_key = ${`renamed-after@${D}`} where id = ${row.id}`.execute(
      store.kysely,
    );
    assert.deepEqual(await search('before'), []);
    assert.deepEqual(await search('after'), [row.id]);
    await sql`delete from mailboxes where id = ${row.id}`.execute(store.kysely);
    assert.deepEqual(await search('after'), []);
    if (ENGINE === 'sqlite') {
      // FTS5 compares its index with the mailboxes' rows and throws on any difference.
      await sql`insert into mailboxes_address_trigrams(mailboxes_address_trigrams, rank) values ('integrity-check', 1)`.execute(
        store.kysely,
      );
    }
  });

  test('a part held by more addresses than the index is worth (2,000) is found by the walk, paged without gap or repeat', async () => {
    await store.transaction((tx) =>
      tx.mailboxes.createMany(
        Array.from({ length: 2100 }, (_, i) => ({ address: `commun-${i}@${D}`, type: 'PER' as const, ownerIdnat: '810000001916' })),
      ),
    );
    const all = await expected('commun-');
    assert.equal(all.length, 2100);
    statements.length = 0;
    const pages: number[] = [];
    for (let after: { at: string; id: number } | undefined; ; ) {
      const page = await store.mailboxListing.page({ addressContains: 'COMMUN-' }, after, 500);
      pages.push(...page.map((m) => m.id));
      if (page.length < 500) break;
      after = { at: page.at(-1)!.created_at, id: page.at(-1)!.id };
    }
    assert.deepEqual(pages, all);
    if (ENGINE === 'sqlite') {
      const lookups = statements.filter((s) => s.includes('mailboxes_address_trigrams'));
      assert.ok(
        lookups.length > 0 && lookups.every((s) => !s.includes('"mailboxes" as "m"')),
        'the index only counted; the walk found the rows',
      );
    }
    // commun-209 and commun-2090 to 2099: few enough for the index.
    assert.equal((await search('commun-209')).length, 11);
    assert.deepEqual(await search('commun-209'), await expected('commun-209'));
  });
});
