// Each numbered rule of §3–§5 over HTTP, and the bad inputs with their precise problem types.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_ENGINE } from '@mss/store/testing';
import { STRUCT, mbox, startWorld, type World } from './support/world.ts';
import { CAST, seedCast } from './support/cast.ts';

let w: World;
before(async () => {
  w = await startWorld();
  await seedCast(w);
});
after(async () => w.close());

const D = 'operateur-a.mssante.fr';
const expectProblem = (r: { status: number; body: any }, status: number, type: string, detail?: RegExp) => {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.type, `/problems/${type}`, JSON.stringify(r.body));
  if (detail) assert.match(r.body.detail, detail);
};

test(`${TEST_ENGINE}: R-CAB-1/R-CAB-2: a PS creates a CAB named cabinet.… and becomes its owner; history and directory outbox follow`, async () => {
  const r = await w.call('POST', '/api/v1/mailboxes', CAST.owner, {
    type: 'CAB',
    address: `cabinet.infirmiers-des-lilas@${D}`,
    description: 'Cabinet infirmier des Lilas',
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.ownerIdnat, CAST.owner);
  assert.deepEqual(
    r.body.holders.map((h: any) => [h.idnat, h.role]),
    [[CAST.owner, 'owner']],
  );
  const box = await w.store.mailboxes.byAddress(`cabinet.infirmiers-des-lilas@${D}`);
  assert.ok(box);
  assert.equal((await w.store.mail.folders(box.id))[0]?.name, 'INBOX');
  const outbox = await w.store.outbox.forMailbox(box.id);
  assert.deepEqual(
    outbox.map((o) => o.operation),
    ['publish'],
  );
  assert.deepEqual(JSON.parse(outbox[0]!.payload).ownerIdnat, CAST.owner);
  const mine = await w.call('GET', '/api/v1/mailboxes', CAST.owner);
  assert.ok(mine.body.mailboxes.some((m: any) => m.address === `cabinet.infirmiers-des-lilas@${D}` && m.role === 'owner'));
});

test('R-CAB-2: a CAB without the cabinet. prefix, or an ORG with it, is refused', async () => {
  expectProblem(
    await w.call('POST', '/api/v1/mailboxes', CAST.owner, { type: 'CAB', address: `infirmiers@${D}` }),
    400,
    'cab-naming',
    /cabinet\./,
  );
  expectProblem(
    await w.call('POST', '/api/v1/mailboxes', 'admin', {
      type: 'ORG',
      address: `cabinet.cardio@${D}`,
      structureIdnat: STRUCT,
      responsibleIdnats: [CAST.responsible],
    }),
    400,
    'cab-naming',
  );
});

test('R-CAB-1: FINESS on a CAB is refused', async () => {
  expectProblem(
    await w.call('POST', '/api/v1/mailboxes', CAST.owner, { type: 'CAB', address: `cabinet.x@${D}`, structureIdnat: STRUCT }),
    422,
    'cab-with-finess',
  );
});

test('R-BAL-1: a duplicate address (any case) is refused', async () => {
  assert.equal((await w.call('POST', '/api/v1/mailboxes', CAST.holder, { type: 'PER', address: `jeanne.holder@${D}` })).status, 201);
  expectProblem(
    await w.call('POST', '/api/v1/mailboxes', CAST.holder, { type: 'PER', address: `Jeanne.Holder@${D.toUpperCase()}` }),
    409,
    'address-taken',
  );
});

test('R-ID-1 / R-ID-2: invalid IdNat, unknown persons and structures, foreign domains', async () => {
  expectProblem(
    await w.call('POST', '/api/v1/mailboxes', 'admin', { type: 'PER', address: `a.b@${D}`, holderIdnat: '810000001917' }),
    400,
    'invalid-identifier',
    /check digit/,
  );
  expectProblem(
    await w.call('POST', '/api/v1/mailboxes', 'admin', { type: 'PER', address: `a.b@${D}`, holderIdnat: '810000001916' }),
    422,
    'not-in-directory',
    /R-ID-2/,
  );
  expectProblem(
    await w.call('POST', '/api/v1/mailboxes', 'admin', {
      type: 'ORG',
      address: `urgences@${D}`,
      structureIdnat: '1930000999',
      responsibleIdnats: [CAST.responsible],
    }),
    400,
    'invalid-identifier',
  );
  expectProblem(
    await w.call('POST', '/api/v1/mailboxes', CAST.holder, { type: 'PER', address: `a.b@gmail.com` }),
    400,
    'invalid-address',
    /mssante/,
  );
  expectProblem(
    await w.call('POST', '/api/v1/mailboxes', CAST.holder, { type: 'PER', address: `a.b@autre-operateur.mssante.fr` }),
    400,
    'invalid-address',
  );
  // A secretary has an IdNat but is not a health professional: no PER of their own.
  expectProblem(
    await w.call('POST', '/api/v1/mailboxes', CAST.secretary, { type: 'PER', address: `secr@${D}` }),
    422,
    'not-a-professional',
  );
});

test('a person creates only their own PER; ORG/APP are the operator’s', async () => {
  expectProblem(
    await w.call('POST', '/api/v1/mailboxes', CAST.stranger, { type: 'PER', address: `x.y@${D}`, holderIdnat: CAST.holder }),
    403,
    'forbidden',
  );
  expectProblem(
    await w.call('POST', '/api/v1/mailboxes', CAST.responsible, {
      type: 'ORG',
      address: `urgences@${D}`,
      structureIdnat: STRUCT,
      responsibleIdnats: [CAST.responsible],
    }),
    403,
    'forbidden',
  );
  const org = await w.call('POST', '/api/v1/mailboxes', 'admin', {
    type: 'ORG',
    address: `urgences@${D}`,
    structureIdnat: STRUCT,
    responsibleIdnats: [CAST.responsible],
    service: 'Urgences',
  });
  assert.equal(org.status, 201, JSON.stringify(org.body));
  assert.deepEqual(
    org.body.holders.map((h: any) => h.role),
    ['responsible'],
  );
});

test('R-CAB-3: cotitulaires: owner only, PS with an IdNat, not necessarily a customer; R-CAB-7 history', async () => {
  const cab = `cabinet.infirmiers-des-lilas@${D}`;
  const added = await w.call('POST', `${mbox(cab)}/cotitulaires`, CAST.owner, { idnat: CAST.cotitulaire });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  expectProblem(await w.call('POST', `${mbox(cab)}/cotitulaires`, CAST.owner, { idnat: CAST.cotitulaire }), 409, 'already-has-access');
  expectProblem(await w.call('POST', `${mbox(cab)}/cotitulaires`, CAST.cotitulaire, { idnat: CAST.stranger }), 403, 'forbidden');
  expectProblem(await w.call('POST', `${mbox(cab)}/cotitulaires`, CAST.owner, { idnat: '810000001916' }), 422, 'not-in-directory');
  expectProblem(await w.call('POST', `${mbox(cab)}/cotitulaires`, CAST.owner, { idnat: CAST.secretary }), 422, 'not-a-professional');
  expectProblem(await w.call('POST', `${mbox(cab)}/cotitulaires`, CAST.owner, { idnat: 'not-an-idnat' }), 400, 'invalid-identifier');
  const removed = await w.call(
    'DELETE',
    `${mbox(cab)}/cotitulaires/${CAST.cotitulaire}?reason=${encodeURIComponent('left the practice')}`,
    CAST.owner,
  );
  assert.equal(removed.status, 200);
  expectProblem(await w.call('DELETE', `${mbox(cab)}/cotitulaires/${CAST.cotitulaire}`, CAST.owner), 404, 'cotitulaire-not-found');
  const history = await w.call('GET', `${mbox(cab)}/history`, CAST.owner);
  assert.deepEqual(
    history.body.entries.map((e: any) => [e.event, e.actor, e.subjectIdnat ?? null]),
    [
      ['mailbox.created', CAST.owner, CAST.owner],
      ['cotitulaire.added', CAST.owner, CAST.cotitulaire],
      ['cotitulaire.removed', CAST.owner, CAST.cotitulaire],
    ],
  );
  assert.equal(history.body.entries[2].reason, 'left the practice');
});

test('R-DEL-1/R-DEL-2: delegations: APP refused, end date in the past refused, patients refused, duplicate refused', async () => {
  const app = await w.call('POST', '/api/v1/mailboxes', 'admin', {
    type: 'APP',
    address: `labo-resultats@${D}`,
    structureIdnat: STRUCT,
    responsibleIdnats: [CAST.responsible],
  });
  assert.equal(app.status, 201);
  expectProblem(
    await w.call('POST', `${mbox(`labo-resultats@${D}`)}/delegations`, CAST.responsible, { delegateIdnat: CAST.secretary }),
    422,
    'not-delegable',
    /R-DEL-1/,
  );
  const per = `jeanne.holder@${D}`;
  expectProblem(
    await w.call('POST', `${mbox(per)}/delegations`, CAST.holder, { delegateIdnat: CAST.secretary, endAt: '2020-01-01' }),
    400,
    'end-date-in-past',
  );
  expectProblem(
    await w.call('POST', `${mbox(per)}/delegations`, CAST.holder, { delegateIdnat: CAST.secretary, endAt: 'tomorrow' }),
    400,
    'invalid-input',
  );
  expectProblem(
    await w.call('POST', `${mbox(per)}/delegations`, CAST.holder, { delegateIdnat: CAST.patientLike }),
    400,
    'invalid-identifier',
  );
  const ok = await w.call('POST', `${mbox(per)}/delegations`, CAST.holder, { delegateIdnat: CAST.secretary, endAt: '2099-12-31' });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(ok.body.delegations[0].endAt, '2099-12-31T23:59:59.999Z');
  expectProblem(
    await w.call('POST', `${mbox(per)}/delegations`, CAST.holder, { delegateIdnat: CAST.secretary }),
    409,
    'already-has-access',
  );
  expectProblem(await w.call('POST', `${mbox(per)}/delegations`, CAST.holder, { delegateIdnat: CAST.holder }), 409, 'already-has-access');
  const mine = await w.call('GET', '/api/v1/mailboxes', CAST.secretary);
  assert.deepEqual(
    mine.body.mailboxes.map((m: any) => [m.address, m.role, m.endAt]),
    [[per, 'delegate', '2099-12-31T23:59:59.999Z']],
  );
});

test('R-DEL-3: delegates are never published: the directory outbox never names them', async () => {
  const rows = await w.store.outbox.pending(1000);
  for (const r of rows) {
    assert.doesNotMatch(r.payload, new RegExp(CAST.secretary));
    assert.doesNotMatch(r.payload, new RegExp(CAST.cotitulaire));
  }
});

test('R-DEL-4/R-DEL-5: revocation and expiry are in the history, and the delegate loses access at once', async () => {
  const per = `jeanne.holder@${D}`;
  const view = await w.call('GET', mbox(per), CAST.holder);
  const id = view.body.delegations[0].id;
  assert.equal((await w.call('GET', mbox(per), CAST.secretary)).status, 200);
  const revoked = await w.call('DELETE', `${mbox(per)}/delegations/${id}?reason=${encodeURIComponent('fin de contrat')}`, CAST.holder);
  assert.equal(revoked.status, 200);
  expectProblem(await w.call('GET', mbox(per), CAST.secretary), 404, 'mailbox-not-found');
  expectProblem(await w.call('DELETE', `${mbox(per)}/delegations/${id}`, CAST.holder), 404, 'delegation-not-found');
  // Expiry by the scheduler's job: a delegation whose end date has passed.
  const box = (await w.store.mailboxes.byAddress(per))!;
  await w.store.mailboxes.grantDelegation({
    mailboxId: box.id,
    delegateIdnat: CAST.newDelegate,
    grantedBy: CAST.holder,
    startAt: '2026-01-01T00:00:00.000Z',
    endAt: '2026-01-02T00:00:00.000Z',
  });
  assert.equal(await w.gov.expireLapsedDelegations(), 1);
  assert.equal(await w.gov.expireLapsedDelegations(), 0);
  const events = (await w.call('GET', `${mbox(per)}/history`, CAST.holder)).body.entries.map((e: any) => [e.event, e.actor, e.reason]);
  assert.deepEqual(events.slice(-3), [
    ['delegation.granted', CAST.holder, null],
    ['delegation.revoked', CAST.holder, 'fin de contrat'],
    ['delegation.expired', 'system', 'end date reached'],
  ]);
});

test('R-CAB-6 / R-CAB-7: ownership transfer moves the directory attachment and is in the history', async () => {
  const cab = `cabinet.infirmiers-des-lilas@${D}`;
  await w.call('POST', `${mbox(cab)}/cotitulaires`, CAST.owner, { idnat: CAST.newOwner });
  const r = await w.call('POST', `${mbox(cab)}/transfer`, CAST.owner, { newOwnerIdnat: CAST.newOwner, reason: 'départ' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.ownerIdnat, CAST.newOwner);
  assert.deepEqual(
    r.body.holders.map((h: any) => [h.idnat, h.role]),
    [[CAST.newOwner, 'owner']],
    'the former cotitulaire is now owner only; the former owner keeps no role',
  );
  expectProblem(await w.call('GET', mbox(cab), CAST.owner), 404, 'mailbox-not-found');
  const box = (await w.store.mailboxes.byAddress(cab))!;
  const last = (await w.store.outbox.forMailbox(box.id)).at(-1)!;
  assert.equal(JSON.parse(last.payload).ownerIdnat, CAST.newOwner);
  const h = (await w.call('GET', `${mbox(cab)}/history`, CAST.newOwner)).body.entries.at(-1);
  assert.deepEqual([h.event, h.actor, h.details], ['ownership.transferred', CAST.owner, { from: CAST.owner, to: CAST.newOwner }]);
});

test('R-BAL-3: liste rouge on/off is recorded and queued for the directory', async () => {
  const per = `jeanne.holder@${D}`;
  const on = await w.call('PATCH', mbox(per), CAST.holder, { listeRouge: true });
  assert.equal(on.body.listeRouge, true);
  const box = (await w.store.mailboxes.byAddress(per))!;
  assert.equal(JSON.parse((await w.store.outbox.forMailbox(box.id)).at(-1)!.payload).listeRouge, true);
  expectProblem(await w.call('PATCH', mbox(per), CAST.holder, {}), 400, 'invalid-input');
  expectProblem(await w.call('PATCH', mbox(per), CAST.holder, { listeRouge: 'yes' }), 400, 'invalid-input');
});

test('R-BAL-2: lifecycle: suspend, reactivate, close (final), delete = close with history kept', async () => {
  const per = `jeanne.holder@${D}`;
  assert.equal((await w.call('POST', `${mbox(per)}/status`, 'admin', { status: 'suspended', reason: 'impayé' })).status, 200);
  expectProblem(await w.call('GET', mbox(per), CAST.holder), 409, 'mailbox-suspended');
  expectProblem(await w.call('POST', `${mbox(per)}/status`, 'admin', { status: 'suspended' }), 409, 'invalid-transition');
  assert.equal((await w.call('POST', `${mbox(per)}/status`, 'admin', { status: 'active' })).status, 200);
  assert.equal((await w.call('POST', `${mbox(per)}/status`, 'admin', { status: 'closed', reason: 'départ en retraite' })).status, 200);
  expectProblem(await w.call('POST', `${mbox(per)}/status`, 'admin', { status: 'active' }), 409, 'mailbox-closed');
  expectProblem(await w.call('POST', '/api/v1/mailboxes', CAST.holder, { type: 'PER', address: per }), 409, 'address-taken');
  const h = (await w.call('GET', `${mbox(per)}/history`, 'admin')).body.entries.map((e: any) => e.event);
  assert.deepEqual(h.slice(-3), ['mailbox.suspended', 'mailbox.reactivated', 'mailbox.closed']);
});

test('R-CAB-4: CGU: publish (admin), accept (person), wrong version, page', async () => {
  expectProblem(await w.call('POST', '/api/v1/cgu', CAST.holder, { version: 'v2', title: 'CGU v2' }), 403, 'forbidden');
  const pub = await w.call('POST', '/api/v1/cgu', 'admin', { version: 'v2', title: 'CGU v2' });
  assert.equal(pub.status, 201);
  assert.equal(pub.body.url, '/cgu/v2');
  expectProblem(await w.call('POST', '/api/v1/cgu', 'admin', { version: 'v2', title: 'again' }), 409, 'cgu-exists');
  const refused = await w.call('GET', mbox(`cabinet.infirmiers-des-lilas@${D}`), CAST.newOwner);
  expectProblem(refused, 403, 'cgu-not-accepted');
  assert.equal(refused.body.acceptUrl, 'http://127.0.0.1:8080/cgu/v2');
  expectProblem(await w.call('POST', '/api/v1/cgu/v1/accept', CAST.newOwner), 409, 'cgu-not-current');
  const acc = await w.call('POST', '/api/v1/cgu/v2/accept', CAST.newOwner);
  assert.equal(acc.status, 200);
  assert.equal(acc.body.version, 'v2');
  assert.equal((await w.call('GET', mbox(`cabinet.infirmiers-des-lilas@${D}`), CAST.newOwner)).status, 200);
  const page = await w.call('GET', '/cgu/v2', null);
  assert.equal(page.status, 200);
  assert.match(String(page.body), /CGU v2/);
  assert.equal((await w.call('GET', '/api/v1/cgu/current', null)).body.version, 'v2');
});

test('authentication: none, forged token, expired token, bad admin password — 401 problem, audited', async () => {
  expectProblem(await w.call('GET', '/api/v1/mailboxes', null), 401, 'unauthenticated');
  const forged = await fetch(`${w.base}/api/v1/mailboxes`, {
    headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJTdWJqZWN0TmFtZUlEIjoiODEwMDAwMDAxOTE2In0.' },
  });
  assert.equal(forged.status, 401);
  assert.equal(forged.headers.get('www-authenticate'), 'Bearer realm="mss-operator"');
  const expired = await w.tokenFor(CAST.holder, { expiresIn: '-5m' });
  const r = await fetch(`${w.base}/api/v1/mailboxes`, { headers: { authorization: `Bearer ${expired}` } });
  assert.equal(r.status, 401);
  assert.match(((await r.json()) as { detail: string }).detail, /expired/);
  const bad = await fetch(`${w.base}/api/v1/mailboxes`, {
    headers: { authorization: `Basic ${Buffer.from('admin:wrong').toString('base64')}` },
  });
  assert.equal(bad.status, 401);
  const audit = await w.store.audit.list({ limit: 1000 });
  assert.ok(audit.some((a) => a.reason === 'invalid-token:expired'));
  assert.ok(audit.some((a) => a.reason === 'invalid-token:bad-admin-credentials'));
  assert.ok(!audit.some((a) => JSON.stringify(a).includes(expired)), 'the token itself is never recorded');
});

test('bad requests: malformed JSON, wrong content type, unknown fields, unknown route — all problem+json', async () => {
  const token = await w.tokenFor(CAST.holder);
  const malformed = await fetch(`${w.base}/api/v1/mailboxes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{"type":',
  });
  assert.equal(malformed.status, 400);
  assert.equal(malformed.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  expectProblem(await w.call('POST', '/api/v1/mailboxes', CAST.holder, { type: 'PER', address: `z@${D}`, extra: 1 }), 400, 'invalid-input');
  expectProblem(await w.call('POST', '/api/v1/mailboxes', CAST.holder, { type: 'XYZ', address: `z@${D}` }), 400, 'invalid-input');
  expectProblem(await w.call('GET', '/api/v1/nothing', CAST.holder), 404, 'not-found');
  expectProblem(await w.call('GET', mbox(`nobody@${D}`), CAST.holder), 404, 'mailbox-not-found');
  const doc = await fetch(`${w.base}/problems/cab-naming`);
  assert.match(await doc.text(), /R-CAB-2/);
});
