// Decide, then reveal (R-AUTH-3, docs/choices.md): whoever holds no role on a mailbox learns
// nothing about it from the admin API — not that it exists, not its type, not that it is closed or
// suspended, not whether it has cotitulaires or delegations. Every route × every state, asked by
// a stranger and by a lapsed delegate, gets byte for byte what an address that does not exist gets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_ENGINE } from '@mss/store/testing';
import { STRUCT, STRUCT2, mbox, startWorld, type World } from './support/world.ts';
import { CAST, seedCast, seedMailboxes } from './support/cast.ts';

const D = 'operateur-a.mssante.fr';
const HERE = '{mailbox}';

let w: World;
const states: Record<string, { address: string; delegationId: number }> = {};
before(async () => {
  w = await startWorld();
  await seedCast(w);
  const boxes = await seedMailboxes(w, 1);
  for (const t of ['PER', 'ORG', 'CAB'] as const) states[`active ${t}`] = { address: boxes[t], delegationId: boxes.delegationIds[t]! };
  const app = await w.store.mailboxes.create({ address: `labo-1@${D}`, type: 'APP', ownerIdnat: STRUCT });
  await w.store.mailboxes.addHolder(app.id, CAST.responsible, 'responsible', null);
  states['active APP'] = { address: app.address, delegationId: 999_999 };
  const more = await seedMailboxes(w, 2);
  await w.store.mailboxes.update((await w.store.mailboxes.byAddress(more.CAB))!.id, { status: 'suspended' });
  await w.store.mailboxes.update((await w.store.mailboxes.byAddress(more.PER))!.id, {
    status: 'closed',
    closed_at: '2026-06-01T00:00:00.000Z',
  });
  states['suspended CAB'] = { address: more.CAB, delegationId: more.delegationIds.CAB! };
  states['closed PER'] = { address: more.PER, delegationId: more.delegationIds.PER! };
  states['nonexistent'] = { address: `personne@${D}`, delegationId: 1 };
});
after(async () => w.close());

type Route = { name: string; call: (as: string, address: string, delegationId: number) => ReturnType<World['call']> };
const ROUTES: Route[] = [
  { name: 'GET mailbox', call: (as, a) => w.call('GET', mbox(a), as) },
  { name: 'PATCH publication', call: (as, a) => w.call('PATCH', mbox(a), as, { listeRouge: true }) },
  { name: 'POST status', call: (as, a) => w.call('POST', `${mbox(a)}/status`, as, { status: 'suspended', reason: 'x' }) },
  { name: 'DELETE mailbox', call: (as, a) => w.call('DELETE', `${mbox(a)}?reason=x`, as) },
  { name: 'POST cotitulaire', call: (as, a) => w.call('POST', `${mbox(a)}/cotitulaires`, as, { idnat: CAST.newOwner }) },
  { name: 'DELETE cotitulaire', call: (as, a) => w.call('DELETE', `${mbox(a)}/cotitulaires/${CAST.cotitulaire}`, as) },
  { name: 'POST transfer', call: (as, a) => w.call('POST', `${mbox(a)}/transfer`, as, { newOwnerIdnat: CAST.newOwner }) },
  { name: 'POST transfer (structure)', call: (as, a) => w.call('POST', `${mbox(a)}/transfer`, as, { newOwnerIdnat: STRUCT2 }) },
  {
    name: 'POST delegation',
    call: (as, a) => w.call('POST', `${mbox(a)}/delegations`, as, { delegateIdnat: CAST.newDelegate, endAt: '2099-12-31' }),
  },
  { name: 'DELETE delegation (its own id)', call: (as, a, id) => w.call('DELETE', `${mbox(a)}/delegations/${id}`, as) },
  { name: 'DELETE delegation (no such id)', call: (as, a) => w.call('DELETE', `${mbox(a)}/delegations/424242`, as) },
  { name: 'GET history', call: (as, a) => w.call('GET', `${mbox(a)}/history`, as) },
];

/** What a caller sees, with the address they typed put back as a placeholder. */
function seen(r: { status: number; body: unknown; headers: Headers }, address: string) {
  return {
    status: r.status,
    contentType: r.headers.get('content-type'),
    body: JSON.parse(JSON.stringify(r.body).split(address).join(HERE)),
  };
}

for (const who of ['stranger', 'lapsed'] as const) {
  for (const route of ROUTES) {
    test(`${TEST_ENGINE}: R-AUTH-3: a ${who} calling ${route.name} learns nothing: every state answers as a nonexistent mailbox`, async () => {
      const none = states['nonexistent']!;
      const expected = seen(await route.call(CAST[who], none.address, none.delegationId), none.address);
      assert.equal(expected.status, 404, JSON.stringify(expected));
      assert.equal(expected.body.type, '/problems/mailbox-not-found');
      assert.deepEqual(Object.keys(expected.body).sort(), ['detail', 'status', 'title', 'type']);
      for (const [state, s] of Object.entries(states)) {
        const got = seen(await route.call(CAST[who], s.address, s.delegationId), s.address);
        assert.deepEqual(got, expected, `${who} ${route.name} on ${state}`);
      }
    });
  }
}

test(`${TEST_ENGINE}: R-AUTH-3: nothing changed and every refusal was audited with its true reason`, async () => {
  const cab = states['active CAB']!.address;
  const view = await w.call('GET', mbox(cab), 'admin');
  assert.equal(view.body.status, 'active');
  assert.equal(view.body.listeRouge, false);
  assert.deepEqual(view.body.holders.map((h: { role: string }) => h.role).sort(), ['cotitulaire', 'owner']);
  const rows = await w.store.audit.list({ idnat: CAST.stranger, mailbox: cab, limit: 1000 });
  assert.ok(rows.length >= ROUTES.length, 'each call was decided and audited');
  assert.ok(rows.every((r) => r.outcome === 'denied' && r.reason === 'no-right'));
  const unknown = await w.store.audit.list({ idnat: CAST.stranger, mailbox: states['nonexistent']!.address, limit: 1000 });
  assert.ok(unknown.length > 0 && unknown.every((r) => r.reason === 'unknown-mailbox'));
});

test(`${TEST_ENGINE}: creating a mailbox one may not create is refused alike whether the address is taken or free`, async () => {
  for (const [type, extra] of [
    ['PER', { holderIdnat: CAST.holder }],
    ['CAB', { holderIdnat: CAST.owner }],
  ] as const) {
    const taken = states[`active ${type}`]!.address;
    const free = type === 'CAB' ? `cabinet.libre@${D}` : `libre@${D}`;
    const a = await w.call('POST', '/api/v1/mailboxes', CAST.stranger, { type, address: taken, ...extra });
    const b = await w.call('POST', '/api/v1/mailboxes', CAST.stranger, { type, address: free, ...extra });
    assert.deepEqual(seen(a, taken), seen(b, free));
    assert.equal(a.status, 403);
    assert.equal(a.body.type, '/problems/forbidden');
  }
  const org = await w.call('POST', '/api/v1/mailboxes', CAST.responsible, {
    type: 'ORG',
    address: states['active ORG']!.address,
    structureIdnat: STRUCT2,
    responsibleIdnats: [CAST.responsible],
  });
  assert.equal(org.body.type, '/problems/forbidden');
});
