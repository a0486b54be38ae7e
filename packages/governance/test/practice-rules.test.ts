// The practice rules of issue #20 at the governance level, against a real store (SQLite or
// PostgreSQL): R-CAB-1 at creation, the operator's cotitulaire limit, the directory attachment
// changed by the owner, ORG responsible persons over time, the audited address release (R-BAL-2).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_ENGINE } from '@mss/store/testing';
import type { GovernanceError } from '../src/index.ts';
import { refused } from './support/directory.ts';
import { ADMIN, D, HOSPITAL, P, SIT, as, practiceWorld, type PracticeWorld } from './support/practice.ts';

let w: PracticeWorld;
before(async () => {
  w = await practiceWorld({ limits: { maxCotitulaires: 2 } });
});
after(async () => w.cleanup());

const lastAudit = async (who: string) => (await w.store.audit.list({ idnat: who, limit: 1000 })).at(-1)!;

test(`${TEST_ENGINE}: R-CAB-1: a CAB on a situation at a FINESS structure is refused, with ORG as the type that fits; nothing is created`, async () => {
  const address = `cabinet.cardio-hopital@${D}`;
  const err = await refused(
    w.gov.createMailbox(as(P.salaried), { type: 'CAB', address, situationId: SIT.salariedHospital }),
    'cab-with-finess',
    /Centre hospitalier des Lilas.*R-CAB-1.*ORG/,
  );
  assert.deepEqual(err.extra, { field: 'situationId', rule: 'R-CAB-1', suggestedType: 'ORG' });
  assert.equal(await w.store.mailboxes.byAddress(address), undefined, 'nothing was created');
  // The operator is refused the same: the rule is about the practice, not about who asks.
  await refused(
    w.gov.createMailbox(ADMIN, { type: 'CAB', address, holderIdnat: P.salaried, situationId: SIT.salariedHospital }),
    'cab-with-finess',
  );
  // The same professional's liberal situation is fine, and so is a practice registered by SIRET (no FINESS).
  const cab = await w.gov.createMailbox(as(P.salaried), { type: 'CAB', address, situationId: SIT.salariedLiberal });
  assert.equal(cab.situationId, SIT.salariedLiberal);
  const siret = await w.gov.createMailbox(as(P.nurse), { type: 'CAB', address: `cabinet.scm-lilas@${D}`, situationId: SIT.nurseSiret });
  assert.equal(siret.situationId, SIT.nurseSiret);
  // A PER of the salaried doctor may be shown on the hospital situation: the rule is the CAB's.
  const per = await w.gov.createMailbox(as(P.salaried), { type: 'PER', address: `dr.salarie@${D}`, situationId: SIT.salariedHospital });
  assert.equal(per.situationId, SIT.salariedHospital);
  // An ORG for the structure itself is what the operator creates there.
  await w.gov.createMailbox(ADMIN, {
    type: 'ORG',
    address: `cardiologie.lilas@${D}`,
    structureIdnat: HOSPITAL,
    responsibleIdnats: [P.resp],
  });
});

test(`${TEST_ENGINE}: R-CAB-1: the owner's CGU are checked at creation, by the owner or by the operator for them; decided and audited`, async () => {
  const err = await refused(
    w.gov.createMailbox(as(P.noCgu), { type: 'CAB', address: `cabinet.sans-cgu@${D}` }),
    'cgu-not-accepted',
    /R-CAB-1/,
  );
  assert.match(String(err.extra.acceptUrl), /\/cgu\/v1$/);
  const denied = await lastAudit(P.noCgu);
  assert.deepEqual([denied.action, denied.outcome, denied.reason], ['create', 'denied', 'cgu-not-accepted']);
  await refused(w.gov.createMailbox(ADMIN, { type: 'CAB', address: `cabinet.sans-cgu@${D}`, holderIdnat: P.noCgu }), 'cgu-not-accepted');
  assert.equal(await w.store.mailboxes.byAddress(`cabinet.sans-cgu@${D}`), undefined);
  await w.store.cgu.accept(P.noCgu, 'v1');
  const cab = await w.gov.createMailbox(as(P.noCgu), { type: 'CAB', address: `cabinet.sans-cgu@${D}` });
  assert.equal(cab.ownerIdnat, P.noCgu);
});

