// Governance on its own, against a real store (SQLite or PostgreSQL), without HTTP: each rule
// of §3–§5 it enforces, the decisions it asks and audits, and what a refusal reveals.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeFiness, makeRpps } from '@mss/domain';
import { AccessControl, type Principal, type RevocationEvent } from '@mss/access';
import { openTestStore, TEST_ENGINE } from '@mss/store/testing';
import type { Store } from '@mss/store';
import { Governance, GovernanceError } from '../src/index.ts';
import { directoryPerson as person, finessStructure, refused } from './support/directory.ts';

const D = 'operateur-a.mssante.fr';
const idnat = (n: number) => `8${makeRpps(String(1_100_000_000 + n))}`;
const STRUCT = `1${makeFiness('93000001')}`;
const P = { gp: idnat(1), nurse: idnat(2), resp: idnat(3), locum: idnat(4), stranger: idnat(5), secretary: idnat(6) };
const ADMIN: Principal = { kind: 'operator-admin', name: 'admin' };
const as = (who: string): Principal => ({ kind: 'person', idnat: who });

let store: Store;
let cleanup: () => Promise<void>;
let gov: Governance;
const events: RevocationEvent[] = [];

before(async () => {
  ({ store, cleanup } = await openTestStore());
  const access = new AccessControl({ store });
  access.bus.subscribe((e) => events.push(e));
  gov = new Governance({ store, access, operatorDomains: [D] });
  await store.directory.upsertPersons([
    person(P.gp, 'Gp'),
    person(P.nurse, 'Nurse'),
    person(P.resp, 'Resp'),
    person(P.locum, 'Locum'),
    person(P.stranger, 'Stranger'),
    person(P.secretary, 'Secr', { kind: 'SECRETARY' }),
  ]);
  await store.directory.upsertStructures([finessStructure(STRUCT.slice(1), 'CH')]);
});
after(async () => cleanup());

const lastAudit = async (who: string) => (await store.audit.list({ idnat: who, limit: 1000 })).at(-1)!;

test(`${TEST_ENGINE}: R-CAB-1 / R-BAL-1: a PS creates their own PER and CAB; the decision is audited; INBOX, history and directory follow`, async () => {
  const per = await gov.createMailbox(as(P.gp), { type: 'PER', address: `paul.gp@${D}` });
  assert.deepEqual(
    per.holders.map((h) => [h.idnat, h.role]),
    [[P.gp, 'holder']],
  );
  assert.deepEqual(
    [(await lastAudit(P.gp)).action, (await lastAudit(P.gp)).outcome, (await lastAudit(P.gp)).role],
    ['create', 'allowed', 'holder'],
  );
  const cab = await gov.createMailbox(as(P.nurse), { type: 'CAB', address: `cabinet.lilas@${D}` });
  assert.deepEqual(
    cab.holders.map((h) => h.role),
    ['owner'],
  );
  const box = (await store.mailboxes.byAddress(cab.address))!;
  assert.deepEqual(
    (await store.mail.folders(box.id)).map((f) => f.name),
    ['INBOX'],
  );
  assert.deepEqual(
    (await store.history.list({ mailboxId: box.id })).map((e) => e.event),
    ['mailbox.created'],
  );
  assert.deepEqual(
    (await store.outbox.forMailbox(box.id)).map((o) => o.operation),
    ['publish'],
  );
});

test(`${TEST_ENGINE}: creation by whoever would hold no role is refused and audited; ORG/APP are the operator's`, async () => {
  await refused(gov.createMailbox(as(P.stranger), { type: 'PER', address: `autre@${D}`, holderIdnat: P.gp }), 'forbidden');
  const row = await lastAudit(P.stranger);
  assert.deepEqual([row.action, row.outcome, row.reason, row.mailbox], ['create', 'denied', 'no-right', `autre@${D}`]);
  await refused(
    gov.createMailbox(as(P.resp), { type: 'ORG', address: `urgences@${D}`, structureIdnat: STRUCT, responsibleIdnats: [P.resp] }),
    'forbidden',
  );
  const org = await gov.createMailbox(ADMIN, {
    type: 'ORG',
    address: `urgences@${D}`,
    structureIdnat: STRUCT,
    responsibleIdnats: [P.resp],
  });
  assert.deepEqual(
    org.holders.map((h) => [h.idnat, h.role]),
    [[P.resp, 'responsible']],
  );
  await refused(gov.createMailbox(as(P.secretary), { type: 'PER', address: `secr@${D}` }), 'not-a-professional');
  await refused(gov.createMailbox(as(P.nurse), { type: 'CAB', address: `infirmiers@${D}` }), 'cab-naming', /cabinet\./);
});

