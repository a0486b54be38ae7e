// The ingestion step's data in the store (migration 0010): every row written through
// appendMessage carries its neutral structure and search values; rows stored before the
// migration (IMAP's wire-form caches, or none at all for mail delivered by SMTP) get them from
// their blobs once, by the forward-only migration — not by a write on the read path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator, sql, type Kysely } from 'kysely';
import { openTestStore, ENGINE, GP } from './harness.ts';
import { ingestMessage, MIGRATIONS, parseSearchHeaders, parseStructure } from '../src/index.ts';

const RAW = Buffer.from(
  'From: "Dr Martin" <paul.martin@operateur-a.mssante.fr>\r\nTo: anne@operateur-b.mssante.fr\r\nSubject: =?utf-8?q?Compte_rendu_=C3=A9t=C3=A9?=\r\n' +
    'Date: Thu, 5 Mar 2026 08:09:07 +0100 (CET)\r\nMessage-ID: <cr-1@operateur-a.mssante.fr>\r\nMIME-Version: 1.0\r\n' +
    'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBonjour\r\n' +
    '--b1\r\nContent-Type: application/pdf; name="cr.pdf"\r\nContent-Disposition: attachment; filename="cr.pdf"\r\n' +
    'Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b1--\r\n',
);

test('ingestMessage: metadata, the neutral structure and the search values of a message, JSON that round-trips', () => {
  const d = ingestMessage(RAW);
  assert.equal(d.subject, 'Compte rendu été');
  assert.equal(d.sentDate, '2026-03-05T07:09:07.000Z');
  assert.equal(d.messageId, '<cr-1@operateur-a.mssante.fr>');
  const s = parseStructure(d.structure);
  // Neutral: lower-case types, header text as found (RFC 2047 words left for the encoder's reader).
  assert.equal(s.envelope.subject, '=?utf-8?q?Compte_rendu_=C3=A9t=C3=A9?=');
  assert.deepEqual(s.envelope.from, [{ name: 'Dr Martin', local: 'paul.martin', domain: 'operateur-a.mssante.fr' }]);
  assert.equal(s.envelope.sender, null, 'no IMAP defaulting in the stored form');
  assert.equal(s.body.kind, 'multipart');
  assert.deepEqual(
    s.body.parts!.map((p) => `${p.type}/${p.subtype}`),
    ['text/plain', 'application/pdf'],
  );
  assert.deepEqual(s.body.parts![1]!.disposition, { type: 'attachment', params: [['filename', 'cr.pdf']] });
  assert.deepEqual(parseSearchHeaders(d.searchHeaders).subject, ['Compte rendu été']);
  // 8-bit header bytes and a NUL survive as JSON text (PostgreSQL text cannot hold a raw NUL).
  const odd = ingestMessage(Buffer.concat([Buffer.from('Subject: caf'), Buffer.from([0xe9, 0x00]), Buffer.from('\r\n\r\nx\r\n')]));
  assert.ok(!odd.structure.includes('\u0000'));
  assert.equal(parseStructure(odd.structure).envelope.subject, 'caf\u00e9\u0000');
});

test(`${ENGINE}: migration 0010 computes the structure of rows stored before it, from their blobs, and drops the wire-form columns`, async () => {
  const { store, databaseUrl, cleanup } = await openTestStore({ migrate: false });
  try {
    const db = store.kysely as unknown as Kysely<any>;
    const schema = databaseUrl ? (new URL(databaseUrl).searchParams.get('schema') ?? undefined) : undefined;
    const before = MIGRATIONS.filter((m) => m.name < '0010');
    const migrator = new Migrator({
      db,
      provider: {
        getMigrations: async () =>
          Object.fromEntries(
            before.map((m) => [m.name, { up: (trx: Kysely<any>) => m.up(trx, store.engine, { readBlob: (h) => store.blobs.get(h) }) }]),
          ),
      },
      migrationTableName: 'mss_migrations',
      migrationLockTableName: 'mss_migrations_lock',
      allowUnorderedMigrations: true,
      ...(schema ? { migrationTableSchema: schema } : {}),
    });
    assert.equal((await migrator.migrateToLatest()).error, undefined);
    await store.directory.upsertPersons([GP]);
    const mailboxId = (await store.mailboxes.create({ address: 'paul.martin@operateur-a.mssante.fr', type: 'PER', ownerIdnat: GP.idnat }))
      .id;
    const inbox = await store.mail.createFolder(mailboxId, 'INBOX');
    const blob = await store.blobs.put(RAW);
    const old = (uid: number, hash: string, envelope: string | null) =>
      sql`insert into mail_messages (folder_id, uid, modseq, flags, internal_date, size, blob_hash, envelope)
          values (${inbox.id}, ${uid}, 1, '', '2026-03-05T07:09:07.000Z', ${RAW.length}, ${hash}, ${envelope})`.execute(db);
    await old(1, blob.hash, null); // delivered by SMTP: nothing computed
    await old(2, blob.hash, '("wire form")'); // APPENDed: IMAP's wire-form cache
    await old(3, 'f'.repeat(64), null); // its blob is gone
    const report = await store.migrate();
    // Later migrations run too (listed after it).
    assert.equal(report.applied[0], '0010-message-data');
    const rows = await db.selectFrom('mail_messages').selectAll().where('folder_id', '=', inbox.id).orderBy('uid').execute();
    const expected = ingestMessage(RAW);
    for (const r of rows.slice(0, 2)) {
      assert.equal(r.structure, expected.structure);
      assert.equal(r.search_headers, expected.searchHeaders);
    }
    assert.equal(rows[2]!.structure, null, 'an unreadable blob leaves its row as it was; the migration goes on');
    assert.ok(!('envelope' in rows[0]!) && !('body_structure' in rows[0]!), 'wire-form columns dropped');
    // Migration 0011 (RFC 8514 SAVEDATE): rows stored before it take their INTERNALDATE as save date.
    assert.ok(report.applied.includes('0011-mail-saved'));
    assert.deepEqual(
      rows.map((r) => r.saved_at),
      rows.map((r) => r.internal_date),
    );
    // Forward-only and done once: nothing pending any more.
    assert.deepEqual((await store.migrate()).applied, []);
  } finally {
    await cleanup();
  }
});
