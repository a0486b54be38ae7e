// The operator's staff reads (issue 20): every mailbox listed and searched, and the audit trail
// read, by the operator's administrators only — decided by the access decision point and audited
// themselves (decide, then reveal: a person learns nothing, not even whether a filter is valid).
// Keyset pages neither skip nor repeat under concurrent writes; bad cursors and bad filters get
// their documented problem types (docs/problems.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_ENGINE } from '@mss/store/testing';
import { STRUCT, STRUCT2, startWorld, type World } from './support/world.ts';
import { CAST, seedCast } from './support/cast.ts';

const D = 'operateur-a.mssante.fr';
let clock = new Date('2026-03-01T08:00:00.000Z');
const tick = (ms = 1000) => {
  clock = new Date(clock.getTime() + ms);
};

let w: World;
before(async () => {
  w = await startWorld({ now: () => clock });
  await seedCast(w);
  await w.store.directory.upsertSituations([
    {
      id: 'sit-hospital',
      person_idnat: CAST.holder,
      structure_idnat: STRUCT,
      practice_name: null,
      mode: 'S',
      role_label: null,
      street: '1 rue de Paris',
      postal_code: '93260',
      city: 'Les Lilas',
      departement: '93',
      start_date: '2020-01-01',
      end_date: null,
    },
  ]);
  // Three days of mailboxes, one a second within each day.
  const make = async (address: string, type: 'PER' | 'ORG' | 'APP' | 'CAB', owner: string, extra: object = {}) => {
    tick();
    return w.store.mailboxes.create({ address: `${address}@${D}`, type, ownerIdnat: owner, ...extra });
  };
  await make('paul.martin', 'PER', CAST.holder, { situationId: 'sit-hospital' });
  await make('cardiologie', 'ORG', STRUCT);
  await make('labo', 'APP', STRUCT2);
  tick(24 * 3600_000);
  await make('cabinet.lilas', 'CAB', CAST.owner, { listeRouge: true });
  await make('anne_b', 'PER', CAST.responsible);
  await make('annexb', 'PER', CAST.responsible);
  tick(24 * 3600_000);
  const closing = await make('ancien', 'PER', CAST.stranger);
  await w.store.mailboxes.update(closing.id, { status: 'closed', closed_at: clock.toISOString() });
  const suspended = await make('suspendu', 'ORG', STRUCT2);
  await w.store.mailboxes.update(suspended.id, { status: 'suspended' });
});
after(async () => w.close());

const expectProblem = (r: { status: number; body: any }, status: number, type: string, field?: string) => {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.type, `/problems/${type}`, JSON.stringify(r.body));
  if (field !== undefined) assert.equal(r.body.field, field, JSON.stringify(r.body));
};
const list = (query: string, as: string | 'admin' | null = 'admin') => w.call('GET', `/api/v1/operator/mailboxes${query}`, as);
const audit = (query: string, as: string | 'admin' | null = 'admin') => w.call('GET', `/api/v1/operator/audit${query}`, as);
const addresses = (r: { body: any }) => r.body.mailboxes.map((m: any) => m.address.split('@')[0]);

test(`${TEST_ENGINE}: only the operator's administrators list every mailbox or read the audit; each reading is decided and audited`, async () => {
  for (const [path, action] of [
    ['/api/v1/operator/mailboxes', 'list-mailboxes'],
    ['/api/v1/operator/audit', 'read-audit'],
  ] as const) {
    expectProblem(await w.call('GET', path, null), 401, 'unauthenticated');
    // A person learns nothing, not even that a filter is wrong: the decision comes first.
    expectProblem(await w.call('GET', `${path}?type=XYZ&from=nope`, CAST.holder), 403, 'forbidden');
    const denied = (await w.store.audit.list({ idnat: CAST.holder, limit: 1000 })).at(-1)!;
    assert.deepEqual([denied.action, denied.mailbox, denied.outcome, denied.channel], [action, null, 'denied', 'admin-api']);
    const ok = await w.call('GET', path, 'admin');
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const allowed = (await w.store.audit.list({ idnat: 'operator-admin:admin', limit: 1000 })).at(-1)!;
    assert.deepEqual([allowed.action, allowed.outcome], [action, 'allowed']);
  }
});

