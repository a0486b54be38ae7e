// Structure-local identities (issue #20 rule 6), at the governance and decision level, on a real
// store (SQLite or PostgreSQL): an ORG's responsible person declares the structure's own staff;
// a token of the structure's identity provider (here its principal) then opens that ORG mailbox
// and nothing else — not a PER, a CAB or an APP, not another structure's ORG — through the one
// decision point, audited; removal ends access at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeFiness, makeRpps } from '@mss/domain';
import { AccessControl, type Principal, type RevocationEvent } from '@mss/access';
import { openTestStore, TEST_ENGINE } from '@mss/store/testing';
import type { Store } from '@mss/store';
import { Governance } from '../src/index.ts';
import { directoryPerson, finessStructure, refused } from './support/directory.ts';

const D = 'operateur-a.mssante.fr';
const idnat = (n: number) => `8${makeRpps(String(1_200_000_000 + n))}`;
const FINESS = makeFiness('93000001');
const FINESS2 = makeFiness('75000002');
const P = { resp: idnat(1), resp2: idnat(2), gp: idnat(3), stranger: idnat(4) };
const ADMIN: Principal = { kind: 'operator-admin', name: 'admin' };
const as = (who: string): Principal => ({ kind: 'person', idnat: who });
const ISSUER = 'http://127.0.0.1:1/realms/ch';
const local = (id: string, finess = FINESS): Principal => ({ kind: 'local-person', idnat: `3${finess}/${id}`, finess, issuer: ISSUER });
const BOX = { org: `cardio@${D}`, org2: `urgences.autre@${D}`, app: `robot@${D}`, per: `gp@${D}`, cab: `cabinet.lilas@${D}` };

let store: Store;
let cleanup: () => Promise<void>;
let access: AccessControl;
let gov: Governance;
const events: RevocationEvent[] = [];

before(async () => {
  ({ store, cleanup } = await openTestStore());
  access = new AccessControl({ store });
  access.bus.subscribe((e) => events.push(e));
  gov = new Governance({ store, access, operatorDomains: [D] });
  const person = (id: string, last: string) => directoryPerson(id, last, { professionCode: '10' });
  await store.directory.upsertPersons([person(P.resp, 'Resp'), person(P.resp2, 'Resp2'), person(P.gp, 'Gp'), person(P.stranger, 'Str')]);
  await store.directory.upsertStructures([finessStructure(FINESS, 'CH A'), finessStructure(FINESS2, 'CH B')]);
  await gov.createMailbox(ADMIN, { type: 'ORG', address: BOX.org, structureIdnat: `1${FINESS}`, responsibleIdnats: [P.resp] });
  await gov.createMailbox(ADMIN, { type: 'ORG', address: BOX.org2, structureIdnat: `1${FINESS2}`, responsibleIdnats: [P.resp2] });
  await gov.createMailbox(ADMIN, { type: 'APP', address: BOX.app, structureIdnat: `1${FINESS}`, responsibleIdnats: [P.resp] });
  await gov.createMailbox(as(P.gp), { type: 'PER', address: BOX.per });
  await gov.createMailbox(as(P.gp), { type: 'CAB', address: BOX.cab });
  await gov.publishCgu(ADMIN, { version: 'v1', title: 'CGU v1' });
  for (const who of Object.values(P)) await store.cgu.accept(who, 'v1');
});
after(async () => cleanup());

const decide = (who: Principal, mailbox: string, action: 'read' | 'send' | 'manage-delegates' = 'read') =>
  access.decide({ principal: who, mailbox, action, channel: 'imap' });

test(`${TEST_ENGINE}: the ORG's responsible person declares a member of the structure's staff, with history`, async () => {
  const v = await gov.addLocalPerson(as(P.resp), BOX.org, { localId: 'jdupont', name: 'Jeanne Dupont', role: 'secrétaire médicale' });
  assert.deepEqual(
    [v.idnat, v.localId, v.name, v.role, v.addedBy, v.removedAt],
    [`3${FINESS}/jdupont`, 'jdupont', 'Jeanne Dupont', 'secrétaire médicale', P.resp, null],
  );
  const box = (await store.mailboxes.byAddress(BOX.org))!;
  const last = (await store.history.list({ mailboxId: box.id })).at(-1)!;
  assert.deepEqual([last.event, last.actor, last.subjectIdnat], ['local-person.added', P.resp, `3${FINESS}/jdupont`]);
  assert.deepEqual(last.details, { name: 'Jeanne Dupont', role: 'secrétaire médicale' });
  // The whole IdNat is accepted too, when its FINESS is the mailbox's.
  const w = await gov.addLocalPerson(as(P.resp), BOX.org, { localId: `3${FINESS}/mleroy`, name: 'Marc Leroy', role: 'IDE' });
  assert.equal(w.idnat, `3${FINESS}/mleroy`);
  await refused(gov.addLocalPerson(as(P.resp), BOX.org, { localId: 'jdupont', name: 'Again', role: 'x' }), 'already-has-access');
});