test(`${TEST_ENGINE}: R-AUTH-3: a stranger is told "no such mailbox" for every operation, whatever the mailbox is`, async () => {
  const known = [`paul.gp@${D}`, `cabinet.lilas@${D}`, `urgences@${D}`];
  // Thunks: each operation starts only when its refusal is awaited.
  const ops = (a: string): (() => Promise<unknown>)[] => [
    () => gov.getMailbox(as(P.stranger), a),
    () => gov.updatePublication(as(P.stranger), a, { listeRouge: true }),
    () => gov.changeStatus(as(P.stranger), a, 'suspended', 'x'),
    () => gov.deleteMailbox(as(P.stranger), a, 'x'),
    () => gov.addCotitulaire(as(P.stranger), a, P.locum),
    () => gov.removeCotitulaire(as(P.stranger), a, P.locum),
    () => gov.transferOwnership(as(P.stranger), a, P.locum),
    () => gov.grantDelegation(as(P.stranger), a, { delegateIdnat: P.locum }),
    () => gov.revokeDelegation(as(P.stranger), a, 1, 'x'),
    () => gov.history(as(P.stranger), a, {}),
  ];
  for (const a of [...known, `personne@${D}`]) {
    for (const op of ops(a)) {
      const err = await refused(op(), 'mailbox-not-found');
      assert.equal(err.message, `no mailbox ${a} at this operator`);
      assert.deepEqual(err.extra, {});
    }
  }
});

test(`${TEST_ENGINE}: R-CAB-3: cotitulaires only on a CAB, by its owner; those with a role are told why`, async () => {
  await refused(gov.addCotitulaire(as(P.gp), `paul.gp@${D}`, P.locum), 'not-a-cab');
  await refused(gov.addCotitulaire(ADMIN, `urgences@${D}`, P.locum), 'not-a-cab');
  const v = await gov.addCotitulaire(as(P.nurse), `cabinet.lilas@${D}`, P.gp);
  assert.deepEqual(v.holders.map((h) => h.role).sort(), ['cotitulaire', 'owner']);
  await refused(gov.addCotitulaire(as(P.gp), `cabinet.lilas@${D}`, P.locum), 'forbidden', /manage-cotitulaires/);
  await refused(gov.addCotitulaire(as(P.nurse), `cabinet.lilas@${D}`, P.gp), 'already-has-access');
  await refused(gov.addCotitulaire(as(P.nurse), `cabinet.lilas@${D}`, P.secretary), 'not-a-professional');
  await refused(gov.removeCotitulaire(as(P.nurse), `cabinet.lilas@${D}`, P.locum), 'cotitulaire-not-found');
});