test(`${TEST_ENGINE}: cotitulaires per CAB are limited by the operator's setting; the owner is not counted; a removal frees a place`, async () => {
  const cab = `cabinet.limite@${D}`;
  await w.gov.createMailbox(as(P.nurse), { type: 'CAB', address: cab });
  await w.gov.addCotitulaire(as(P.nurse), cab, P.nurse2);
  await w.gov.addCotitulaire(as(P.nurse), cab, P.nurse3);
  const err = await refused(w.gov.addCotitulaire(as(P.nurse), cab, P.nurse4), 'cotitulaire-limit', /2 cotitulaires/);
  assert.deepEqual(err.extra, { limit: 2 });
  const box = (await w.store.mailboxes.byAddress(cab))!;
  assert.equal((await w.store.mailboxes.holders(box.id)).filter((h) => h.role === 'cotitulaire').length, 2);
  assert.ok(!(await w.store.history.list({ mailboxId: box.id })).some((e) => e.subjectIdnat === P.nurse4), 'no history for a refusal');
  await w.gov.removeCotitulaire(as(P.nurse), cab, P.nurse2);
  const v = await w.gov.addCotitulaire(as(P.nurse), cab, P.nurse4);
  assert.deepEqual(v.holders.map((h) => h.idnat).sort(), [P.nurse, P.nurse3, P.nurse4].sort());
});

test(`${TEST_ENGINE}: concurrent additions cannot pass the cotitulaire limit together`, async () => {
  const cab = `cabinet.course@${D}`;
  await w.gov.createMailbox(as(P.nurse), { type: 'CAB', address: cab });
  await w.gov.addCotitulaire(as(P.nurse), cab, P.nurse2);
  const results = await Promise.allSettled([
    w.gov.addCotitulaire(as(P.nurse), cab, P.nurse3),
    w.gov.addCotitulaire(as(P.nurse), cab, P.nurse4),
  ]);
  assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  const rejected = results.find((r) => r.status === 'rejected')!.reason as GovernanceError;
  assert.ok(['cotitulaire-limit', 'conflict'].includes(rejected.kind), rejected.message);
  const box = (await w.store.mailboxes.byAddress(cab))!;
  assert.equal((await w.store.mailboxes.holders(box.id)).filter((h) => h.role === 'cotitulaire').length, 2);
});

test(`${TEST_ENGINE}: R-ANN-1: the owner moves the CAB to another of their own situations, or to none; history and directory follow`, async () => {
  const cab = `cabinet.scm-lilas@${D}`; // the nurse's, on the SIRET practice's situation (first test)
  const box = (await w.store.mailboxes.byAddress(cab))!;
  const moved = await w.gov.changeAttachment(as(P.nurse), cab, SIT.nurseLiberal, 'the practice moved');
  assert.equal(moved.situationId, SIT.nurseLiberal);
  const entry = (await w.store.history.list({ mailboxId: box.id })).at(-1)!;
  assert.deepEqual(
    [entry.event, entry.actor, entry.subjectIdnat, entry.reason, entry.details],
    ['attachment.changed', P.nurse, P.nurse, 'the practice moved', { from: SIT.nurseSiret, to: SIT.nurseLiberal }],
  );
  const published = (await w.store.outbox.forMailbox(box.id)).at(-1)!;
  assert.equal(published.operation, 'publish');
  assert.equal(JSON.parse(published.payload).situationId, SIT.nurseLiberal);
  // None: shown on every situation of the owner.
  assert.equal((await w.gov.changeAttachment(as(P.nurse), cab, null)).situationId, null);
  assert.equal(JSON.parse((await w.store.outbox.forMailbox(box.id)).at(-1)!.payload).situationId, null);
  await refused(w.gov.changeAttachment(as(P.nurse), cab, null), 'invalid-input', /already attached to no particular situation/);
  // A PER holder may do the same with their PER, on any of their situations.
  assert.equal((await w.gov.changeAttachment(as(P.salaried), `dr.salarie@${D}`, SIT.salariedLiberal)).situationId, SIT.salariedLiberal);
});

