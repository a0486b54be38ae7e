// The practice rules of issue #20 at the governance level, against a real store (SQLite or
// PostgreSQL): R-CAB-1 at creation, the operator's cotitulaire limit, the directory attachment
// changed by the owner, ORG responsible persons over time, the audited address release (R-BAL-2).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TEST_ENGINE } from '@mss/store/testing';
import { GovernanceError, type GovernanceErrorKind } from '../src/index.ts';
import { ADMIN, D, HOSPITAL, P, SIT, as, practiceWorld, type PracticeWorld } from './support/practice.ts';

let w: PracticeWorld;
before(async () => {
  w = await practiceWorld({ limits: { maxCotitulaires: 2 } });
});
after(async () => w.cleanup());

async function refused(p: Promise<unknown>, kind: GovernanceErrorKind, message?: RegExp): Promise<GovernanceError> {
  let caught: unknown;
  await p.then(
    () => assert.fail(`expected ${kind}`),
    (err: unknown) => (caught = err),
  );
  assert.ok(caught instanceof GovernanceError, String(caught));
  assert.equal(caught.kind, kind, caught.message);
  if (message) assert.match(caught.message, message);
  return caught;
}

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
