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
