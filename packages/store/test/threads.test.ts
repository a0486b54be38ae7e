// Threads given at ingestion (RFC 8621 §3; docs/choices.md "JMAP threads"): every message stored
// through appendMessage joins the conversation it answers in its mailbox — by Message-ID,
// In-Reply-To and References (RFC 5322 §3.6.4) when the subjects match without their reply and
// forward prefixes — and migration 0022 threads the rows stored before it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator, sql, type Kysely } from 'kysely';
import { threadSubject } from '@mss/mime';
import { openTestStore, ENGINE, GP } from './harness.ts';
import { ingestMessage, MIGRATIONS, newThreadId, type Store } from '../src/index.ts';

function message(o: { id?: string; subject: string; inReplyTo?: string; references?: string[]; body?: string }): Buffer {
  const lines = ['From: a@operateur-a.mssante.fr', 'To: b@operateur-a.mssante.fr', `Subject: ${o.subject}`];
  if (o.id) lines.push(`Message-ID: <${o.id}>`);
  if (o.inReplyTo) lines.push(`In-Reply-To: <${o.inReplyTo}>`);
  if (o.references) lines.push(`References: ${o.references.map((r) => `<${r}>`).join(' ')}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${o.body ?? o.subject}\r\n`);
}

test('threadSubject: reply and forward prefixes of several languages go, case and spacing do not count', () => {
  const base = threadSubject('Résultats de M. Durand');
  for (const s of [
    'RE : Résultats de M. Durand',
    'TR: Re: résultats de M. Durand',
    'Fwd: [liste] Re[2]:  Résultats  de M. Durand',
    'AW: WG: Résultats de M. Durand (fwd)',
  ]) {
    assert.equal(threadSubject(s), base, s);
  }
  assert.notEqual(threadSubject('Re: Résultats de Mme Petit'), base);
});

