// The statements of an SMTP delivery (repos/delivery.ts): what the checks read of the recipients
// in one statement, and the copies, their threads, UIDs, MODSEQs, usage counters and indicator
// events written in one (on PostgreSQL). The same results on both engines as the repositories'
// usual methods give (threads: threads.test.ts runs its cases through both ways in).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore, ENGINE, GP } from './harness.ts';
import { sql } from 'kysely';
import { addressKey, type AuditRecord, type NewIndicatorEvent, type Store } from '../src/index.ts';
import { repoContext } from '../src/engine/index.ts';
import { PREPARED } from '../src/engine/open.ts';

let store: Store;
let cleanup: () => Promise<void>;
let paul: number;
let anne: number;
let paulInbox: number;
let anneInbox: number;

const PAUL = 'paul.martin@operateur-a.mssante.fr';
const ANNE = 'Anne.Durand@operateur-a.mssante.fr';

before(async () => {
  ({ store, cleanup } = await openTestStore());
  await store.directory.upsertPersons([GP]);
  paul = (await store.mailboxes.create({ address: PAUL, type: 'PER', ownerIdnat: GP.idnat })).id;
  anne = (await store.mailboxes.create({ address: ANNE, type: 'PER', ownerIdnat: GP.idnat })).id;
  paulInbox = (await store.mail.createFolder(paul, 'INBOX')).id;
});
after(async () => cleanup());

function raw(id: string, subject: string, inReplyTo?: string): Buffer {
  const irt = inReplyTo ? `In-Reply-To: <${inReplyTo}>\r\n` : '';
  return Buffer.from(`From: a@peer.invalid\r\nTo: ${PAUL}\r\nSubject: ${subject}\r\nMessage-ID: <${id}>\r\n${irt}\r\nCorps.\r\n`);
}

function received(mailboxId: number, mailbox: string, ref: string): NewIndicatorEvent {
  return {
    direction: 'received',
    period: '2026-12',
    idnat: GP.idnat,
    mailboxId,
    mailbox,
    mailboxType: 'PER',
    messageRef: ref,
    documents: { typeCodes: ['11488-4'], insQualified: true, mismatches: [] },
    mes: false,
  };
}

test(`targets on ${ENGINE}: each mailbox with its usage over all its folders and its INBOX, in one read`, async () => {
  const sent = (await store.mail.createFolder(paul, 'Sent')).id;
  await store.transaction(async (tx) => {
    await tx.mail.appendMessage(sent, { ...(await store.ingest(raw('s1@x', 'Envoyé'))), flags: ['\\Seen'] });
  });
  const targets = await store.delivery.targets([paul, anne, 999_999]);
  assert.deepEqual([...targets.keys()].sort(), [paul, anne].sort(), 'an unknown mailbox is absent');
  const p = targets.get(paul)!;
  assert.equal(p.box.address, PAUL);
  assert.equal(p.inboxId, paulInbox);
  assert.deepEqual(p.usage, await store.mail.usage(paul));
  assert.equal(p.usage.messages, 1);
  const a = targets.get(anne)!;
  assert.equal(a.inboxId, null, 'no INBOX yet');
  assert.deepEqual(a.usage, { storage: 0, messages: 0 });
  // RCPT's lookup by address: the same, by the address key (case does not matter, R-BAL-1).
  const byKey = await store.delivery.targetByKey(addressKey(ANNE.toUpperCase()));
  assert.equal(byKey?.box.id, anne);
  assert.deepEqual(byKey?.usage, a.usage);
  assert.equal(await store.delivery.targetByKey(addressKey('nobody@operateur-a.mssante.fr')), undefined);
});

test(`file on ${ENGINE}: one copy per mailbox, each with its folder's next UID and MODSEQ, its own thread, the events`, async () => {
  anneInbox = (await store.mail.ensureFolder(anne, 'INBOX')).id;
  // Paul's mailbox knows the message answered; Anne's does not.
  const parent = await store.ingest(raw('parent@x', 'Bilan'));
  const [p] = await store.transaction((tx) => tx.delivery.file(parent, [{ folderId: paulInbox, mailboxId: paul }]));
  const parentThread = (await store.mail.message(paulInbox, p!.uid))!.thread_id;
  const before = await Promise.all([paulInbox, anneInbox].map((f) => store.mail.status(f)));
  const usageBefore = await store.mail.usage(paul);

  const reply = await store.ingest(raw('reply@x', 'RE: Bilan', 'parent@x'));
  const events = [received(paul, PAUL, 'ref-1'), received(anne, ANNE, 'ref-1')];
  const filed = await store.transaction((tx) =>
    tx.delivery.file(
      reply,
      [
        { folderId: anneInbox, mailboxId: anne },
        { folderId: paulInbox, mailboxId: paul },
      ],
      { events },
    ),
  );
  assert.deepEqual(
    filed.map((f) => [f.folderId, f.uid]),
    [
      [anneInbox, before[1]!.uidnext],
      [paulInbox, before[0]!.uidnext],
    ],
    'in the order given, each with its folder’s next UID',
  );
  const after = await Promise.all([paulInbox, anneInbox].map((f) => store.mail.status(f)));
  for (const [i, s] of after.entries()) {
    assert.equal(s.uidnext, before[i]!.uidnext + 1);
    assert.equal(s.highestModseq, before[i]!.highestModseq + 1);
  }
  const paulCopy = (await store.mail.message(paulInbox, filed[1]!.uid))!;
  const anneCopy = (await store.mail.message(anneInbox, filed[0]!.uid))!;
  assert.equal(Number(paulCopy.id), filed[1]!.messageId);
  assert.equal(Number(paulCopy.modseq), after[0]!.highestModseq);
  assert.equal(paulCopy.thread_id, parentThread, 'Paul’s copy joins the conversation his mailbox knows');
  assert.notEqual(anneCopy.thread_id, parentThread, 'Anne’s starts its own (threads are per mailbox)');
  assert.equal(anneCopy.subject, 'RE: Bilan');
  assert.equal(anneCopy.message_id, '<reply@x>');
  assert.equal(anneCopy.blob_hash, reply.blobHash);
  assert.deepEqual(await store.mail.usage(paul), { storage: usageBefore.storage + reply.size, messages: usageBefore.messages + 1 });
  assert.deepEqual((await store.indicators.messageRefs('received')).filter((r) => r === 'ref-1').length, 2);
  const groups = await store.indicators.groups('2026-12');
  assert.ok(groups.some((g) => g.mailbox === ANNE.toLowerCase() && g.documents.typeCodes[0] === '11488-4' && g.documents.insQualified));

  // A later message answering the reply finds, in Anne's mailbox, the thread her copy recorded.
  const next = await store.ingest(raw('next@x', 'Re: Bilan', 'reply@x'));
  const [n] = await store.transaction((tx) => tx.delivery.file(next, [{ folderId: anneInbox, mailboxId: anne }]));
  assert.equal((await store.mail.message(anneInbox, n!.uid))!.thread_id, anneCopy.thread_id);
});