test(`${TEST_ENGINE}: the attachment must be one of the owner's own, current situations, never a FINESS one for a CAB; only the owner may`, async () => {
  const cab = `cabinet.scm-lilas@${D}`;
  const before = (await w.store.mailboxes.byAddress(cab))!;
  const err = await refused(w.gov.changeAttachment(as(P.nurse), cab, SIT.salariedHospital), 'invalid-input', /not one of/);
  assert.equal(err.extra.field, 'situationId');
  await refused(w.gov.changeAttachment(as(P.nurse), cab, SIT.nurseEnded), 'invalid-input', /ended on 2021-12-31/);
  await refused(w.gov.changeAttachment(as(P.nurse), cab, 'no-such-situation'), 'invalid-input');
  // The salaried doctor's CAB may not go on the hospital situation (R-CAB-1), their PER may.
  await refused(w.gov.changeAttachment(as(P.salaried), `cabinet.cardio-hopital@${D}`, SIT.salariedHospital), 'cab-with-finess', /ORG/);
  assert.equal((await w.gov.changeAttachment(as(P.salaried), `dr.salarie@${D}`, SIT.salariedHospital)).situationId, SIT.salariedHospital);
  // Who may: the owner only. A cotitulaire is told it is not theirs to do, a stranger learns nothing.
  await w.gov.addCotitulaire(as(P.nurse), cab, P.nurse2);
  await refused(w.gov.changeAttachment(as(P.nurse2), cab, SIT.nurseLiberal), 'forbidden', /change-attachment/);
  await refused(w.gov.changeAttachment(as(P.stranger), cab, SIT.nurseLiberal), 'mailbox-not-found');
  await refused(w.gov.changeAttachment(ADMIN, cab, SIT.nurseLiberal), 'forbidden');
  await refused(w.gov.changeAttachment(as(P.resp), `cardiologie.lilas@${D}`, null), 'attached-to-structure', /transfer/);
  const after = (await w.store.mailboxes.byAddress(cab))!;
  assert.equal(after.situation_id, before.situation_id, 'no refusal changed anything');
  const denied = await lastAudit(P.nurse2);
  assert.deepEqual([denied.action, denied.outcome, denied.reason], ['change-attachment', 'denied', 'action-not-allowed']);
});

test(`${TEST_ENGINE}: §3: ORG responsible persons over time — added and removed by a responsible or the operator, never the last; history and sessions`, async () => {
  const org = `urgences.lilas@${D}`;
  await w.gov.createMailbox(ADMIN, { type: 'ORG', address: org, structureIdnat: HOSPITAL, responsibleIdnats: [P.resp] });
  const added = await w.gov.addResponsible(as(P.resp), org, P.resp2); // a responsible names a co-responsible
  assert.deepEqual(
    added.holders.map((h) => [h.idnat, h.role]).sort(),
    [
      [P.resp, 'responsible'],
      [P.resp2, 'responsible'],
    ].sort(),
  );
  await refused(w.gov.addResponsible(as(P.resp), org, P.resp2), 'already-has-access');
  await refused(w.gov.addResponsible(as(P.resp), org, '279035121518989'), 'invalid-identifier');
  await refused(w.gov.addResponsible(as(P.stranger), org, P.stranger), 'mailbox-not-found');
  // The new co-responsible may manage the list in turn (atelier #1), and use the mailbox.
  assert.equal((await w.access.decide({ principal: as(P.resp2), mailbox: org, action: 'read', channel: 'imap' })).allowed, true);
  w.events.length = 0;
  await w.gov.removeResponsible(as(P.resp2), org, P.resp, 'left the hospital');
  assert.deepEqual(w.events, [
    { kind: 'holder-removed', mailboxId: (await w.store.mailboxes.byAddress(org))!.id, idnat: P.resp, role: 'responsible' },
  ]);
  const err = await refused(w.gov.removeResponsible(as(P.resp2), org, P.resp2), 'last-responsible', /last responsible/);
  assert.deepEqual(err.extra, {});
  await refused(w.gov.removeResponsible(ADMIN, org, P.resp2), 'last-responsible');
  await refused(w.gov.removeResponsible(ADMIN, org, P.resp), 'responsible-not-found');
  // The operator names one too (it named the first ones).
  await w.gov.addResponsible(ADMIN, org, P.resp);
  const box = (await w.store.mailboxes.byAddress(org))!;
  const history = (await w.store.history.list({ mailboxId: box.id })).map((e) => [e.event, e.actor, e.subjectIdnat, e.reason]);
  assert.deepEqual(history.slice(1), [
    ['responsible.added', P.resp, P.resp2, null],
    ['responsible.removed', P.resp2, P.resp, 'left the hospital'],
    ['responsible.added', 'operator-admin', P.resp, null],
  ]);
  // Decided and audited; responsible persons exist only on ORG/APP.
  const allowed = (await w.store.audit.list({ idnat: P.resp2, limit: 1000 })).filter((a) => a.action === 'manage-responsibles');
  assert.ok(allowed.length >= 2 && allowed.every((a) => a.channel === 'admin-api'));
  await refused(w.gov.addResponsible(as(P.nurse), `cabinet.scm-lilas@${D}`, P.resp), 'not-a-structure-mailbox', /ORG and APP/);
  // A delegate of the ORG may use it but not name responsible persons.
  await w.gov.grantDelegation(as(P.resp), org, { delegateIdnat: P.secretary });
  await refused(w.gov.addResponsible(as(P.secretary), org, P.nurse), 'forbidden', /manage-responsibles/);
});

