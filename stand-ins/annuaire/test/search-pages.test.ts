// Migration 0002-published-pages and bounded search work: the page taken from the filter's index with its total
// counted on the way, the walk in key order once matches are many, dense mailbox prefixes tested
// per candidate, and the counters kept by triggers. Every path gives the same answers; the
// thresholds are lowered here so that a small directory takes all of them.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { TEST_ENGINE } from '@mss/store/testing';
import { AnnuaireRepos, directorySearchLimits } from '../src/index.ts';
import { entries, startHttpWorld, type HttpWorld } from './support/http-world.ts';

let w: HttpWorld;
const dbOf = (w: HttpWorld) => (w.store as unknown as { db: Kysely<any> }).db;
const defaults = { ...directorySearchLimits };

async function ok(path: string): Promise<any> {
  const r = await w.fhir(path);
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Every page by `next` links (`_count=7`, so that there are several), and the first page's total. */
async function walk(path: string): Promise<{ ids: string[]; total: number | undefined }> {
  let url: string | undefined = `${path}${path.includes('?') ? '&' : '?'}_count=7`;
  const ids: string[] = [];
  let total: number | undefined;
  let first = true;
  while (url) {
    const b = await ok(url);
    if (first) total = b.total;
    else assert.equal(b.total, undefined, 'later pages carry no total');
    first = false;
    ids.push(...entries(b).map((r: any) => r.id));
    url = b.link.find((l: any) => l.relation === 'next')?.url;
  }
  return { ids, total };
}

before(async () => {
  w = await startHttpWorld({ professionals: 400 });
});
after(async () => {
  Object.assign(directorySearchLimits, defaults);
  await w?.close();
});

/** A 1–2 letter name prefix may match most of the directory: its total comes only when asked. */
const broad = (path: string) => /(family|given|name)=[^&]{1,2}(&|$)/.test(path);

const SEARCHES = [
  '/Practitioner?family=mar',
  '/Practitioner?family=ber&given=a',
  '/Practitioner?family=mar&given=m',
  '/Practitioner?family=MARTIN&given=Jé',
  '/Practitioner?family=ber&given=a&given=an',
  '/Practitioner?family=ber,mar&given=a',
  '/PractitionerRole?family=mar&given=m',
  '/Practitioner?given=marie',
  '/Practitioner?mailbox-mss=cabinet.',
  '/Practitioner?mailbox-mss=cabinet.,paul.',
  '/PractitionerRole?mailbox-mss=cabinet.',
  '/PractitionerRole?mailbox-mss=cabinet.&family=l',
  '/PractitionerRole?family=martin',
  '/Practitioner?qualification-code=10',
  '/Practitioner?_lastUpdated=ge2000-01-01',
  '/Organization?name=cent',
  '/Practitioner',
  '/PractitionerRole',
  '/Organization',
];

describe('bounded paging', () => {
  test('the same pages, in the same order, whichever path a search takes; totals exact or left out', async () => {
    for (const path of SEARCHES) {
      Object.assign(directorySearchLimits, defaults);
      const usual = await walk(path);
      const accurate = (await ok(`${path}${path.includes('?') ? '&' : '?'}_total=accurate&_count=0`)).total;
      assert.equal(accurate, usual.ids.length, `${path}: _total=accurate counts every match`);
      if (!broad(path)) assert.equal(usual.total, usual.ids.length, `${path}: few matches, the total comes without asking`);
      assert.equal(new Set(usual.ids).size, usual.ids.length, `${path}: no entry twice`);

      // Thresholds so low that no total is counted on the way and every mailbox prefix is
      // dense; names without the skip scan.
      Object.assign(directorySearchLimits, { mailboxList: 1, cheapTotal: 2, walkTotal: 2, nameSkipScan: false });
      const bounded = await walk(path);
      assert.deepEqual(bounded.ids, usual.ids, `${path}: the walk finds the same entries in the same order`);
      const unrestricted = !path.includes('?');
      if (bounded.ids.length > 2 && !unrestricted) assert.equal(bounded.total, undefined, `${path}: many matches, no total unless asked`);
      else if (!broad(path)) assert.equal(bounded.total, bounded.ids.length, `${path}: total when few, or from the counters`);
      assert.equal(
        (await ok(`${path}${path.includes('?') ? '&' : '?'}_total=accurate&_count=1`)).total,
        usual.ids.length,
        `${path}: _total=accurate`,
      );
    }
    Object.assign(directorySearchLimits, defaults);
  });

  test('a dense mailbox prefix gives the same answer as listing its owners, on every page', async () => {
    const listed = await walk('/PractitionerRole?mailbox-mss=cabinet.');
    assert.ok(listed.ids.length >= 3, 'the seeded directory has cabinet mailboxes');
    Object.assign(directorySearchLimits, { mailboxList: 1 });
    try {
      assert.deepEqual((await walk('/PractitionerRole?mailbox-mss=cabinet.')).ids, listed.ids);
      assert.deepEqual(
        (await walk('/Practitioner?mailbox-mss=cabinet.')).ids,
        (Object.assign(directorySearchLimits, defaults), await walk('/Practitioner?mailbox-mss=cabinet.')).ids,
      );
    } finally {
      Object.assign(directorySearchLimits, defaults);
    }
  });
});

describe('directory counters (migration 0002-published-pages)', () => {
  const counts = async () => {
    const db = dbOf(w);
    const n = async (q: string) => Number(((await sql.raw(q).execute(db)).rows[0] as { n: number | string }).n);
    return {
      kept: await n(`select n from directory_counts where name = 'practitioners'`),
      real: await n(`select count(*) as n from persons where kind <> 'PATIENT'`),
      structures: [await n(`select n from directory_counts where name = 'structures'`), await n(`select count(*) as n from structures`)],
      situations: [await n(`select n from directory_counts where name = 'situations'`), await n(`select count(*) as n from situations`)],
    };
  };

  test('they follow inserts, upserts, changes of kind and deletes', async () => {
    let c = await counts();
    assert.equal(c.kept, c.real);
    assert.equal(c.structures[0], c.structures[1]);
    assert.equal(c.situations[0], c.situations[1]);
    assert.equal((await ok('/Practitioner?_count=1')).total, c.real, 'an unrestricted search reads its total from the counter');

    const person = (idnat: string, kind: 'PS' | 'PATIENT') => ({
      idnat,
      kind,
      id_type: 'RPPS' as const,
      rpps: idnat.slice(1),
      civility: null,
      last_name: 'Compteur',
      first_name: 'Test',
      profession_code: null,
      profession_label: null,
      category_code: null,
      speciality_code: null,
      speciality_label: null,
    });
    await w.store.directory.upsertPersons([person('899999999991', 'PS'), person('899999999992', 'PATIENT'), person('899999999993', 'PS')]);
    c = await counts();
    assert.equal(c.kept, c.real, 'inserts (a patient is not counted)');
    await w.store.directory.upsertPersons([person('899999999991', 'PS'), person('899999999992', 'PS'), person('899999999993', 'PATIENT')]);
    c = await counts();
    assert.equal(c.kept, c.real, 'upserts that change the kind both ways');
    await sql`delete from persons where idnat in ('899999999991', '899999999992', '899999999993')`.execute(dbOf(w));
    c = await counts();
    assert.equal(c.kept, c.real, 'deletes');
    await w.store.directory.upsertStructures([
      {
        idnat: '1999999999',
        id_type: 'FINESS',
        finess: '999999999',
        siret: null,
        name: 'Compteur',
        sector_code: null,
        street: 'x',
        postal_code: '75001',
        city: 'Paris',
        departement: '75',
      },
    ]);
    c = await counts();
    assert.equal(c.structures[0], c.structures[1], 'structures');
  });
});

test('SQLite plans: a mailbox prefix is counted and listed from the published-address index alone', {
  skip: TEST_ENGINE !== 'sqlite' && 'SQLite query plans only',
}, async () => {
  const db = dbOf(w);
  const executor = db.getExecutor();
  const plans: string[] = [];
  const original = executor.executeQuery.bind(executor);
  executor.executeQuery = (async (query: CompiledQuery) => {
    if (/mailboxes m/.test(query.sql)) {
      const plan = await original(CompiledQuery.raw(`EXPLAIN QUERY PLAN ${query.sql}`, [...query.parameters]));
      plans.push((plan.rows as { detail: string }[]).map((r) => r.detail).join('; '));
    }
    return original(query);
  }) as typeof executor.executeQuery;
  try {
    await new AnnuaireRepos(w.store).search.pageSituations({ mailbox: [[{ value: 'cabinet.', mode: 'prefix' }]] }, { limit: 11 }, true);
    Object.assign(directorySearchLimits, { mailboxList: 1 });
    await new AnnuaireRepos(w.store).search.pageSituations({ mailbox: [[{ value: 'cabinet.', mode: 'prefix' }]] }, { limit: 11 }, true);
  } finally {
    Object.assign(directorySearchLimits, defaults);
    executor.executeQuery = original;
  }
  assert.match(
    plans[0]!,
    /USING (COVERING )?INDEX mailboxes_(published_address|address_held) \(address_key>\? AND address_key<\?\)/,
    'the density probe: a range of the address index',
  );
  assert.match(
    plans[1]!,
    /USING (COVERING )?INDEX mailboxes_(published_address|address_held) \(address_key>\? AND address_key<\?\)/,
    'the listed mailboxes',
  );
  assert.match(
    plans.at(-1)!,
    /USING (COVERING )?INDEX mailboxes_(published_)?owner \(owner_idnat=\?/,
    'a dense prefix: each situation checked through its owner',
  );
});

test("SQLite plans: the unrestricted Practitioner page walks the practitioners' own key order, without the patients", {
  skip: TEST_ENGINE !== 'sqlite' && 'SQLite query plans only',
}, async () => {
  const plan = await sql.raw(`explain query plan select * from persons where (kind <> 'PATIENT') order by idnat limit 51`).execute(dbOf(w));
  assert.match((plan.rows as { detail: string }[]).map((r) => r.detail).join('; '), /persons_practitioners/);
});