test(`${TEST_ENGINE}: R-DEL-1 / R-DEL-2 / R-DEL-5: delegations; an id of another mailbox's delegation is not found`, async () => {
  const app = await gov.createMailbox(ADMIN, { type: 'APP', address: `labo@${D}`, structureIdnat: STRUCT, responsibleIdnats: [P.resp] });
  await refused(gov.grantDelegation(as(P.resp), app.address, { delegateIdnat: P.locum }), 'not-delegable', /R-DEL-1/);
  await refused(gov.grantDelegation(as(P.gp), `paul.gp@${D}`, { delegateIdnat: P.locum, endAt: '2020-01-01' }), 'end-date-in-past');
  const cabView = await gov.grantDelegation(as(P.gp), `cabinet.lilas@${D}`, { delegateIdnat: P.secretary }); // a cotitulaire may (R-DEL-2)
  const cabDelegation = cabView.delegations!.find((d) => d.delegateIdnat === P.secretary)!;
  const perView = await gov.grantDelegation(as(P.gp), `paul.gp@${D}`, { delegateIdnat: P.locum, endAt: '2099-12-31' });
  assert.equal(perView.delegations!.length, 1);
  await refused(gov.grantDelegation(as(P.gp), `paul.gp@${D}`, { delegateIdnat: P.locum }), 'already-has-access');
  // The PER holder names the CAB's delegation id on their own mailbox: not found, and untouched.
  await refused(gov.revokeDelegation(as(P.gp), `paul.gp@${D}`, cabDelegation.id, 'x'), 'delegation-not-found');
  assert.equal((await store.mailboxes.delegation(cabDelegation.id))?.revoked_at, null);
  events.length = 0;
  await gov.revokeDelegation(as(P.gp), `paul.gp@${D}`, perView.delegations![0]!.id, 'fin de remplacement');
  assert.deepEqual(
    events.map((e) => e.kind),
    ['delegation-ended'],
    'R-AUTH-4: open sessions are told',
  );
  const history = await gov.history(as(P.gp), `paul.gp@${D}`, {});
  assert.deepEqual(history.map((e) => e.event).slice(-2), ['delegation.granted', 'delegation.revoked']);
});

test(`${TEST_ENGINE}: R-BAL-2: closing is final; the holder learns it, the stranger does not; delegations end with it`, async () => {
  await gov.grantDelegation(as(P.nurse), `cabinet.lilas@${D}`, { delegateIdnat: P.locum });
  await gov.deleteMailbox(as(P.nurse), `cabinet.lilas@${D}`, 'cessation');
  const box = (await store.mailboxes.byAddress(`cabinet.lilas@${D}`))!;
  assert.deepEqual(await store.mailboxes.activeDelegations(box.id), []);
  await refused(gov.changeStatus(ADMIN, `cabinet.lilas@${D}`, 'active', 'x'), 'mailbox-closed');
  await refused(gov.updatePublication(as(P.nurse), `cabinet.lilas@${D}`, { listeRouge: true }), 'mailbox-closed');
  await refused(gov.updatePublication(as(P.locum), `cabinet.lilas@${D}`, { listeRouge: true }), 'mailbox-not-found');
  // The history stays readable by those who govern it.
  assert.ok((await gov.history(as(P.nurse), `cabinet.lilas@${D}`, {})).some((e) => e.event === 'mailbox.closed'));
});

test(`${TEST_ENGINE}: R-CAB-4: CGU publication is the administrators' — decided and audited, allowed or denied`, async () => {
  await refused(gov.publishCgu(as(P.gp), { version: 'v1', title: 'CGU' }), 'forbidden');
  const denied = await lastAudit(P.gp);
  assert.deepEqual([denied.action, denied.mailbox, denied.outcome], ['publish-cgu', null, 'denied']);
  events.length = 0;
  const v1 = await gov.publishCgu(ADMIN, { version: 'v1', title: 'CGU' });
  assert.equal(v1.url, '/cgu/v1');
  assert.deepEqual(events, [{ kind: 'cgu-published', version: 'v1' }]);
  const allowed = await lastAudit('operator-admin:admin');
  assert.deepEqual([allowed.action, allowed.outcome], ['publish-cgu', 'allowed']);
  await refused(gov.publishCgu(ADMIN, { version: 'v1', title: 'CGU' }), 'cgu-exists');
  assert.equal((await gov.currentCgu()).version, 'v1');
  await refused(gov.acceptCgu(as(P.gp), 'v0'), 'cgu-not-current');
  await refused(gov.acceptCgu(ADMIN, 'v1'), 'invalid-input');
  const first = await gov.acceptCgu(as(P.gp), 'v1');
  assert.deepEqual(await gov.acceptCgu(as(P.gp), 'v1'), first, 'the first acceptance time is kept');
  assert.deepEqual([(await gov.cguVersion('v1')).current], [true]);
  await refused(gov.cguVersion('v9'), 'no-cgu');
});

test('GovernanceError speaks the domain, not HTTP', () => {
  const err = new GovernanceError('not-a-cab', 'x');
  assert.equal(err.kind, 'not-a-cab');
  assert.equal(err.code, 'GOVERNANCE_NOT_A_CAB');
  assert.equal('status' in err, false);
});