test(`${TEST_ENGINE}: concurrent removals of the two last responsible persons leave one`, async () => {
  const org = `bloc.lilas@${D}`;
  await w.gov.createMailbox(ADMIN, { type: 'ORG', address: org, structureIdnat: HOSPITAL, responsibleIdnats: [P.resp, P.resp2] });
  const results = await Promise.allSettled([w.gov.removeResponsible(ADMIN, org, P.resp), w.gov.removeResponsible(ADMIN, org, P.resp2)]);
  assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  const box = (await w.store.mailboxes.byAddress(org))!;
  assert.equal((await w.store.mailboxes.holders(box.id)).filter((h) => h.role === 'responsible').length, 1);
});

test(`${TEST_ENGINE}: R-BAL-2: an operator administrator releases a closed address after the waiting period, audited; then it can be taken again`, async () => {
  let now = new Date('2026-01-10T09:00:00.000Z');
  const t = await practiceWorld({ now: () => now, limits: { addressReleaseDelayMs: 30 * 86_400_000 } });
  try {
    const cab = `cabinet.ferme@${D}`;
    await t.gov.createMailbox(as(P.nurse), { type: 'CAB', address: cab });
    await refused(t.gov.releaseAddress(ADMIN, cab, 'reuse'), 'invalid-transition', /only a closed mailbox/);
    await t.gov.deleteMailbox(as(P.nurse), cab, 'cessation');
    // Only the operator's administrators: the former owner may not, and learns it is closed.
    await refused(t.gov.releaseAddress(as(P.nurse), cab, 'reuse'), 'mailbox-closed');
    await refused(t.gov.releaseAddress(as(P.stranger), cab, 'reuse'), 'mailbox-not-found');
    now = new Date('2026-02-09T08:59:59.000Z'); // one second before the 30 days are over
    const early = await refused(t.gov.releaseAddress(ADMIN, cab, 'reuse'), 'release-too-early', /30 days/);
    assert.deepEqual(early.extra, { releasableAt: '2026-02-09T09:00:00.000Z' });
    await refused(t.gov.createMailbox(as(P.nurse2), { type: 'CAB', address: cab }), 'address-taken');
    now = new Date('2026-02-09T09:00:00.000Z');
    const old = (await t.store.mailboxes.byAddress(cab))!;
    const released = await t.gov.releaseAddress(ADMIN, cab, 'new practice asks for it');
    assert.equal(released.releasedAt, '2026-02-09T09:00:00.000Z');
    const entry = (await t.store.history.list({ mailboxId: old.id })).at(-1)!;
    assert.deepEqual(
      [entry.event, entry.actor, entry.reason, entry.details.closedAt],
      ['address.released', 'operator-admin', 'new practice asks for it', '2026-01-10T09:00:00.000Z'],
    );
    const audit = (await t.store.audit.list({ idnat: 'operator-admin:admin', limit: 100 })).filter((a) => a.action === 'release-address');
    assert.deepEqual(
      audit.map((a) => a.outcome),
      ['allowed', 'allowed', 'allowed'],
      'each attempt decided and audited',
    );
    // The address names nothing now; another practice may take it; the old mailbox keeps its history.
    await refused(t.gov.releaseAddress(ADMIN, cab, 'again'), 'mailbox-not-found');
    const reborn = await t.gov.createMailbox(as(P.nurse2), { type: 'CAB', address: cab });
    assert.equal(reborn.ownerIdnat, P.nurse2);
    assert.ok((await t.store.history.list({ mailboxId: old.id })).some((e) => e.event === 'mailbox.closed'));
  } finally {
    await t.cleanup();
  }
});