test('the listing shows every mailbox in creation order with its attachment, structure, liste rouge and dates', async () => {
  const r = await list('');
  assert.deepEqual(addresses(r), ['paul.martin', 'cardiologie', 'labo', 'cabinet.lilas', 'anne_b', 'annexb', 'ancien', 'suspendu']);
  assert.equal(r.body.next, null);
  const paul = r.body.mailboxes[0];
  assert.deepEqual(
    [paul.type, paul.status, paul.ownerIdnat, paul.structureIdnat, paul.listeRouge, paul.createdAt, paul.closedAt, paul.releasedAt],
    ['PER', 'active', CAST.holder, STRUCT, false, '2026-03-01T08:00:01.000Z', null, null],
  );
  const ancien = r.body.mailboxes.find((m: any) => m.address.startsWith('ancien'));
  assert.deepEqual([ancien.status, ancien.closedAt], ['closed', '2026-03-03T08:00:07.000Z']);
});

test('each filter, and filters combined (AND)', async () => {
  const cases: [string, string[]][] = [
    ['?type=PER', ['paul.martin', 'anne_b', 'annexb', 'ancien']],
    ['?type=ORG', ['cardiologie', 'suspendu']],
    ['?status=suspended', ['suspendu']],
    ['?status=closed', ['ancien']],
    [`?owner=${CAST.responsible}`, ['anne_b', 'annexb']],
    [`?owner=${STRUCT2}`, ['labo', 'suspendu']],
    // The structure's ORG/APP, and a PER whose situation is in it (a salaried doctor).
    [`?structure=${STRUCT}`, ['paul.martin', 'cardiologie']],
    ['?listeRouge=true', ['cabinet.lilas']],
    ['?listeRouge=false&type=CAB', []],
    ['?address=ANNE', ['anne_b', 'annexb']],
    // `_` is a letter here, not LIKE's any-character.
    ['?address=e_b', ['anne_b']],
    ['?address=%25', []],
    ['?createdFrom=2026-03-02', ['cabinet.lilas', 'anne_b', 'annexb', 'ancien', 'suspendu']],
    // A bare day as the end of a period includes that day.
    ['?createdTo=2026-03-02', ['paul.martin', 'cardiologie', 'labo', 'cabinet.lilas', 'anne_b', 'annexb']],
    ['?createdFrom=2026-03-02&createdTo=2026-03-02', ['cabinet.lilas', 'anne_b', 'annexb']],
    ['?createdFrom=2026-03-01T08:00:02Z&createdTo=2026-03-01T09:00:03%2B01:00', ['cardiologie']],
    ['?closedFrom=2026-03-03', ['ancien']],
    ['?closedTo=2026-03-02', []],
    ['?type=PER&status=active&structure=' + STRUCT, ['paul.martin']],
  ];
  for (const [query, expected] of cases) {
    const r = await list(query);
    assert.equal(r.status, 200, `${query}: ${JSON.stringify(r.body)}`);
    assert.deepEqual(addresses(r), expected, query);
  }
});

test('bad filters get invalid-filter naming the filter; bad cursors get invalid-cursor', async () => {
  const filters: [string, string][] = [
    ['?type=XYZ', 'type'],
    ['?status=open', 'status'],
    ['?owner=123', 'owner'],
    ['?structure=810000001056', 'structure'],
    ['?listeRouge=perhaps', 'listeRouge'],
    ['?createdFrom=2026-02-30', 'createdFrom'],
    ['?createdFrom=yesterday', 'createdFrom'],
    ['?createdFrom=2026-03-01T08:00:00', 'createdFrom'],
    ['?createdFrom=2026-03-05&createdTo=2026-03-01', 'createdTo'],
    ['?address=', 'address'],
    ['?colour=blue', 'colour'],
    ['?limit=0', 'limit'],
    ['?limit=1001', 'limit'],
  ];
  for (const [query, field] of filters) expectProblem(await list(query), 400, 'invalid-filter', field);
  for (const [query, field] of [
    ['?outcome=maybe', 'outcome'],
    ['?channel=fax', 'channel'],
    ['?principal=someone', 'principal'],
    ['?from=2026-03-05&to=2026-03-04T23:00:00Z', 'to'],
  ] as const)
    expectProblem(await audit(query), 400, 'invalid-filter', field);

  for (const cursor of ['garbage!', 'eyJ4IjoxfQ', Buffer.from('{"k":"m","t":"x","i":1,"f":"a"}').toString('base64url')])
    expectProblem(await list(`?cursor=${encodeURIComponent(cursor)}`), 400, 'invalid-cursor');
  const first = await list('?type=PER&limit=2');
  assert.ok(first.body.next);
  // Issued for other filters, or for the other listing: refused rather than mixed.
  expectProblem(await list(`?type=ORG&limit=2&cursor=${first.body.next}`), 400, 'invalid-cursor');
  expectProblem(await audit(`?cursor=${first.body.next}`), 400, 'invalid-cursor');
  assert.deepEqual(addresses(first), ['paul.martin', 'anne_b']);
  const second = await list(`?type=PER&limit=2&cursor=${first.body.next}`);
  assert.deepEqual(addresses(second), ['annexb', 'ancien']);
  // The limit is not part of the filters: a page size may change between pages.
  const third = await list(`?type=PER&limit=10&cursor=${second.body.next}`);
  assert.deepEqual([addresses(third), third.body.next], [[], null]);
});