test(`${TEST_ENGINE}: R-AUTH-2: the declared person reads and sends on that ORG after accepting the CGU, audited as local-person`, async () => {
  const jd = local('jdupont');
  const before = await decide(jd, BOX.org);
  assert.equal(before.allowed, false);
  if (!before.allowed) assert.equal(before.reason, 'cgu-not-accepted');
  await gov.acceptCgu(jd, 'v1');
  for (const action of ['read', 'send'] as const) {
    const d = await decide(jd, BOX.org, action);
    assert.equal(d.allowed, true, action);
    if (d.allowed) assert.equal(d.role, 'local-person');
  }
  const audit = (await store.audit.list({ idnat: jd.kind === 'local-person' ? jd.idnat : '', limit: 100 })).at(-1)!;
  assert.deepEqual([audit.outcome, audit.role, audit.mailbox, audit.action], ['allowed', 'local-person', BOX.org, 'send']);
  // They use the mailbox; they do not govern it (role table: mail only).
  const manage = await decide(jd, BOX.org, 'manage-delegates');
  assert.equal(manage.allowed, false);
  if (!manage.allowed) assert.equal(manage.reason, 'action-not-allowed');
  await refused(gov.addLocalPerson(jd, BOX.org, { localId: 'other', name: 'O', role: 'x' }), 'forbidden');
  assert.deepEqual(await gov.localMailboxes(`3${FINESS}/jdupont`), [
    { address: BOX.org, type: 'ORG', status: 'active', role: 'local-person' },
  ]);
});

test(`${TEST_ENGINE}: a structure's token opens none of PER, CAB, APP, nor another structure's ORG (answered as no role)`, async () => {
  const jd = local('jdupont');
  for (const mailbox of [BOX.per, BOX.cab, BOX.app, BOX.org2]) {
    const d = await decide(jd, mailbox);
    assert.equal(d.allowed, false, mailbox);
    if (!d.allowed) {
      assert.equal(d.reason, 'no-right', mailbox);
      assert.equal(d.mailboxType, undefined, `${mailbox}: nothing revealed`);
    }
  }
  // The same identifier vouched for by another structure's issuer is another person, declared nowhere.
  const d2 = await decide(local('jdupont', FINESS2), BOX.org2);
  assert.equal(d2.allowed, false);
  // A PSC person whose IdNat happens to read the same opens nothing through a local declaration.
  const psc = await decide(as(`3${FINESS}/jdupont`), BOX.org);
  assert.equal(psc.allowed, false);
  if (!psc.allowed) assert.equal(psc.reason, 'no-right');
  // And an undeclared member of the right structure neither.
  const undeclared = await decide(local('inconnu'), BOX.org);
  assert.equal(undeclared.allowed, false);
});