// Two ways in: `appendMessage` (IMAP APPEND, JMAP, DSNs) and `delivery.file` (SMTP delivery; one
// statement on PostgreSQL that applies the same rule in SQL). Each on a store of its own.
for (const way of ['appendMessage', 'delivery.file'] as const)
  describe(`threads on ${ENGINE}, stored by ${way}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let inbox: number;
    let sent: number;
    let other: number;
    const mailboxOf = new Map<number, number>();
    before(async () => {
      ({ store, cleanup } = await openTestStore());
      await store.directory.upsertPersons([GP]);
      const box = (await store.mailboxes.create({ address: 'paul.martin@operateur-a.mssante.fr', type: 'PER', ownerIdnat: GP.idnat })).id;
      inbox = (await store.mail.createFolder(box, 'INBOX')).id;
      sent = (await store.mail.createFolder(box, 'Sent')).id;
      const box2 = (await store.mailboxes.create({ address: 'anne.durand@operateur-a.mssante.fr', type: 'PER', ownerIdnat: GP.idnat })).id;
      other = (await store.mail.createFolder(box2, 'INBOX')).id;
      mailboxOf.set(inbox, box).set(sent, box).set(other, box2);
    });
    after(async () => cleanup());

    const put = async (folderId: number, raw: Buffer) => {
      const m = await store.ingest(raw);
      if (way === 'appendMessage') {
        const row = await store.transaction((tx) => tx.mail.appendMessage(folderId, m));
        return { thread: row.thread_id!, hash: m.blobHash };
      }
      const [filed] = await store.transaction((tx) => tx.delivery.file(m, [{ folderId, mailboxId: mailboxOf.get(folderId)! }]));
      return { thread: (await store.mail.message(folderId, filed!.uid))!.thread_id!, hash: m.blobHash };
    };

    test('a reply, a reply to the reply and a forward join the first message; another subject or another mailbox does not', async () => {
      const first = await put(inbox, message({ id: 'q1@x', subject: 'Bilan sanguin' }));
      assert.equal(first.thread, newThreadId(first.hash), 'a message answering nothing starts a thread named after its EMAILID');
      const reply = await put(sent, message({ id: 'r1@x', subject: 'RE : Bilan sanguin', inReplyTo: 'q1@x' }));
      assert.equal(reply.thread, first.thread, 'In-Reply-To, across the folders of the mailbox');
      const again = await put(inbox, message({ id: 'r2@x', subject: 'Re: Re: bilan sanguin', references: ['q1@x', 'r1@x'] }));
      assert.equal(again.thread, first.thread, 'References');
      const fwd = await put(inbox, message({ id: 'f1@x', subject: 'TR: Bilan sanguin', references: ['q1@x'] }));
      assert.equal(fwd.thread, first.thread, 'the French TR: prefix');
      const offTopic = await put(inbox, message({ id: 'o1@x', subject: 'Re: Autre chose', inReplyTo: 'q1@x' }));
      assert.notEqual(offTopic.thread, first.thread, 'a reply whose subject changed starts its own thread');
      const elsewhere = await put(other, message({ id: 'r9@x', subject: 'Re: Bilan sanguin', inReplyTo: 'q1@x' }));
      assert.notEqual(elsewhere.thread, first.thread, 'threads are per mailbox');
    });

    test('replies that arrive before what they answer share its thread once it comes; a copy keeps its thread', async () => {
      const a = await put(inbox, message({ id: 'late-r1@x', subject: 'Re: Convocation', inReplyTo: 'late@x' }));
      const b = await put(inbox, message({ id: 'late-r2@x', subject: 'Re: Convocation', references: ['late@x'] }));
      assert.equal(b.thread, a.thread, 'siblings meet on the parent they both name');
      const parent = await put(inbox, message({ id: 'late@x', subject: 'Convocation' }));
      assert.equal(parent.thread, a.thread, 'the parent finds the thread its replies recorded');
      const [pair] = await store.transaction((tx) => tx.mail.copyMessages(inbox, [1], sent));
      const uid = pair![1];
      const src = await store.mail.message(inbox, 1);
      assert.equal((await store.mail.message(sent, uid))!.thread_id, src!.thread_id);
    });
  });

describe(`thread backfill on ${ENGINE}`, () => {
  test(`migration 0022 threads the rows stored before it, in the order they were stored`, async () => {
    const { store: s, databaseUrl, cleanup: done } = await openTestStore({ migrate: false });
    try {
      const db = s.kysely as unknown as Kysely<any>;
      const schema = databaseUrl ? (new URL(databaseUrl).searchParams.get('schema') ?? undefined) : undefined;
      const migrator = new Migrator({
        db,
        provider: {
          getMigrations: async () =>
            Object.fromEntries(
              MIGRATIONS.filter((m) => m.name < '0022').map((m) => [
                m.name,
                { up: (trx: Kysely<any>) => m.up(trx, s.engine, { readBlob: (h) => s.blobs.get(h) }) },
              ]),
            ),
        },
        migrationTableName: 'mss_migrations',
        migrationLockTableName: 'mss_migrations_lock',
        allowUnorderedMigrations: true,
        ...(schema ? { migrationTableSchema: schema } : {}),
      });
      assert.equal((await migrator.migrateToLatest()).error, undefined);
      await s.directory.upsertPersons([GP]);
      const box = (await s.mailboxes.create({ address: 'paul.martin@operateur-a.mssante.fr', type: 'PER', ownerIdnat: GP.idnat })).id;
      const folder = (await s.mail.createFolder(box, 'INBOX')).id;
      const raws = [
        message({ id: 'm1@x', subject: 'Ordonnance' }),
        message({ id: 'm2@x', subject: 'Re: Ordonnance', inReplyTo: 'm1@x' }),
        message({ id: 'm3@x', subject: 'Autre' }),
      ];
      for (const [i, raw] of raws.entries()) {
        const b = await s.blobs.put(raw);
        const d = ingestMessage(raw);
        await sql`insert into mail_messages (folder_id, uid, modseq, flags, internal_date, size, blob_hash, structure, search_headers)
          values (${folder}, ${i + 1}, 1, '', '2026-03-05T07:09:07.000Z', ${raw.length}, ${b.hash}, ${d.structure}, ${d.searchHeaders})`.execute(
          db,
        );
      }
      await sql`update mail_folders set uidnext = ${raws.length + 1} where id = ${folder}`.execute(db);
      const report = await s.migrate();
      assert.ok(report.applied.includes('0022-mail-threads'));
      const rows = await s.mail.messages(folder);
      assert.equal(rows[1]!.thread_id, rows[0]!.thread_id);
      assert.equal(rows[0]!.thread_id, newThreadId(rows[0]!.blob_hash));
      assert.equal(rows[2]!.thread_id, newThreadId(rows[2]!.blob_hash));
      // A reply stored after the migration finds the thread the backfill recorded.
      const m = await s.ingest(message({ id: 'm4@x', subject: 'RE: Ordonnance', references: ['m1@x', 'm2@x'] }));
      const r = await s.transaction((tx) => tx.mail.appendMessage(folder, m));
      assert.equal(r.thread_id, rows[0]!.thread_id);
    } finally {
      await done();
    }
  });
});