test(`${TEST_ENGINE}: group addresses: kept by the CAB's owner, members of the practice only, history on the CAB, one address space with mailboxes`, async () => {
  const cab = `cabinet.groupe@${D}`;
  await w.gov.createMailbox(as(P.nurse), { type: 'CAB', address: cab });
  await w.gov.addCotitulaire(as(P.nurse), cab, P.nurse3);
  const per3 = await w.gov.createMailbox(as(P.nurse3), { type: 'PER', address: `nurse.three@${D}` });
  const stranger = await w.gov.createMailbox(as(P.stranger), { type: 'PER', address: `stranger@${D}` });
  const group = `accueil.groupe@${D}`;
  await refused(w.gov.createGroup(as(P.nurse), cab, { address: group, members: [cab, stranger.address] }), 'not-of-the-practice');
  await refused(w.gov.createGroup(as(P.nurse3), cab, { address: group, members: [cab] }), 'forbidden', /manage-groups/);
  await refused(w.gov.createGroup(as(P.nurse), cab, { address: `cabinet.x@${D}`, members: [cab] }), 'invalid-address');
  await refused(w.gov.createGroup(as(P.nurse), cab, { address: per3.address, members: [cab] }), 'address-taken');
  const g = await w.gov.createGroup(as(P.nurse), cab, { address: group, description: 'Accueil', members: [cab, per3.address] });
  assert.deepEqual(
    g.members.map((m) => [m.address, m.receives]),
    [
      [cab, true],
      [per3.address, true],
    ],
  );
  await refused(w.gov.createMailbox(as(P.nurse2), { type: 'PER', address: group }), 'address-taken', /group address/);
  const fan = await w.store.groups.fanOut(group);
  assert.deepEqual(fan!.members.map((m) => m.address).sort(), [cab, per3.address].sort());
  await w.gov.removeGroupMember(as(P.nurse), cab, group, per3.address);
  await refused(w.gov.removeGroupMember(as(P.nurse), cab, group, cab), 'invalid-input', /last member/);
  await w.gov.closeGroup(as(P.nurse), cab, group, 'fin');
  assert.equal(await w.store.groups.fanOut(group), undefined);
  await refused(w.gov.addGroupMember(as(P.nurse), cab, group, per3.address), 'group-not-found');
  const box = (await w.store.mailboxes.byAddress(cab))!;
  assert.deepEqual(
    (await w.store.history.list({ mailboxId: box.id })).map((e) => e.event).filter((e) => e.startsWith('group.')),
    ['group.created', 'group.member-removed', 'group.closed'],
  );
  // Not published: the directory outbox has the CAB only.
  assert.ok((await w.store.outbox.pending(1000)).every((o) => o.address !== group));
  await refused(w.gov.groups(as(P.stranger), cab), 'mailbox-not-found');
  await refused(w.gov.groups(as(P.stranger), stranger.address), 'not-a-cab');
});