/** Follows `next` from the first page, running `between` after each page; every row seen, in order. */
async function walk(path: string, key: 'mailboxes' | 'entries', between: (page: number) => Promise<void>): Promise<any[]> {
  const seen: any[] = [];
  let cursor: string | null = null;
  for (let page = 0; ; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const r = await w.call('GET', cursor ? `${path}${sep}cursor=${cursor}` : path, 'admin');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    seen.push(...r.body[key]);
    cursor = r.body.next;
    if (!cursor) return seen;
    await between(page);
  }
}

test(`${TEST_ENGINE}: keyset pages of mailboxes neither skip nor repeat while mailboxes are created and closed between pages`, async () => {
  for (let i = 0; i < 20; i++) {
    // Several creations in the same instant: the id breaks the tie.
    if (i % 3 === 0) tick();
    await w.store.mailboxes.create({ address: `page-${i}@${D}`, type: 'PER', ownerIdnat: CAST.newOwner });
  }
  const atStart = new Set<string>((await list('?limit=1000')).body.mailboxes.map((m: any) => m.address));
  const created = new Set<string>();
  let n = 0;
  const seen = await walk('/api/v1/operator/mailboxes?limit=3', 'mailboxes', async (page) => {
    // Close a mailbox not yet reached and one already seen; create new ones (some at the same instant).
    const rows = await w.store.mailboxListing.page({}, undefined, 1000);
    const target = rows.find((r) => r.status === 'active' && r.address.startsWith('page-') && Number(r.address.slice(5, 7)) > page * 3);
    if (target) await w.store.mailboxes.update(target.id, { status: 'closed', closed_at: clock.toISOString() });
    if (page % 2 === 0) tick();
    // One at an instant already passed (another node's clock, an import): it sorts before the
    // pages already read, where an OFFSET would shift every later row and repeat one.
    const now = clock;
    clock = new Date('2026-02-01T00:00:00.000Z');
    const early = `early-${n++}@${D}`;
    await w.store.mailboxes.create({ address: early, type: 'PER', ownerIdnat: CAST.newOwner });
    created.add(early);
    clock = now;
    for (let k = 0; k < 2; k++) {
      const address = `new-${n++}@${D}`;
      await w.store.mailboxes.create({ address, type: 'CAB', ownerIdnat: CAST.owner });
      created.add(address);
    }
  });
  const addressesSeen = seen.map((m) => m.address);
  assert.equal(new Set(addressesSeen).size, addressesSeen.length, 'no mailbox twice');
  for (const a of atStart) assert.ok(addressesSeen.includes(a), `${a} present at the start was listed`);
  for (const a of addressesSeen) assert.ok(atStart.has(a) || created.has(a), `${a} is from the start or new`);
  assert.ok(
    addressesSeen.some((a) => a.startsWith('new-')),
    'mailboxes created after the start, later in the order, are reached',
  );
  const order = seen.map((m) => [m.createdAt, m.address]);
  assert.deepEqual(
    order,
    [...order].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
    'creation order',
  );

  // The same with a filter whose rows change status between pages.
  const perAtStart = new Set<string>((await list('?type=PER&limit=1000')).body.mailboxes.map((m: any) => m.address));
  const perSeen = (
    await walk('/api/v1/operator/mailboxes?type=PER&limit=4', 'mailboxes', async () => {
      tick();
      await w.store.mailboxes.create({ address: `late-${n++}@${D}`, type: 'PER', ownerIdnat: CAST.newOwner });
    })
  ).map((m) => m.address);
  assert.equal(new Set(perSeen).size, perSeen.length);
  for (const a of perAtStart) assert.ok(perSeen.includes(a), a);
});