test(`${TEST_ENGINE}: only an ORG's responsible persons declare, only on an ORG, only their own structure's staff`, async () => {
  const input = { localId: 'x1', name: 'X', role: 'r' };
  await refused(gov.addLocalPerson(as(P.stranger), BOX.org, input), 'mailbox-not-found');
  await refused(gov.addLocalPerson(as(P.resp2), BOX.org, input), 'mailbox-not-found');
  await refused(gov.addLocalPerson(ADMIN, BOX.org, input), 'forbidden');
  await refused(gov.addLocalPerson(as(P.gp), BOX.per, input), 'not-an-org');
  await refused(gov.addLocalPerson(as(P.gp), BOX.cab, input), 'not-an-org');
  await refused(gov.addLocalPerson(as(P.resp), BOX.app, input), 'not-an-org');
  await refused(gov.addLocalPerson(as(P.resp), BOX.org, { ...input, localId: `3${FINESS2}/x1` }), 'invalid-identifier', /FINESS/);
  await refused(gov.addLocalPerson(as(P.resp), BOX.org, { ...input, localId: 'has space' }), 'invalid-identifier');
  await refused(gov.addLocalPerson(as(P.resp), BOX.org, { ...input, localId: 'a'.repeat(21) }), 'invalid-identifier');
  await refused(gov.addLocalPerson(as(P.resp), BOX.org, { ...input, name: '  ' }), 'invalid-input');
  // Listing is for those who govern the mailbox: its responsible persons and the operator.
  assert.deepEqual(
    (await gov.localPersons(ADMIN, BOX.org)).map((p) => p.localId),
    ['jdupont', 'mleroy'],
  );
  await refused(gov.localPersons(local('jdupont'), BOX.org), 'forbidden');
});

test(`${TEST_ENGINE}: R-AUTH-4: removal is history, ends access at once and tells open sessions`, async () => {
  events.length = 0;
  const removed = await gov.removeLocalPerson(as(P.resp), BOX.org, 'jdupont', 'left the department');
  assert.deepEqual([removed.removedBy, removed.removeReason], [P.resp, 'left the department']);
  assert.ok(removed.removedAt);
  const box = (await store.mailboxes.byAddress(BOX.org))!;
  assert.deepEqual(events, [{ kind: 'local-person-removed', mailboxId: box.id, idnat: `3${FINESS}/jdupont` }]);
  const d = await decide(local('jdupont'), BOX.org);
  assert.equal(d.allowed, false);
  if (!d.allowed) assert.equal(d.reason, 'no-right');
  await refused(gov.removeLocalPerson(as(P.resp), BOX.org, 'jdupont'), 'local-person-not-found');
  const last = (await store.history.list({ mailboxId: box.id })).at(-1)!;
  assert.deepEqual([last.event, last.reason, last.subjectIdnat], ['local-person.removed', 'left the department', `3${FINESS}/jdupont`]);
  assert.deepEqual(
    (await gov.localPersons(as(P.resp), BOX.org)).map((p) => p.localId),
    ['mleroy'],
  );
  assert.deepEqual(
    (await gov.localPersons(as(P.resp), BOX.org, { includeRemoved: true })).map((p) => [p.localId, p.removedAt !== null]),
    [
      ['jdupont', true],
      ['mleroy', false],
    ],
  );
  // Declared again later, they are back, with a second row in the history of declarations.
  await gov.addLocalPerson(as(P.resp), BOX.org, { localId: 'jdupont', name: 'Jeanne Dupont', role: 'secrétaire médicale' });
  assert.equal((await decide(local('jdupont'), BOX.org)).allowed, true);
  assert.equal((await gov.localPersons(as(P.resp), BOX.org, { includeRemoved: true })).length, 3);
});

test(`${TEST_ENGINE}: a structure's staff member accepts the CGU only once declared somewhere`, async () => {
  await refused(gov.acceptCgu(local('nobody'), 'v1'), 'not-in-directory');
});

test(`${TEST_ENGINE}: an ORG moved to another structure is no longer its former staff's (the FINESS is checked at each decision)`, async () => {
  const box = `moved@${D}`;
  await gov.createMailbox(ADMIN, { type: 'ORG', address: box, structureIdnat: `1${FINESS}`, responsibleIdnats: [P.resp] });
  await gov.addLocalPerson(as(P.resp), box, { localId: 'jdupont', name: 'Jeanne Dupont', role: 'secrétaire' });
  assert.equal((await decide(local('jdupont'), box)).allowed, true);
  events.length = 0;
  await gov.transferOwnership(ADMIN, box, `1${FINESS2}`, 'regroupement');
  assert.equal(events[0]?.kind, 'ownership-transferred');
  const d = await decide(local('jdupont'), box);
  assert.equal(d.allowed, false);
  if (!d.allowed) assert.equal(d.reason, 'no-right');
  assert.ok(!(await gov.localMailboxes(`3${FINESS}/jdupont`)).some((m) => m.address === box), 'no longer listed as hers');
  // Nor does the new structure's staff inherit the declaration made for another structure.
  assert.equal((await decide(local('jdupont', FINESS2), box)).allowed, false);
});
