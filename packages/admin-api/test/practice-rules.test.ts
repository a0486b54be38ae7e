// The practice rules of issue #20 over HTTP (real socket, both engines): R-CAB-1 at creation,
// the cotitulaire limit, the directory attachment, ORG responsible persons, the address release.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_ENGINE } from '@mss/store/testing';
import { STRUCT, mbox, startWorld, type World } from './support/world.ts';
import { CAST, seedCast } from './support/cast.ts';

let w: World;
let clock = new Date('2026-03-01T10:00:00.000Z');
before(async () => {
  w = await startWorld({ limits: { maxCotitulaires: 1, addressReleaseDelayMs: 30 * 24 * 3600 * 1000 }, now: () => clock });
  await seedCast(w);
  const place = { street: '1 rue de Paris', postal_code: '93260', city: 'Les Lilas', departement: '93', start_date: '2020-01-01' };
  await w.store.directory.upsertSituations([
    // The owner is also salaried at the FINESS hospital STRUCT, and liberal in a practice without FINESS.
    {
      id: 'owner-hospital',
      person_idnat: CAST.owner,
      structure_idnat: STRUCT,
      practice_name: null,
      mode: 'S',
      role_label: null,
      end_date: null,
      ...place,
    },
    {
      id: 'owner-liberal',
      person_idnat: CAST.owner,
      structure_idnat: null,
      practice_name: 'Cabinet',
      mode: 'L',
      role_label: null,
      end_date: null,
      ...place,
    },
    {
      id: 'owner-liberal-2',
      person_idnat: CAST.owner,
      structure_idnat: null,
      practice_name: 'Cabinet 2',
      mode: 'L',
      role_label: null,
      end_date: null,
      ...place,
    },
    {
      id: 'holder-liberal',
      person_idnat: CAST.holder,
      structure_idnat: null,
      practice_name: 'Cabinet',
      mode: 'L',
      role_label: null,
      end_date: null,
      ...place,
    },
  ]);
});
after(async () => w.close());

const D = 'operateur-a.mssante.fr';
const expectProblem = (r: { status: number; body: any; headers: Headers }, status: number, type: string, detail?: RegExp) => {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.type, `/problems/${type}`, JSON.stringify(r.body));
  assert.equal(r.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  if (detail) assert.match(r.body.detail, detail);
};

test(`${TEST_ENGINE}: R-CAB-1: POST a CAB on a situation at a FINESS structure → 422 cab-with-finess naming ORG`, async () => {
  const r = await w.call('POST', '/api/v1/mailboxes', CAST.owner, {
    type: 'CAB',
    address: `cabinet.service-hopital@${D}`,
    situationId: 'owner-hospital',
  });
  expectProblem(r, 422, 'cab-with-finess', /R-CAB-1.*ORG/);
  assert.equal(r.body.suggestedType, 'ORG');
  assert.equal(r.body.field, 'situationId');
  assert.equal((await w.call('GET', mbox(`cabinet.service-hopital@${D}`), CAST.owner)).status, 404);
});

test(`${TEST_ENGINE}: R-CAB-1: POST a CAB for an owner who has not accepted the CGU → 403 cgu-not-accepted with acceptUrl`, async () => {
  const r = await w.call('POST', '/api/v1/mailboxes', 'admin', {
    type: 'CAB',
    address: `cabinet.patient@${D}`,
    holderIdnat: CAST.stranger,
  });
  assert.equal(r.status, 201, 'the cast accepted v1');
  await w.store.cgu.publish({ version: 'v2', url: '/cgu/v2', title: 'CGU v2' });
  try {
    const refused = await w.call('POST', '/api/v1/mailboxes', 'admin', {
      type: 'CAB',
      address: `cabinet.nouveau@${D}`,
      holderIdnat: CAST.stranger,
    });
    expectProblem(refused, 403, 'cgu-not-accepted', /R-CAB-1/);
    assert.match(refused.body.acceptUrl, /\/cgu\/v2$/);
  } finally {
    // Everyone of the cast accepts v2, so that the other tests go on as before.
    for (const who of Object.values(CAST)) if (who !== CAST.patientLike) await w.store.cgu.accept(who, 'v2');
  }
});

test(`${TEST_ENGINE}: the cotitulaire limit → 409 cotitulaire-limit with the limit`, async () => {
  const cab = `cabinet.limite@${D}`;
  assert.equal((await w.call('POST', '/api/v1/mailboxes', CAST.owner, { type: 'CAB', address: cab })).status, 201);
  assert.equal((await w.call('POST', `${mbox(cab)}/cotitulaires`, CAST.owner, { idnat: CAST.cotitulaire })).status, 201);
  const r = await w.call('POST', `${mbox(cab)}/cotitulaires`, CAST.owner, { idnat: CAST.newOwner });
  expectProblem(r, 409, 'cotitulaire-limit', /limit/);
  assert.equal(r.body.limit, 1);
});

