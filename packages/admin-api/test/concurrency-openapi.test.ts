import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { TEST_ENGINE } from '@mss/store/testing';
import { mbox, startWorld, type World } from './support/world.ts';
import { CAST, seedCast, seedMailboxes } from './support/cast.ts';

let w: World;
before(async () => {
  w = await startWorld();
  await seedCast(w);
});
after(async () => w.close());

test(`${TEST_ENGINE}: two concurrent ownership transfers end in one consistent state`, async () => {
  for (let round = 0; round < 5; round++) {
    const { CAB } = await seedMailboxes(w, 1000 + round);
    // The owner hands the CAB to two different people at once: exactly one transfer wins.
    const [a, b] = await Promise.all([
      w.call('POST', `${mbox(CAB)}/transfer`, CAST.owner, { newOwnerIdnat: CAST.newOwner }),
      w.call('POST', `${mbox(CAB)}/transfer`, CAST.owner, { newOwnerIdnat: CAST.cotitulaire }),
    ]);
    const statuses = [a.status, b.status].sort();
    // The loser's actor no longer holds a role there: answered as for an unknown mailbox.
    assert.deepEqual(statuses, [200, 404], JSON.stringify([a.body, b.body]));
    const winner = a.status === 200 ? CAST.newOwner : CAST.cotitulaire;
    const view = await w.call('GET', mbox(CAB), 'admin');
    assert.equal(view.body.ownerIdnat, winner);
    assert.deepEqual(
      view.body.holders.filter((h: any) => h.role === 'owner').map((h: any) => h.idnat),
      [winner],
      'one owner, and it is the directory attachment',
    );
    const transfers = (await w.call('GET', `${mbox(CAB)}/history`, 'admin')).body.entries.filter(
      (e: any) => e.event === 'ownership.transferred',
    );
    assert.equal(transfers.length, 1);
  }
});

test(`${TEST_ENGINE}: a delegation granted while the mailbox closes: never an active delegation on a closed mailbox`, async () => {
  for (let round = 0; round < 5; round++) {
    const { PER } = await seedMailboxes(w, 2000 + round);
    const [grant, close] = await Promise.all([
      w.call('POST', `${mbox(PER)}/delegations`, CAST.holder, { delegateIdnat: CAST.newDelegate }),
      w.call('POST', `${mbox(PER)}/status`, 'admin', { status: 'closed', reason: 'test' }),
    ]);
    assert.equal(close.status, 200, JSON.stringify(close.body));
    assert.ok(grant.status === 201 || grant.status === 409, JSON.stringify(grant.body));
    const box = (await w.store.mailboxes.byAddress(PER))!;
    assert.equal(box.status, 'closed');
    assert.deepEqual(
      await w.store.mailboxes.activeDelegations(box.id),
      [],
      'closing ended every delegation, including one granted just before',
    );
  }
});

test('the OpenAPI 3.1 document validates and lists every route', async () => {
  const res = await fetch(`${w.base}/openapi.json`);
  const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
  assert.equal(doc.openapi, '3.1.0');
  const validator = new Validator();
  const result = await validator.validate(doc);
  assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2)?.slice(0, 2000));
  const routes = Object.entries(doc.paths)
    .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
    .sort();
  assert.deepEqual(routes, [
    'DELETE /api/v1/mailboxes/{address}',
    'DELETE /api/v1/mailboxes/{address}/cotitulaires/{idnat}',
    'DELETE /api/v1/mailboxes/{address}/delegations/{id}',
    'DELETE /api/v1/mailboxes/{address}/groups/{group}',
    'DELETE /api/v1/mailboxes/{address}/groups/{group}/members/{member}',
    'DELETE /api/v1/mailboxes/{address}/local-persons/{localId}',
    'DELETE /api/v1/mailboxes/{address}/responsibles/{idnat}',
    'GET /api/v1/cgu/current',
    'GET /api/v1/indicators',
    'GET /api/v1/mailboxes',
    'GET /api/v1/mailboxes/{address}',
    'GET /api/v1/mailboxes/{address}/groups',
    'GET /api/v1/mailboxes/{address}/history',
    'GET /api/v1/mailboxes/{address}/local-persons',
    'GET /api/v1/operator/audit',
    'GET /api/v1/operator/mailboxes',
    'PATCH /api/v1/mailboxes/{address}',
    'POST /api/v1/cgu',
    'POST /api/v1/cgu/{version}/accept',
    'POST /api/v1/mailboxes',
    'POST /api/v1/mailboxes/{address}/cotitulaires',
    'POST /api/v1/mailboxes/{address}/delegations',
    'POST /api/v1/mailboxes/{address}/groups',
    'POST /api/v1/mailboxes/{address}/groups/{group}/members',
    'POST /api/v1/mailboxes/{address}/local-persons',
    'POST /api/v1/mailboxes/{address}/release',
    'POST /api/v1/mailboxes/{address}/responsibles',
    'POST /api/v1/mailboxes/{address}/status',
    'POST /api/v1/mailboxes/{address}/transfer',
    'PUT /api/v1/mailboxes/{address}/attachment',
  ]);
  const docs = await fetch(`${w.base}/docs/`);
  assert.equal(docs.status, 200);
  assert.match(await docs.text(), /swagger/i);
});
