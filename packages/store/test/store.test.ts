import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { openTestStore, ENGINE, GP, person } from './harness.ts';
import { MIGRATIONS, type Store } from '../src/index.ts';

describe(`store on ${ENGINE}`, () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ store, cleanup } = await openTestStore());
  });
  after(async () => cleanup());

  test('migrations are recorded and a second run applies nothing', async () => {
    assert.ok(store.migration);
    assert.deepEqual(
      store.migration.applied,
      MIGRATIONS.map((m) => m.name),
    );
    assert.deepEqual(store.migration.applied.slice(0, 4), [
      '0001-initial',
      '0002-access-audit',
      '0003-directory-outbox',
      '0004-smtp-queue',
    ]);
    const again = await store.migrate();
    assert.deepEqual(again.applied, []);
  });

  test('persons are upserted by IdNat: a replay refreshes, never duplicates', async () => {
    await store.directory.upsertPersons([GP, person('810000002005', 'Bernard', 'Julie', 'SECRETARY')]);
    await store.directory.upsertPersons([{ ...GP, speciality_label: 'Médecine générale (MG)' }]);
    const gp = await store.directory.person(GP.idnat);
    assert.equal(gp?.speciality_label, 'Médecine générale (MG)');
    assert.equal(gp?.first_name, 'Paul');
    assert.equal((await store.directory.counts()).persons, 2);
    const found = await store.directory.searchPersons('mar');
    assert.deepEqual(
      found.map((p) => p.idnat),
      [GP.idnat],
    );
    // LIKE metacharacters in the search text are literal.
    assert.deepEqual(await store.directory.searchPersons('%'), []);
  });

  test('situations d’exercice: listed, ended, filtered by date', async () => {
    await store.directory.upsertSituations([
      {
        id: 'sit-gp-1',
        person_idnat: GP.idnat,
        structure_idnat: null,
        practice_name: 'Cabinet du Dr Martin',
        mode: 'L',
        role_label: null,
        street: '3 rue des Lilas',
        postal_code: '93260',
        city: 'Les Lilas',
        departement: '93',
        start_date: '2010-01-01',
        end_date: null,
      },
      {
        id: 'sit-jb-1',
        person_idnat: '810000002005',
        structure_idnat: null,
        practice_name: 'Cabinet du Dr Martin',
        mode: 'S',
        role_label: 'Secrétaire médicale',
        street: '3 rue des Lilas',
        postal_code: '93260',
        city: 'Les Lilas',
        departement: '93',
        start_date: '2024-01-01',
        end_date: null,
      },
    ]);
    assert.equal((await store.directory.situationsOf('810000002005', '2027-01-01')).length, 1);
    const [ended] = await store.directory.situationsById(['sit-jb-1']);
    await store.directory.upsertSituations([{ ...ended!, end_date: '2026-03-15' }]);
    assert.equal((await store.directory.situationsOf('810000002005', '2026-04-01')).length, 0);
    assert.equal((await store.directory.situationsOf('810000002005', '2026-03-01')).length, 1);
  });

  test('R-BAL-1: an address is unique case-insensitively while it is held', async () => {
    const m = await store.mailboxes.create({ address: 'paul.martin@operateur-a.mssante.fr', type: 'PER', ownerIdnat: GP.idnat });
    assert.equal(m.status, 'active');
    assert.equal(m.liste_rouge, 0);
    await assert.rejects(
      store.mailboxes.create({ address: 'Paul.Martin@OPERATEUR-A.mssante.fr', type: 'PER', ownerIdnat: GP.idnat }),
      (err: Error & { code?: string }) => err.code === 'MAILBOX_ADDRESS_TAKEN' && /R-BAL-1/.test(err.message),
    );
    assert.equal((await store.mailboxes.byAddress('PAUL.MARTIN@operateur-a.mssante.fr'))?.id, m.id);
  });

  test('R-BAL-2: a closed address is reusable only after an explicit release', async () => {
    const m = await store.mailboxes.create({ address: 'ancien@operateur-a.mssante.fr', type: 'PER', ownerIdnat: GP.idnat });
    assert.equal(await store.mailboxes.release(m.id), false, 'an active mailbox cannot be released');
    await store.mailboxes.update(m.id, { status: 'closed', closed_at: new Date().toISOString() });
    await assert.rejects(store.mailboxes.create({ address: 'ancien@operateur-a.mssante.fr', type: 'PER', ownerIdnat: GP.idnat }));
    assert.equal(await store.mailboxes.release(m.id), true);
    const again = await store.mailboxes.create({ address: 'ancien@operateur-a.mssante.fr', type: 'PER', ownerIdnat: GP.idnat });
    assert.notEqual(again.id, m.id);
    assert.equal((await store.mailboxes.byId(m.id))?.status, 'closed', 'the old mailbox and its history stay');
  });

  test('holders and delegations: memberships reflect roles, end dates and revocation', async () => {
    const box = await store.mailboxes.byAddress('paul.martin@operateur-a.mssante.fr');
    assert.ok(box);
    assert.equal(await store.mailboxes.addHolder(box.id, GP.idnat, 'holder', 'operator-admin'), true);
    assert.equal(await store.mailboxes.addHolder(box.id, GP.idnat, 'holder', 'operator-admin'), false, 'idempotent');
    const d = await store.mailboxes.grantDelegation({
      mailboxId: box.id,
      delegateIdnat: '810000002005',
      grantedBy: GP.idnat,
      startAt: '2026-01-01T00:00:00.000Z',
      endAt: '2026-12-31T23:59:59.000Z',
    });
    assert.equal((await store.mailboxes.activeDelegations(box.id, '2026-06-01T00:00:00.000Z')).length, 1);
    assert.equal((await store.mailboxes.activeDelegations(box.id, '2027-01-01T00:00:00.000Z')).length, 0, 'past its end date');
    assert.equal((await store.mailboxes.activeDelegations(box.id, '2025-12-31T00:00:00.000Z')).length, 0, 'not started');
    const jb = await store.mailboxes.membershipsOf('810000002005', '2026-06-01T00:00:00.000Z');
    assert.deepEqual(
      jb.map((x) => [x.mailbox.address, x.role]),
      [['paul.martin@operateur-a.mssante.fr', 'delegate']],
    );
    assert.equal(jb[0]?.delegation?.id, d.id);
    assert.deepEqual(
      (await store.mailboxes.lapsedDelegations('2027-01-02T00:00:00.000Z')).map((x) => x.id),
      [d.id],
    );
    const revoked = await store.mailboxes.revokeDelegation(d.id, GP.idnat, 'situation ended');
    assert.equal(revoked?.revoke_reason, 'situation ended');
    assert.equal(await store.mailboxes.revokeDelegation(d.id, GP.idnat, 'twice'), undefined, 'a revocation happens once');
    assert.equal((await store.mailboxes.membershipsOf('810000002005', '2026-06-01T00:00:00.000Z')).length, 0);
    const gp = await store.mailboxes.membershipsOf(GP.idnat);
    assert.deepEqual(
      gp.map((x) => x.role),
      ['holder'],
    );
    assert.equal(await store.mailboxes.removeHolder(box.id, GP.idnat, 'holder'), true);
    assert.equal(await store.mailboxes.removeHolder(box.id, GP.idnat, 'holder'), false);
  });

  test('a holder must exist in the directory (foreign key)', async () => {
    const box = await store.mailboxes.byAddress('paul.martin@operateur-a.mssante.fr');
    assert.ok(box);
    await assert.rejects(store.mailboxes.addHolder(box.id, '899999999999', 'cotitulaire', GP.idnat));
  });

  test('CGU: the last published version is current; acceptance is per version', async () => {
    assert.equal(await store.cgu.current(), undefined);
    await store.cgu.publish({
      version: '2026-01',
      url: 'http://127.0.0.1:8080/cgu/2026-01',
      title: 'CGU janvier 2026',
      publishedAt: '2026-01-01T00:00:00.000Z',
    });
    await store.cgu.accept(GP.idnat, '2026-01', '2026-01-02T00:00:00.000Z');
    await store.cgu.accept(GP.idnat, '2026-01', '2026-02-02T00:00:00.000Z');
    assert.equal((await store.cgu.acceptance(GP.idnat, '2026-01'))?.accepted_at, '2026-01-02T00:00:00.000Z', 'first acceptance is kept');
    await store.cgu.publish({
      version: '2026-11',
      url: 'http://127.0.0.1:8080/cgu/2026-11',
      title: 'CGU novembre 2026',
      publishedAt: '2026-11-01T00:00:00.000Z',
    });
    assert.equal((await store.cgu.current())?.version, '2026-11');
    assert.equal(await store.cgu.acceptance(GP.idnat, '2026-11'), undefined, 'a new version needs acceptance again (R-CAB-4)');
    await assert.rejects(store.cgu.accept(GP.idnat, 'no-such-version'));
  });

  test('history is append-only, in the database itself', async () => {
    const e1 = await store.history.append({
      mailboxId: 1,
      actor: GP.idnat,
      event: 'delegation.granted',
      subjectIdnat: '810000002005',
      details: { endAt: '2026-12-31' },
    });
    const e2 = await store.history.append({
      mailboxId: 1,
      actor: 'system',
      event: 'delegation.expired',
      subjectIdnat: '810000002005',
      reason: 'end date reached',
    });
    assert.ok(e2.id > e1.id);
    assert.deepEqual(e1.details, { endAt: '2026-12-31' });
    const page1 = await store.history.list({ mailboxId: 1, limit: 1 });
    assert.deepEqual(
      page1.map((e) => e.event),
      ['delegation.granted'],
    );
    const page2 = await store.history.list({ mailboxId: 1, afterId: page1[0]!.id });
    assert.deepEqual(
      page2.map((e) => e.event),
      ['delegation.expired'],
    );
    await assert.rejects(sql`update history set actor = 'someone-else'`.execute(store.kysely), /append-only/);
    await assert.rejects(sql`delete from history`.execute(store.kysely), /append-only/);
    if (store.engine === 'postgres') await assert.rejects(sql`truncate history`.execute(store.kysely), /append-only/);
    assert.equal((await store.history.list({ mailboxId: 1 })).length, 2);
  });

  test('a failed transaction leaves nothing behind', async () => {
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.history.append({ mailboxId: 99, actor: 'system', event: 'test.rolled-back' });
        await tx.mailboxes.create({ address: 'paul.martin@operateur-a.mssante.fr', type: 'PER', ownerIdnat: GP.idnat });
      }),
      /R-BAL-1/,
    );
    assert.deepEqual(await store.history.list({ mailboxId: 99 }), []);
  });
});