test(`${TEST_ENGINE}: R-ANN-1: PUT …/attachment moves a CAB between its owner's situations; refusals are precise problems`, async () => {
  const cab = `cabinet.rattachement@${D}`;
  assert.equal(
    (await w.call('POST', '/api/v1/mailboxes', CAST.owner, { type: 'CAB', address: cab, situationId: 'owner-liberal' })).status,
    201,
  );
  const r = await w.call('PUT', `${mbox(cab)}/attachment`, CAST.owner, { situationId: 'owner-liberal-2', reason: 'déménagement' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.situationId, 'owner-liberal-2');
  const none = await w.call('PUT', `${mbox(cab)}/attachment`, CAST.owner, { situationId: null });
  assert.equal(none.body.situationId, null);
  const history = await w.call('GET', `${mbox(cab)}/history`, CAST.owner);
  assert.deepEqual(
    history.body.entries.filter((e: any) => e.event === 'attachment.changed').map((e: any) => [e.details.from, e.details.to, e.reason]),
    [
      ['owner-liberal', 'owner-liberal-2', 'déménagement'],
      ['owner-liberal-2', null, null],
    ],
  );
  const box = (await w.store.mailboxes.byAddress(cab))!;
  assert.deepEqual(
    (await w.store.outbox.forMailbox(box.id)).map((o) => [o.operation, JSON.parse(o.payload).situationId]),
    [
      ['publish', 'owner-liberal'],
      ['publish', 'owner-liberal-2'],
      ['publish', null],
    ],
  );
  expectProblem(
    await w.call('PUT', `${mbox(cab)}/attachment`, CAST.owner, { situationId: 'owner-hospital' }),
    422,
    'cab-with-finess',
    /ORG/,
  );
  expectProblem(
    await w.call('PUT', `${mbox(cab)}/attachment`, CAST.owner, { situationId: 'holder-liberal' }),
    400,
    'invalid-input',
    /not one of/,
  );
  expectProblem(await w.call('PUT', `${mbox(cab)}/attachment`, CAST.owner, {}), 400, 'invalid-input');
  expectProblem(await w.call('PUT', `${mbox(cab)}/attachment`, CAST.stranger, { situationId: null }), 404, 'mailbox-not-found');
  expectProblem(await w.call('PUT', `${mbox(cab)}/attachment`, 'admin', { situationId: null }), 403, 'forbidden');
  const org = `org-rattachement@${D}`;
  await w.call('POST', '/api/v1/mailboxes', 'admin', {
    type: 'ORG',
    address: org,
    structureIdnat: STRUCT,
    responsibleIdnats: [CAST.responsible],
  });
  expectProblem(await w.call('PUT', `${mbox(org)}/attachment`, CAST.responsible, { situationId: null }), 422, 'attached-to-structure');
  // A PER holder moves their own PER.
  const per = `holder.rattache@${D}`;
  await w.call('POST', '/api/v1/mailboxes', CAST.holder, { type: 'PER', address: per });
  assert.equal(
    (await w.call('PUT', `${mbox(per)}/attachment`, CAST.holder, { situationId: 'holder-liberal' })).body.situationId,
    'holder-liberal',
  );
});

test(`${TEST_ENGINE}: §3: POST/DELETE …/responsibles — co-responsibles over time, never the last; precise problems`, async () => {
  const org = `org-responsables@${D}`;
  await w.call('POST', '/api/v1/mailboxes', 'admin', {
    type: 'ORG',
    address: org,
    structureIdnat: STRUCT,
    responsibleIdnats: [CAST.responsible],
  });
  const added = await w.call('POST', `${mbox(org)}/responsibles`, CAST.responsible, { idnat: CAST.newOwner });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  assert.deepEqual(added.body.holders.map((h: any) => h.idnat).sort(), [CAST.responsible, CAST.newOwner].sort());
  expectProblem(await w.call('POST', `${mbox(org)}/responsibles`, CAST.responsible, { idnat: CAST.newOwner }), 409, 'already-has-access');
  expectProblem(await w.call('POST', `${mbox(org)}/responsibles`, CAST.responsible, { idnat: '8123' }), 400, 'invalid-input');
  expectProblem(await w.call('POST', `${mbox(org)}/responsibles`, CAST.delegate, { idnat: CAST.stranger }), 404, 'mailbox-not-found');
  const removed = await w.call('DELETE', `${mbox(org)}/responsibles/${CAST.responsible}?reason=mutation`, CAST.newOwner);
  assert.equal(removed.status, 200, JSON.stringify(removed.body));
  expectProblem(await w.call('DELETE', `${mbox(org)}/responsibles/${CAST.newOwner}`, 'admin'), 409, 'last-responsible');
  expectProblem(await w.call('DELETE', `${mbox(org)}/responsibles/${CAST.responsible}`, 'admin'), 404, 'responsible-not-found');
  const cab = `cabinet.sans-responsable@${D}`;
  await w.call('POST', '/api/v1/mailboxes', CAST.owner, { type: 'CAB', address: cab });
  expectProblem(await w.call('POST', `${mbox(cab)}/responsibles`, CAST.owner, { idnat: CAST.stranger }), 422, 'not-a-structure-mailbox');
  const history = await w.call('GET', `${mbox(org)}/history`, 'admin');
  assert.deepEqual(
    history.body.entries.slice(1).map((e: any) => [e.event, e.subjectIdnat, e.reason]),
    [
      ['responsible.added', CAST.newOwner, null],
      ['responsible.removed', CAST.responsible, 'mutation'],
    ],
  );
});

test(`${TEST_ENGINE}: R-BAL-2: POST …/release — operator only, after the waiting period (release-too-early names when), then the address is free`, async () => {
  const cab = `cabinet.a-liberer@${D}`;
  await w.call('POST', '/api/v1/mailboxes', CAST.owner, { type: 'CAB', address: cab });
  expectProblem(await w.call('POST', `${mbox(cab)}/release`, 'admin', { reason: 'x' }), 409, 'invalid-transition', /closed/);
  await w.call('DELETE', `${mbox(cab)}?reason=cessation`, CAST.owner);
  expectProblem(await w.call('POST', `${mbox(cab)}/release`, CAST.owner, { reason: 'x' }), 409, 'mailbox-closed');
  expectProblem(await w.call('POST', `${mbox(cab)}/release`, 'admin', {}), 400, 'invalid-input');
  const early = await w.call('POST', `${mbox(cab)}/release`, 'admin', { reason: 'x' });
  expectProblem(early, 409, 'release-too-early', /30 days/);
  assert.equal(early.body.releasableAt, new Date(clock.getTime() + 30 * 86_400_000).toISOString());
  clock = new Date(clock.getTime() + 30 * 86_400_000);
  const released = await w.call('POST', `${mbox(cab)}/release`, 'admin', { reason: 'demande du nouveau cabinet' });
  assert.equal(released.status, 200, JSON.stringify(released.body));
  assert.equal(released.body.releasedAt, clock.toISOString());
  assert.equal(released.body.status, 'closed');
  // Another owner can now create a CAB at that address.
  const again = await w.call('POST', '/api/v1/mailboxes', CAST.newOwner, { type: 'CAB', address: cab });
  assert.equal(again.status, 201, JSON.stringify(again.body));
  assert.equal(again.body.ownerIdnat, CAST.newOwner);
});

test(`${TEST_ENGINE}: group addresses over HTTP: the CAB owner creates, lists, edits and closes them; members of the practice only`, async () => {
  const cab = `cabinet.groupes@${D}`;
  await w.call('POST', '/api/v1/mailboxes', CAST.owner, { type: 'CAB', address: cab });
  const group = `accueil.groupes@${D}`;
  const g = `${mbox(cab)}/groups`;
  const created = await w.call('POST', g, CAST.owner, { address: group, description: 'Accueil', members: [cab] });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual(
    created.body.members.map((m: any) => [m.address, m.receives]),
    [[cab, true]],
  );
  expectProblem(await w.call('POST', g, CAST.owner, { address: group, members: [cab] }), 409, 'address-taken');
  expectProblem(await w.call('POST', g, CAST.owner, { address: `autre@${D}`, members: [`per-inconnu@${D}`] }), 422, 'not-of-the-practice');
  expectProblem(await w.call('POST', g, CAST.owner, { address: `autre@${D}`, members: [] }), 400, 'invalid-input');
  expectProblem(await w.call('GET', g, CAST.stranger), 404, 'mailbox-not-found');
  const per = `owner.perso@${D}`;
  await w.call('POST', '/api/v1/mailboxes', CAST.owner, { type: 'PER', address: per });
  const added = await w.call('POST', `${g}/${encodeURIComponent(group)}/members`, CAST.owner, { address: per });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  assert.equal(added.body.members.length, 2);
  const removed = await w.call('DELETE', `${g}/${encodeURIComponent(group)}/members/${encodeURIComponent(per)}`, CAST.owner);
  assert.equal(removed.body.members.length, 1);
  const listed = await w.call('GET', g, CAST.owner);
  assert.deepEqual(
    listed.body.groups.map((x: any) => x.address),
    [group],
  );
  const closed = await w.call('DELETE', `${g}/${encodeURIComponent(group)}?reason=fin`, CAST.owner);
  assert.equal(closed.status, 200);
  assert.ok(closed.body.closedAt);
  expectProblem(await w.call('DELETE', `${g}/${encodeURIComponent(group)}`, CAST.owner), 404, 'group-not-found');
  const org = `org-groupes@${D}`;
  await w.call('POST', '/api/v1/mailboxes', 'admin', {
    type: 'ORG',
    address: org,
    structureIdnat: STRUCT,
    responsibleIdnats: [CAST.responsible],
  });
  expectProblem(await w.call('GET', `${mbox(org)}/groups`, CAST.responsible), 422, 'not-a-cab');
});