test(`file on ${ENGINE}: a copy whose folder is gone writes nothing of the delivery`, async () => {
  const m = await store.ingest(raw('wrong@x', 'Erreur'));
  const before = await store.mail.status(paulInbox);
  const refs = (await store.indicators.messageRefs('received')).length;
  await assert.rejects(
    store.transaction((tx) =>
      tx.delivery.file(
        m,
        [
          { folderId: paulInbox, mailboxId: paul },
          { folderId: 999_999, mailboxId: anne },
        ],
        { events: [received(paul, PAUL, 'ref-wrong')], audit: sent('ref-wrong') },
      ),
    ),
    /FOLDER_MISSING|does not exist/,
  );
  assert.deepEqual(await store.mail.status(paulInbox), before, 'no copy, no UID taken');
  assert.equal((await store.indicators.messageRefs('received')).length, refs, 'no event');
  await assert.rejects(
    store.transaction((tx) =>
      tx.delivery.file(m, [
        { folderId: paulInbox, mailboxId: paul },
        { folderId: paulInbox, mailboxId: anne },
      ]),
    ),
    /one copy per mailbox and folder/,
  );
});

test(`file on ${ENGINE}: the sender's audit row with the copies; without copies (every recipient elsewhere) the records still`, async () => {
  const m = await store.ingest(raw('audited@x', 'Audité'));
  const [copy] = await store.transaction((tx) =>
    tx.delivery.file(m, [{ folderId: paulInbox, mailboxId: paul }], { audit: sent('ref-copy') }),
  );
  assert.ok(copy);
  const none = await store.ingest(raw('none@x', 'Rien'));
  const events = [{ ...received(paul, PAUL, 'ref-sent'), direction: 'sent' as const }];
  assert.deepEqual(await store.transaction((tx) => tx.delivery.file(none, [], { events, audit: sent('ref-sent') })), []);
  assert.deepEqual(await store.indicators.messageRefs('sent'), ['ref-sent']);
  const rows = await store.audit.list({ mailbox: PAUL });
  assert.deepEqual(
    rows.map((r) => [r.action, r.reason, r.mailbox, r.idnat, r.role, r.client_id, r.outcome]),
    [
      ['smtp-send', 'id=ref-copy', PAUL, GP.idnat, 'holder', 'lps-1', 'allowed'],
      ['smtp-send', 'id=ref-sent', PAUL, GP.idnat, 'holder', 'lps-1', 'allowed'],
    ],
    'the failed delivery above left no audit row',
  );
});

/** A sender's audit row as submission writes it (R-CAB-9); the mailbox is kept lower-cased. */
function sent(ref: string): AuditRecord {
  return {
    idnat: GP.idnat,
    mailbox: PAUL.toUpperCase(),
    action: 'smtp-send',
    channel: 'smtp',
    client_id: 'lps-1',
    outcome: 'allowed',
    reason: `id=${ref}`,
    role: 'holder',
  };
}

test(`on ${ENGINE}: a delivery's statements are prepared once per connection, and a column added meanwhile does not break them`, async () => {
  const m = await store.ingest(raw('prepared@x', 'Préparé'));
  // One group commit holds one connection: what it prepared there, and the same statements after
  // a migration-like ALTER (a kept plan whose result type changed would fail: columns are named).
  const prepared = await store.groupTransaction(async (tx) => {
    const db = repoContext(tx).db;
    await tx.delivery.targets([paul]);
    await tx.delivery.file(m, [{ folderId: paulInbox, mailboxId: paul }]);
    const names =
      ENGINE === 'postgres'
        ? (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(db)).rows.map((r) => r.statement)
        : [];
    await sql`alter table mailboxes add column delivery_test_note text`.execute(db);
    const again = await tx.delivery.targets([paul]);
    assert.equal(again.get(paul)?.box.address, PAUL);
    await tx.delivery.file(await store.ingest(raw('prepared2@x', 'Préparé')), [{ folderId: paulInbox, mailboxId: paul }]);
    return names;
  });
  if (ENGINE === 'postgres') {
    // The connection may hold others too (the variants earlier tests prepared on it).
    const ours = prepared.filter((s) => s.startsWith(PREPARED));
    assert.ok(
      ours.some((s) => s.includes('from "mailboxes" as "m"')),
      `the read is prepared:\n${prepared.join('\n')}`,
    );
    assert.ok(
      ours.some((s) => /with copies/.test(s)),
      `the write is prepared:\n${prepared.join('\n')}`,
    );
  }
});
