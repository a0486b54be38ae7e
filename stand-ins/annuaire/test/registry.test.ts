// The RPPS+ registry over the Annuaire's store, and the change feed its triggers record (issue
// #15): every write to persons, situations, structures and mailboxes is numbered in commit order,
// whoever writes it, and only in a store whose feed is enabled.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore } from '@mss/store/testing';
import type { Store } from '@mss/store';
import { seedDemo } from '@mss/seed';
import { AnnuaireRegistry, AnnuaireRepos, migrateAnnuaire, RegistryError } from '../src/index.ts';

const GP = '810000001056';
const SECRETARY = '810099999995';
const TODAY = '2026-12-06';

let store: Store;
let cleanup: () => Promise<void>;
let registry: AnnuaireRegistry;
let feed: AnnuaireRepos['feed'];

before(async () => {
  ({ store, cleanup } = await openTestStore({ now: () => new Date(`${TODAY}T10:00:00Z`) }));
  await migrateAnnuaire(store);
  feed = new AnnuaireRepos(store).feed;
  await seedDemo(store, 'operateur-a.mssante.fr');
  registry = new AnnuaireRegistry(store);
});
after(async () => cleanup());

const person = {
  idnat: SECRETARY,
  kind: 'SECRETARY' as const,
  id_type: 'RPPS' as const,
  rpps: SECRETARY.slice(1),
  civility: 'MME',
  last_name: 'Petit',
  first_name: 'Léa',
  profession_code: null,
  profession_label: 'Secrétaire médical',
  category_code: null,
  speciality_code: null,
  speciality_label: null,
};
const situation = {
  id: 'sit-rpps-plus-1',
  person_idnat: SECRETARY,
  structure_idnat: null,
  practice_name: 'Cabinet du Dr Martin',
  mode: 'S' as const,
  role_label: 'Secrétaire médicale',
  street: '27 boulevard de la Liberté',
  postal_code: '93260',
  city: 'Les Lilas',
  departement: '93',
  start_date: '2026-12-01',
  end_date: null,
  employer_idnat: GP,
};

test('until its feed is enabled, the Annuaire records no change', async () => {
  const state = await feed.state();
  assert.equal(state.enabled, false);
  assert.equal(state.head, 0, 'the seed wrote persons and situations, none recorded');
});

test('once enabled, RPPS+ writes are numbered in order: person, situation, its end (issue #15)', async () => {
  const enabled = await feed.enable();
  assert.equal(enabled.enabled, true);
  assert.match(enabled.epoch, /^[0-9a-f-]{36}$/);
  // The baseline: every person but the patient, every structure, every situation, in that order.
  const baseline = await feed.changesAfter(0, 1000);
  const counts = await store.directory.counts();
  assert.equal(baseline.length, counts.persons - 1 + counts.structures + counts.situations);
  assert.deepEqual([...new Set(baseline.map((c) => c.resource_type))], ['Practitioner', 'Organization', 'PractitionerRole']);
  assert.equal(enabled.head, baseline.length);
  assert.equal((await feed.enable()).head, baseline.length, 'enabling again records nothing more');
  await registry.upsertPerson(person);
  await registry.upsertSituation(situation);
  assert.deepEqual(
    (await registry.situationsEmployedBy(GP)).map((s) => [s.id, s.employer_idnat]),
    [
      // The seed's persona Julie Bernard is Dr Martin's secretary too.
      ['sit-810000001478-1', GP],
      ['sit-rpps-plus-1', GP],
    ],
  );
  const ended = await registry.endSituationNow('sit-rpps-plus-1');
  assert.equal(ended.end_date, TODAY, 'ended now: its end date is today, so it is no longer in force');
  const changes = await feed.changesAfter(enabled.head, 100);
  assert.deepEqual(
    changes.map((c) => [c.resource_type, c.resource_id]),
    [
      ['Practitioner', SECRETARY],
      ['PractitionerRole', 'sit-rpps-plus-1'],
      ['PractitionerRole', 'sit-rpps-plus-1'],
    ],
  );
  assert.ok(
    changes.every((c, i) => i === 0 || c.id > (changes[i - 1]?.id ?? 0)),
    'strictly increasing sequence',
  );
  assert.match(changes[0]?.changed_at ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
});

test('a mailbox change is a change of its owner, and of its situation when it has one', async () => {
  const before = await feed.head();
  const box = await store.mailboxes.byAddress('paul.martin@operateur-a.mssante.fr');
  assert.ok(box);
  await store.mailboxes.update(box.id, { liste_rouge: 1 });
  const changes = await feed.changesAfter(before, 100);
  const expected = [['Practitioner', GP]];
  if (box.situation_id) expected.push(['PractitionerRole', box.situation_id]);
  assert.deepEqual(
    changes.map((c) => [c.resource_type, c.resource_id]),
    expected,
  );
});

test('an end date: a later day is kept, a past one, a malformed one, an unknown situation and an ended one are refused', async () => {
  await registry.upsertSituation({ ...situation, id: 'sit-rpps-plus-2' });
  assert.equal((await registry.setSituationEndDate('sit-rpps-plus-2', '2027-01-31')).end_date, '2027-01-31');
  const refused = async (p: Promise<unknown>, kind: string) =>
    assert.rejects(p, (e: unknown) => e instanceof RegistryError && e.kind === kind);
  await refused(registry.setSituationEndDate('sit-rpps-plus-2', '2026-12-05'), 'end-date-in-past');
  await refused(registry.setSituationEndDate('sit-rpps-plus-2', '2026-02-30'), 'bad-date');
  await refused(registry.setSituationEndDate('no-such', '2027-01-31'), 'unknown-situation');
  await refused(registry.endSituationNow('sit-rpps-plus-1'), 'already-ended');
  await refused(registry.upsertSituation({ ...situation, id: 'x', person_idnat: '810000000000' }), 'unknown-person');
});

test('compacting forgets every change and records a new baseline after them', async () => {
  const head = await feed.head();
  const state = await feed.compact();
  assert.equal(state.prunedThrough, head);
  const counts = await store.directory.counts();
  assert.equal(state.head - head, counts.persons - 1 + counts.structures + counts.situations);
  assert.equal((await feed.changesAfter(0, 1))[0]?.id, head + 1);
  assert.equal(await feed.positionBefore('2999-01-01T00:00:00.000Z'), state.head);
});
