import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ACTIONS, MAILBOX_TYPES, makeRpps, type MailboxAction, type MailboxType } from '@mss/domain';
import { openTestStore, TEST_ENGINE } from '@mss/store/testing';
import type { Store } from '@mss/store';
import { AccessControl } from '../src/decision/index.ts';

const MAIL: MailboxAction[] = ['read', 'send', 'organise'];
const GOV: MailboxAction[] = ['edit-publication', 'read-history'];
/** §5 of the domain reference, written out again here by hand so that the code is checked against the text. */
// 'create' is decided before the mailbox exists (decideCreation): tested on its own below.
const EXPECTED: Record<string, Partial<Record<MailboxType, MailboxAction[]>>> = {
  holder: { PER: [...MAIL, 'manage-delegates', 'appear-in-directory', ...GOV, 'create', 'change-attachment'] },
  responsible: {
    ORG: [...MAIL, 'manage-delegates', 'manage-local-persons', ...GOV, 'manage-responsibles'],
    APP: [...MAIL, ...GOV, 'manage-responsibles'],
  },
  owner: {
    CAB: [
      ...MAIL,
      'manage-delegates',
      'manage-cotitulaires',
      'transfer-ownership',
      'delete',
      'appear-in-directory',
      ...GOV,
      'create',
      'change-attachment',
      'manage-groups',
    ],
  },
  cotitulaire: { CAB: [...MAIL, 'manage-delegates'] },
  delegate: { PER: [...MAIL], ORG: [...MAIL], CAB: [...MAIL], APP: [] },
  'operator-admin': {
    PER: ['change-status', ...GOV, 'create', 'release-address'],
    ORG: ['transfer-ownership', 'delete', 'change-status', ...GOV, 'create', 'manage-responsibles', 'release-address'],
    APP: ['transfer-ownership', 'delete', 'change-status', ...GOV, 'create', 'manage-responsibles', 'release-address'],
    CAB: ['change-status', ...GOV, 'create', 'release-address'],
  },
};

const idnat = (n: number) => `8${makeRpps(String(1_000_000_000 + n))}`;
const person = (n: number, last: string) => ({
  idnat: idnat(n),
  kind: 'PS' as const,
  id_type: 'RPPS' as const,
  rpps: idnat(n).slice(1),
  civility: 'M',
  last_name: last,
  first_name: 'Test',
  profession_code: '10',
  profession_label: 'Médecin',
  category_code: 'C',
  speciality_code: null,
  speciality_label: null,
});
const P = {
  holder: idnat(1),
  orgResp: idnat(2),
  appResp: idnat(3),
  owner: idnat(4),
  cotit: idnat(5),
  delegate: idnat(6),
  lapsed: idnat(7),
  stranger: idnat(8),
  cotitNoCgu: idnat(9),
  delegateNoCgu: idnat(10),
  revoked: idnat(11),
};
const BOX: Record<MailboxType, string> = {
  PER: 'per.holder@operateur-a.mssante.fr',
  ORG: 'cardiologie.ch@operateur-a.mssante.fr',
  APP: 'labo.ch@operateur-a.mssante.fr',
  CAB: 'cabinet.des-tests@operateur-a.mssante.fr',
};

