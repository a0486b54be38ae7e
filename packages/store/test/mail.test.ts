import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openTestStore, ENGINE, GP } from './harness.ts';
import { parseFlags, type Store } from '../src/index.ts';

describe(`mail storage on ${ENGINE}`, () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  let dataDir: string;
  let mailboxId: number;
  /** Where bodies that arrive in pieces wait for their commit (the file store's temporaries, the S3 store's spool). */
  const blobTmp = (): string => path.join(dataDir, 'blobs', 'tmp');
  before(async () => {
    ({ store, cleanup, dataDir } = await openTestStore());
    await store.directory.upsertPersons([GP]);
    mailboxId = (await store.mailboxes.create({ address: 'paul.martin@operateur-a.mssante.fr', type: 'PER', ownerIdnat: GP.idnat })).id;
  });
  after(async () => cleanup());

  test('blobs are content-addressed, durable files; identical bodies are stored once', async () => {
    const a = await store.blobs.put('Subject: hello\r\n\r\nbody\r\n');
    const b = await store.blobs.put(Buffer.from('Subject: hello\r\n\r\nbody\r\n'));
    assert.equal(a.hash, b.hash);
    assert.equal(a.size, 24);
    assert.match(a.hash, /^[0-9a-f]{64}$/);
    assert.equal((await store.blobs.get(a.hash)).toString(), 'Subject: hello\r\n\r\nbody\r\n');
    const file = store.blobs.localPath(a.hash);
    if (file !== undefined) assert.ok(fs.existsSync(file));
    await assert.rejects(store.blobs.get('../../etc/passwd'), /not a blob hash/);
    await assert.rejects(store.blobs.get('0'.repeat(64)), /missing/);
  });

  test('a blob written in pieces is invisible until committed, and gone if aborted', async () => {
    // Small: kept in memory until commit, nothing on disk before.
    const small = await store.blobs.writer();
    await small.write(Buffer.from('tiny'));
    assert.deepEqual(fs.readdirSync(blobTmp()), []);
    assert.equal((await store.blobs.get((await small.commit()).hash)).toString(), 'tiny');
    // Beyond the memory limit: spilled to a temporary file and streamed.
    const w = await store.blobs.writer(12);
    await w.write(Buffer.from('part one, '));
    assert.deepEqual(fs.readdirSync(blobTmp()), []);
    await w.write(Buffer.from('part two'));
    const tmpFiles = fs.readdirSync(blobTmp());
    assert.equal(tmpFiles.length, 1);
    const ref = await w.commit();
    assert.equal((await store.blobs.get(ref.hash)).toString(), 'part one, part two');
    const aborted = await store.blobs.writer(2);
    await aborted.write(Buffer.from('never'));
    await aborted.abort();
    assert.deepEqual(fs.readdirSync(blobTmp()), []);
    await assert.rejects(w.write(Buffer.from('late')), /after commit/);
  });

  test('folders: UIDVALIDITY is fixed, never reused after a re-creation', async () => {
    const inbox = await store.mail.createFolder(mailboxId, 'INBOX');
    assert.equal(inbox.uidnext, 1);
    await assert.rejects(store.mail.createFolder(mailboxId, 'INBOX'), /already exists/);
    const tmp = await store.mail.createFolder(mailboxId, 'Brouillons');
    await store.mail.deleteFolder(tmp.id);
    const again = await store.mail.createFolder(mailboxId, 'Brouillons');
    assert.ok(again.uidvalidity > tmp.uidvalidity);
    assert.equal((await store.mail.ensureFolder(mailboxId, 'INBOX')).id, inbox.id);
    assert.deepEqual(
      (await store.mail.folders(mailboxId)).map((f) => f.name),
      ['Brouillons', 'INBOX'],
    );
  });

  test('UIDs are strictly ascending and MODSEQ grows with every change', async () => {
    const inbox = await store.mail.ensureFolder(mailboxId, 'INBOX');
    const blob = await store.ingest(Buffer.from('From: a@b.mssante.fr\r\n\r\nx\r\n'));
    // Concurrent appends: each in its own transaction; UIDs must come out unique.
    const appended = await Promise.all(
      Array.from({ length: 12 }, (_, i) => store.transaction((tx) => tx.mail.appendMessage(inbox.id, { ...blob, authorIdnat: GP.idnat }))),
    );
    const uids = appended.map((m) => m.uid).sort((a, b) => a - b);
    assert.deepEqual(
      uids,
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    const st = await store.mail.status(inbox.id);
    assert.equal(st.messages, 12);
    assert.equal(st.unseen, 12);
    assert.equal(st.uidnext, 13);
    const before = st.highestModseq;
    await store.transaction((tx) => tx.mail.setFlags(inbox.id, [1, 2, 3], ['\\Seen', '\\Flagged', '\\Seen']));
    const m1 = await store.mail.message(inbox.id, 1);
    assert.deepEqual(parseFlags(m1!.flags), ['\\Flagged', '\\Seen']);
    assert.ok(m1!.modseq > before);
    assert.equal(m1!.author_idnat, GP.idnat);
    const changed = await store.mail.changedSince(inbox.id, before);
    assert.deepEqual(
      changed.map((m) => m.uid),
      [1, 2, 3],
    );
    const st2 = await store.mail.status(inbox.id);
    assert.equal(st2.unseen, 9);
    assert.equal(await store.transaction((tx) => tx.mail.expunge(inbox.id, [2, 3])), 2);
    const rest = await store.mail.messages(inbox.id, { fromUid: 1, toUid: 5 });
    assert.deepEqual(
      rest.map((m) => m.uid),
      [1, 4, 5],
    );
    // After an expunge the next UID is still higher than any ever given.
    const next = await store.transaction((tx) => tx.mail.appendMessage(inbox.id, blob));
    assert.equal(next.uid, 13);
  });

  test('changesSince: rows re-flagged or appended after a MODSEQ, and the UIDs expunged after it', async () => {
    const folder = await store.mail.createFolder(mailboxId, 'Changes');
    const blob = await store.ingest(Buffer.from('Subject: c\r\n\r\nc\r\n'));
    for (let i = 0; i < 4; i++) {
      await store.transaction((tx) => tx.mail.appendMessage(folder.id, blob));
    }
    const start = Number((await store.mail.folderById(folder.id))!.highest_modseq);
    const flagged = await store.transaction((tx) => tx.mail.setFlagsModseq(folder.id, [3, 1], ['\\Seen']));
    assert.equal(flagged.updated, 2);
    assert.equal(flagged.modseq, start + 1);
    assert.equal(await store.transaction((tx) => tx.mail.expunge(folder.id, [2, 99])), 1);
    await store.transaction((tx) => tx.mail.appendMessage(folder.id, blob));
    const c = await store.mail.changesSince(folder.id, start, true);
    assert.deepEqual(
      c.rows.map((r) => [r.uid, r.flags, r.modseq]),
      [
        [1, '\\Seen', start + 1],
        [3, '\\Seen', start + 1],
        [5, '', start + 3],
      ],
    );
    assert.deepEqual(JSON.parse(c.rows[0]!.search_headers!).subject, ['c'], 'search values computed when the message was stored');
    assert.deepEqual(c.expunged, [{ uid: 2, modseq: start + 2 }], 'only UIDs that existed are logged');
    assert.deepEqual(await store.mail.changesSince(folder.id, start + 3, false), { rows: [], expunged: [] });
    await store.transaction((tx) => tx.mail.pruneExpunged(folder.id, start + 2));
    assert.deepEqual(
      (await store.mail.changesSince(folder.id, start + 1, false)).expunged,
      [{ uid: 0, modseq: start + 2 }],
      'a mark: reread the folder',
    );
    assert.deepEqual((await store.mail.changesSince(folder.id, start + 2, false)).expunged, [], 'after the cut nothing is lost');
    await store.transaction((tx) => tx.mail.deleteFolder(folder.id));
    assert.deepEqual(await store.mail.changesSince(folder.id, 0, false), { rows: [], expunged: [] });
  });
  test('appendMessages: many messages in one change — consecutive UIDs, one MODSEQ, counters, threads as one by one', async () => {
    const box = await store.mail.ensureFolder(mailboxId, 'Import');
    const raw = (i: number, extra = '') =>
      Buffer.from(`From: a@b.mssante.fr\r\nSubject: Dossier ${i}\r\nMessage-ID: <imp-${i}@b>\r\n${extra}\r\ncorps ${i}\r\n`);
    const ms = [await store.ingest(raw(1)), await store.ingest(raw(2)), await store.ingest(raw(3, 'In-Reply-To: <imp-1@b>\r\n'))];
    // Subject "Dossier 3" ≠ "Dossier 1": a thread of its own; a true reply joins the first.
    ms.push(await store.ingest(Buffer.from('From: c@d.mssante.fr\r\nSubject: Re: Dossier 1\r\nIn-Reply-To: <imp-1@b>\r\n\r\nok\r\n')));
    const before = (await store.mail.status(box.id)).highestModseq;
    const first = await store.transaction((tx) => tx.mail.appendMessages(box.id, ms));
    assert.equal(first, 1);
    const rows = await store.mail.messages(box.id);
    assert.deepEqual(
      rows.map((r) => r.uid),
      [1, 2, 3, 4],
    );
    assert.equal(new Set(rows.map((r) => r.modseq)).size, 1, 'RFC 7162: one change, one MODSEQ');
    assert.ok(rows[0]!.modseq > before);
    const st = await store.mail.status(box.id);
    assert.deepEqual([st.messages, st.uidnext], [4, 5]);
    assert.equal(rows[3]!.thread_id, rows[0]!.thread_id);
    assert.notEqual(rows[2]!.thread_id, rows[0]!.thread_id);
    assert.equal(await store.mail.appendMessages(box.id, []), 0);
  });
});