describe(`access audit on ${ENGINE}`, () => {
  test('audit records are kept in order and cannot be altered', async () => {
    const { store, cleanup } = await openTestStore();
    try {
      await store.audit.append({
        idnat: GP.idnat,
        mailbox: 'paul.martin@operateur-a.mssante.fr',
        action: 'open',
        channel: 'imap',
        client_id: 'lps',
        outcome: 'allowed',
        reason: 'holder',
        role: 'holder',
      });
      await store.audit.append({
        idnat: null,
        mailbox: 'paul.martin@operateur-a.mssante.fr',
        action: 'open',
        channel: 'smtp',
        client_id: null,
        outcome: 'denied',
        reason: 'invalid-token',
        role: null,
      });
      const rows = await store.audit.list({ mailbox: 'Paul.Martin@operateur-a.mssante.fr' });
      assert.deepEqual(
        rows.map((r) => [r.channel, r.outcome, r.reason]),
        [
          ['imap', 'allowed', 'holder'],
          ['smtp', 'denied', 'invalid-token'],
        ],
      );
      assert.equal((await store.audit.list({ idnat: GP.idnat })).length, 1);
      await assert.rejects(sql`update access_audit set outcome = 'allowed'`.execute(store.kysely), /append-only/);
      await assert.rejects(sql`delete from access_audit`.execute(store.kysely), /append-only/);
    } finally {
      await cleanup();
    }
  });
});