test(`${TEST_ENGINE}: the audit trail: filters, time order, and pages that neither skip nor repeat while decisions are written`, async () => {
  tick(3600_000);
  const from = clock.toISOString();
  const ask = (idnat: string, mailbox: string, channel: 'imap' | 'smtp') =>
    w.access.decide({ principal: { kind: 'person', idnat }, mailbox: `${mailbox}@${D}`, action: 'read', channel });
  await ask(CAST.holder, 'paul.martin', 'imap');
  await ask(CAST.stranger, 'paul.martin', 'imap');
  await ask(CAST.holder, 'paul.martin', 'smtp');
  tick();
  await w.access.recordTokenFailure({ mailbox: `paul.martin@${D}`, channel: 'imap', code: 'expired' });
  tick();
  const to = clock.toISOString();
  tick();
  await ask(CAST.holder, 'paul.martin', 'imap'); // after the period

  // The mailboxes were made by the store directly: nobody holds a role, so each is denied no-right.
  const entries = (await audit(`?from=${from}&to=${encodeURIComponent(to)}`)).body.entries;
  assert.deepEqual(
    entries.map((e: any) => [e.principal, e.channel, e.outcome, e.reason]),
    [
      [CAST.holder, 'imap', 'denied', 'no-right'],
      [CAST.stranger, 'imap', 'denied', 'no-right'],
      [CAST.holder, 'smtp', 'denied', 'no-right'],
      [null, 'imap', 'denied', 'invalid-token:expired'],
    ],
  );
  const q = (s: string) => audit(`?from=${from}&to=${encodeURIComponent(to)}&${s}`);
  assert.equal((await q(`principal=${CAST.holder}`)).body.entries.length, 2);
  assert.deepEqual(
    (await q(`principal=${CAST.holder}&channel=smtp`)).body.entries.map((e: any) => e.channel),
    ['smtp'],
  );
  assert.equal((await q(`mailbox=PAUL.MARTIN@${D}`)).body.entries.length, 4);
  assert.equal((await q('outcome=allowed')).body.entries.length, 0);
  assert.equal((await q('action=authenticate')).body.entries.length, 1);
  assert.equal((await audit(`?principal=operator-admin:admin&action=read-audit&from=${from}`)).body.entries.length > 0, true);

  // Pages under writes: the trail's rows at the start all come, once each, in (at, id) order.
  const atStart = (await audit('?limit=1000')).body.entries.map((e: any) => e.id);
  let extra = 0;
  const seen = await walk('/api/v1/operator/audit?limit=5', 'entries', async (page) => {
    if (page % 2 === 0) tick();
    await ask(CAST.delegate, 'cardiologie', 'imap');
    // An entry stamped before the pages already read (as an OFFSET would mis-page it).
    await w.store.audit.append({
      at: '2026-01-01T00:00:00.000Z',
      idnat: CAST.delegate,
      mailbox: null,
      action: 'read',
      channel: 'imap',
      client_id: null,
      outcome: 'denied',
      reason: 'no-right',
      role: null,
    });
    extra++;
  });
  const ids = seen.map((e) => e.id);
  assert.equal(seen.filter((e) => e.at === '2026-01-01T00:00:00.000Z').length, 0, 'entries stamped before the pages read are not reached');
  assert.equal(new Set(ids).size, ids.length, 'no entry twice');
  for (const id of atStart) assert.ok(ids.includes(id), `entry ${id} present at the start was read`);
  const keys = seen.map((e) => [e.at, e.id]);
  for (let i = 1; i < keys.length; i++)
    assert.ok(keys[i - 1]![0] < keys[i]![0] || (keys[i - 1]![0] === keys[i]![0] && keys[i - 1]![1] < keys[i]![1]), 'time order');
  assert.ok(extra > 0);
});