describe(`access decisions on ${TEST_ENGINE} (R-AUTH-2, role table §5)`, () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let access: AccessControl;
  const ids = {} as Record<MailboxType, number>;

  before(async () => {
    ({ store, cleanup } = await openTestStore());
    access = new AccessControl({ store, publicBaseUrl: 'http://127.0.0.1:8080' });
    await store.directory.upsertPersons(Object.entries(P).map(([k, v], i) => ({ ...person(i + 1, k), idnat: v, rpps: v.slice(1) })));
    await store.directory.upsertStructures([
      {
        idnat: '1930000013',
        id_type: 'FINESS',
        finess: '930000013',
        siret: null,
        name: 'CH',
        sector_code: null,
        street: '1 rue',
        postal_code: '93260',
        city: 'Les Lilas',
        departement: '93',
      },
    ]);
    for (const t of MAILBOX_TYPES) {
      ids[t] = (
        await store.mailboxes.create({
          address: BOX[t],
          type: t,
          ownerIdnat: t === 'ORG' || t === 'APP' ? '1930000013' : t === 'PER' ? P.holder : P.owner,
        })
      ).id;
    }
    await store.mailboxes.addHolder(ids.PER, P.holder, 'holder', null);
    await store.mailboxes.addHolder(ids.ORG, P.orgResp, 'responsible', null);
    await store.mailboxes.addHolder(ids.APP, P.appResp, 'responsible', null);
    await store.mailboxes.addHolder(ids.CAB, P.owner, 'owner', null);
    await store.mailboxes.addHolder(ids.CAB, P.cotit, 'cotitulaire', P.owner);
    await store.mailboxes.addHolder(ids.CAB, P.cotitNoCgu, 'cotitulaire', P.owner);
    const past = '2020-01-01T00:00:00.000Z';
    for (const t of MAILBOX_TYPES) {
      // Even a delegation on an APP mailbox that slipped into the data gives no right (R-DEL-1).
      await store.mailboxes.grantDelegation({ mailboxId: ids[t], delegateIdnat: P.delegate, grantedBy: 'test', startAt: past });
      await store.mailboxes.grantDelegation({
        mailboxId: ids[t],
        delegateIdnat: P.lapsed,
        grantedBy: 'test',
        startAt: past,
        endAt: '2021-01-01T00:00:00.000Z',
      });
      await store.mailboxes.grantDelegation({ mailboxId: ids[t], delegateIdnat: P.delegateNoCgu, grantedBy: 'test', startAt: past });
      const d = await store.mailboxes.grantDelegation({ mailboxId: ids[t], delegateIdnat: P.revoked, grantedBy: 'test', startAt: past });
      await store.mailboxes.revokeDelegation(d.id, 'test', 'revoked in test');
    }
    await store.cgu.publish({ version: 'v1', url: '/cgu/v1', title: 'CGU v1' });
    for (const who of Object.values(P)) if (who !== P.cotitNoCgu && who !== P.delegateNoCgu) await store.cgu.accept(who, 'v1');
  });
  after(async () => cleanup());

  const actorOf: Record<string, Partial<Record<MailboxType, string>>> = {
    holder: { PER: P.holder },
    responsible: { ORG: P.orgResp, APP: P.appResp },
    owner: { CAB: P.owner },
    cotitulaire: { CAB: P.cotit },
    delegate: { PER: P.delegate, ORG: P.delegate, CAB: P.delegate, APP: P.delegate },
  };

  test('every role × every action × every mailbox type', async () => {
    let checked = 0;
    for (const [role, byType] of Object.entries(EXPECTED)) {
      for (const type of MAILBOX_TYPES) {
        const allowedActions = byType[type];
        if (allowedActions === undefined) continue; // the role does not exist on this type: see the stranger test
        for (const action of ACTIONS) {
          const principal =
            role === 'operator-admin'
              ? ({ kind: 'operator-admin', name: 'admin' } as const)
              : ({ kind: 'person', idnat: actorOf[role]![type]! } as const);
          const d = await access.decide({ principal, mailbox: BOX[type], action, channel: 'imap', clientId: 'test-client' });
          const label = `${role} ${action} ${type}`;
          if (allowedActions.includes(action)) {
            assert.equal(d.allowed, true, label);
            if (d.allowed) assert.equal(d.role, role, label);
          } else {
            assert.equal(d.allowed, false, label);
            if (!d.allowed) assert.equal(d.reason, 'action-not-allowed', label);
          }
          checked++;
        }
      }
    }
    assert.equal(checked, (1 + 2 + 1 + 1 + 4 + 4) * ACTIONS.length);
  });

  test('a stranger, a lapsed delegate and a revoked delegate have no right on any mailbox (R-DEL-5)', async () => {
    for (const who of [P.stranger, P.lapsed, P.revoked]) {
      for (const type of MAILBOX_TYPES) {
        const d = await access.decide({ principal: { kind: 'person', idnat: who }, mailbox: BOX[type], action: 'read', channel: 'imap' });
        assert.equal(d.allowed, false);
        if (!d.allowed) assert.equal(d.reason, 'no-right', `${who} ${type}`);
      }
    }
    // A role holder on one mailbox has none on another.
    const d = await access.decide({ principal: { kind: 'person', idnat: P.holder }, mailbox: BOX.CAB, action: 'read', channel: 'smtp' });
    assert.equal(d.allowed, false);
  });

  test('R-CAB-4: a cotitulaire or delegate who has not accepted the current CGU is refused, with the acceptance URL', async () => {
    for (const [who, type] of [
      [P.cotitNoCgu, 'CAB'],
      [P.delegateNoCgu, 'PER'],
      [P.delegateNoCgu, 'CAB'],
    ] as const) {
      const d = await access.decide({ principal: { kind: 'person', idnat: who }, mailbox: BOX[type], action: 'read', channel: 'imap' });
      assert.equal(d.allowed, false);
      if (!d.allowed) {
        assert.equal(d.reason, 'cgu-not-accepted');
        assert.equal(d.cguUrl, 'http://127.0.0.1:8080/cgu/v1');
      }
    }
  });

  test('a new CGU version requires acceptance again, then access returns', async () => {
    const { store: s2, cleanup: c2 } = await openTestStore();
    try {
      const a2 = new AccessControl({ store: s2 });
      await s2.directory.upsertPersons([{ ...person(1, 'holder'), idnat: P.holder }]);
      const box = await s2.mailboxes.create({ address: BOX.PER, type: 'PER', ownerIdnat: P.holder });
      await s2.mailboxes.addHolder(box.id, P.holder, 'holder', null);
      const ask = () => a2.decide({ principal: { kind: 'person', idnat: P.holder }, mailbox: BOX.PER, action: 'send', channel: 'smtp' });
      assert.equal((await ask()).allowed, true, 'no CGU published yet: nothing to accept');
      await s2.cgu.publish({ version: 'v1', url: '/cgu/v1', title: 'v1', publishedAt: '2026-01-01T00:00:00.000Z' });
      assert.equal((await ask()).allowed, false);
      await s2.cgu.accept(P.holder, 'v1');
      assert.equal((await ask()).allowed, true);
      await s2.cgu.publish({ version: 'v2', url: '/cgu/v2', title: 'v2', publishedAt: '2026-06-01T00:00:00.000Z' });
      const d = await ask();
      assert.equal(d.allowed, false);
      if (!d.allowed) assert.equal(d.cguUrl, 'http://127.0.0.1:8080/cgu/v2');
    } finally {
      await c2();
    }
  });

  test('unknown, suspended and closed mailboxes', async () => {
    const unknown = await access.decide({
      principal: { kind: 'person', idnat: P.holder },
      mailbox: 'nobody@operateur-a.mssante.fr',
      action: 'read',
      channel: 'imap',
    });
    assert.deepEqual([unknown.allowed, !unknown.allowed && unknown.reason], [false, 'unknown-mailbox']);
    await store.mailboxes.update(ids.ORG, { status: 'suspended' });
    const susp = await access.decide({
      principal: { kind: 'person', idnat: P.orgResp },
      mailbox: BOX.ORG,
      action: 'read',
      channel: 'imap',
    });
    assert.deepEqual([susp.allowed, !susp.allowed && susp.reason], [false, 'mailbox-suspended']);
    const reactivate = await access.decide({
      principal: { kind: 'operator-admin', name: 'admin' },
      mailbox: BOX.ORG,
      action: 'change-status',
      channel: 'admin-api',
    });
    assert.equal(reactivate.allowed, true, 'the operator can still reactivate a suspended mailbox');
    await store.mailboxes.update(ids.ORG, { status: 'closed' });
    for (const principal of [{ kind: 'person', idnat: P.orgResp } as const, { kind: 'operator-admin', name: 'admin' } as const]) {
      const closed = await access.decide({ principal, mailbox: BOX.ORG, action: 'change-status', channel: 'admin-api' });
      assert.deepEqual([closed.allowed, !closed.allowed && closed.reason], [false, 'mailbox-closed']);
    }
    // R-BAL-2: on a closed mailbox the operator may still release its address; its responsible may not.
    const admin = { kind: 'operator-admin', name: 'admin' } as const;
    const release = await access.decide({ principal: admin, mailbox: BOX.ORG, action: 'release-address', channel: 'admin-api' });
    assert.equal(release.allowed, true);
    const resp = { kind: 'person', idnat: P.orgResp } as const;
    const byResp = await access.decide({ principal: resp, mailbox: BOX.ORG, action: 'release-address', channel: 'admin-api' });
    assert.deepEqual([byResp.allowed, !byResp.allowed && byResp.reason], [false, 'mailbox-closed']);
    await store.mailboxes.update(ids.ORG, { status: 'active' });
  });

  test('R-AUTH-3, decide then reveal: whoever has no role is told "no-right" whatever the state of the mailbox', async () => {
    for (const status of ['suspended', 'closed'] as const) {
      await store.mailboxes.update(ids.CAB, { status });
      for (const who of [P.stranger, P.lapsed, P.holder]) {
        const d = await access.decide({ principal: { kind: 'person', idnat: who }, mailbox: BOX.CAB, action: 'read', channel: 'imap' });
        assert.deepEqual(
          [d.allowed, !d.allowed && d.reason, !d.allowed && d.mailboxType],
          [false, 'no-right', undefined],
          `${who} on a ${status} CAB`,
        );
      }
      // Those with a role there learn the state (R-BAL-2).
      const owner = await access.decide({
        principal: { kind: 'person', idnat: P.owner },
        mailbox: BOX.CAB,
        action: 'read',
        channel: 'imap',
      });
      assert.deepEqual([owner.allowed, !owner.allowed && owner.reason], [false, `mailbox-${status}`]);
    }
    await store.mailboxes.update(ids.CAB, { status: 'active', closed_at: null });
  });

  test('an allowed decision carries a capability scoped to that mailbox', async () => {
    const d = await access.decide({ principal: { kind: 'person', idnat: P.owner }, mailbox: BOX.CAB, action: 'read', channel: 'imap' });
    assert.ok(d.allowed);
    assert.deepEqual([d.scope.mailboxId, d.scope.address, d.scope.type], [ids.CAB, BOX.CAB, 'CAB']);
    assert.deepEqual((await d.scope.holders()).map((h) => h.person_idnat).sort(), [P.owner, P.cotit, P.cotitNoCgu].sort());
    assert.deepEqual(
      JSON.parse(JSON.stringify(d.scope)),
      { mailboxId: ids.CAB, address: BOX.CAB, type: 'CAB' },
      'logs show the mailbox, not the repositories',
    );
  });

  test('creation and CGU publication are decided by the role table and audited, allowed or denied', async () => {
    const admin = { kind: 'operator-admin', name: 'admin' } as const;
    const holder = { kind: 'person', idnat: P.holder } as const;
    const cases = [
      [holder, 'PER', P.holder, true, 'holder'], // R-BAL-1: a PS creates their own PER
      [holder, 'CAB', P.holder, true, 'owner'], // R-CAB-1: and their own CAB
      [holder, 'PER', P.owner, false, 'no-right'], // not for somebody else
      [holder, 'ORG', null, false, 'no-right'], // ORG/APP are the operator's
      [admin, 'APP', null, true, 'operator-admin'],
      [admin, 'PER', P.owner, true, 'operator-admin'],
    ] as const;
    for (const [principal, type, ownerIdnat, allowed, why] of cases) {
      const mailbox = `new.${type.toLowerCase()}@operateur-a.mssante.fr`;
      const d = await access.decideCreation({ principal, mailbox, type, ownerIdnat, channel: 'admin-api' });
      assert.deepEqual([d.allowed, d.allowed ? d.role : d.reason], [allowed, why], `${principal.kind} creates ${type} for ${ownerIdnat}`);
      const row = (await store.audit.list({ mailbox, limit: 1000 })).at(-1)!;
      assert.deepEqual([row.action, row.channel, row.outcome, row.reason], ['create', 'admin-api', allowed ? 'allowed' : 'denied', why]);
    }
    for (const [principal, allowed] of [
      [admin, true],
      [holder, false],
    ] as const) {
      const d = await access.decideOperator({ principal, action: 'publish-cgu', channel: 'admin-api' });
      assert.equal(d.allowed, allowed);
      const who = principal.kind === 'person' ? principal.idnat : 'operator-admin:admin';
      const row = (await store.audit.list({ idnat: who, limit: 1000 })).at(-1)!;
      assert.deepEqual([row.mailbox, row.action, row.outcome], [null, 'publish-cgu', allowed ? 'allowed' : 'denied']);
    }
  });

  test('R-IND-1: indicators — the administrators every row, a person their own rows, a certificate none; each audited', async () => {
    const admin = { kind: 'operator-admin', name: 'admin' } as const;
    const cases = [
      [admin, true, null, 'read-indicators', 'operator-admin'],
      [{ kind: 'person', idnat: P.holder }, true, P.holder, 'read-own-indicators', 'self'],
      [
        { kind: 'application', serial: 'AB12', mailbox: 'x@operateur-a.mssante.fr' },
        false,
        null,
        'read-own-indicators',
        'action-not-allowed',
      ],
    ] as const;
    for (const [principal, allowed, only, action, why] of cases) {
      const d = await access.decideIndicators({ principal, channel: 'admin-api' });
      assert.equal(d.allowed, allowed, principal.kind);
      if (d.allowed) assert.equal(d.only, only);
      const row = (await store.audit.list({ limit: 1000 })).at(-1)!;
      assert.deepEqual([row.mailbox, row.action, row.outcome, row.reason], [null, action, allowed ? 'allowed' : 'denied', why]);
    }
  });

  test('addresses are matched case-insensitively', async () => {
    const d = await access.decide({
      principal: { kind: 'person', idnat: P.holder },
      mailbox: 'PER.Holder@OPERATEUR-A.mssante.fr',
      action: 'read',
      channel: 'imap',
    });
    assert.equal(d.allowed, true);
  });

  test('every decision is in the audit trail, with who, what, where and why — never a token', async () => {
    const before = (await store.audit.list({ idnat: P.stranger, limit: 1000 })).length;
    await access.decide({
      principal: { kind: 'person', idnat: P.stranger },
      mailbox: BOX.PER,
      action: 'send',
      channel: 'smtp',
      clientId: 'lps-x',
    });
    await access.decide({
      principal: { kind: 'person', idnat: P.holder },
      mailbox: BOX.PER,
      action: 'send',
      channel: 'smtp',
      clientId: 'lps-x',
    });
    const strangerRows = await store.audit.list({ idnat: P.stranger, limit: 1000 });
    assert.equal(strangerRows.length, before + 1);
    const last = strangerRows.at(-1)!;
    assert.deepEqual(
      [last.mailbox, last.action, last.channel, last.client_id, last.outcome, last.reason, last.role],
      [BOX.PER, 'send', 'smtp', 'lps-x', 'denied', 'no-right', null],
    );
    const holderLast = (await store.audit.list({ idnat: P.holder, limit: 1000 })).at(-1)!;
    assert.deepEqual([holderLast.outcome, holderLast.role], ['allowed', 'holder']);
    await access.recordTokenFailure({ mailbox: BOX.PER, channel: 'imap', clientId: null, code: 'expired' });
    const rows = await store.audit.list({ mailbox: BOX.PER, limit: 1000 });
    assert.equal(rows.at(-1)?.reason, 'invalid-token:expired');
    assert.equal(rows.at(-1)?.idnat, null);
  });
});
