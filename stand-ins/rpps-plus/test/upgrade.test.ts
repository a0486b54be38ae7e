// A portal store made before the portal's tables left @mss/store: the store's former migration
// 0020-rpps-plus made them and is recorded in `mss_migrations`. Opened by this version, the store
// accepts the retired name, the portal's own set records its 0001-requests without running it
// again (it would fail: the tables exist), and the requests recorded before are still there.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { Store } from '@mss/store';
import { openTestStore } from '@mss/store/testing';
import { migrateRppsPlus, RPPS_PLUS_MIGRATIONS, RppsPlusRepo } from '../src/store/index.ts';

let opened: Awaited<ReturnType<typeof openTestStore>>;

const REQUEST = {
  origin: 'secretary' as const,
  applicant_sub: 'fc-sub-1',
  civility: 'MME',
  last_name: 'Petit',
  first_names: 'Léa',
  birth_date: '1990-04-02',
  email: null,
  phone: null,
  kind: 'SECRETARY' as const,
  employer_idnat: '810000001056',
  employer_situation_id: 'sit-1',
  practice_name: 'Cabinet du Dr Martin',
};

before(async () => {
  opened = await openTestStore();
  const db = opened.store.kysely;
  for (const m of RPPS_PLUS_MIGRATIONS.migrations)
    await m.up(db, opened.store.engine, { readBlob: () => Promise.reject(new Error('none')) });
  await sql`insert into mss_migrations (name, timestamp) values ('0020-rpps-plus', ${new Date().toISOString()})`.execute(db);
  await new RppsPlusRepo(opened.store).insertRequest(REQUEST);
});
after(async () => {
  await opened.cleanup();
});

test('a portal store of the former layout opens: its requests are kept, nothing is made twice', async () => {
  const again = await Store.open({ dataDir: opened.dataDir, databaseUrl: opened.databaseUrl });
  try {
    assert.deepEqual(again.migration?.applied, [], 'the retired 0020-rpps-plus is accepted as it is');
    assert.deepEqual((await migrateRppsPlus(again)).applied, ['0001-requests'], 'recorded (had it run, it would have failed)');
    assert.deepEqual((await migrateRppsPlus(again)).applied, []);
    const requests = new RppsPlusRepo(again);
    assert.deepEqual(
      (await requests.requestsOfApplicant('fc-sub-1')).map((r) => [r.last_name, r.status]),
      [['Petit', 'pending']],
    );
    await again.transaction(async (tx) => {
      await new RppsPlusRepo(tx).addEvent({ requestId: 1, actor: 'test', action: 'note' });
    });
    assert.equal((await requests.events([1])).length, 1);
  } finally {
    await again.close();
  }
});
