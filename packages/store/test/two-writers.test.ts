// Two processes writing one store at once (issue #17, several nodes on one database; on SQLite
// several workers on one file): UIDs and MODSEQs taken by concurrent appends from both stay
// unique and follow the folder's counters (RFC 9051 §2.3.1.1 strictly ascending UIDs; RFC 7162
// §3.1 MODSEQ), and queue rows claimed by two senders at once are each claimed by one only
// (no double delivery; PostgreSQL: FOR UPDATE SKIP LOCKED).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Store } from '../src/index.ts';
import { openTestStore, ENGINE, GP } from './harness.ts';

const WRITER = fileURLToPath(new URL('./support/concurrent-writer.ts', import.meta.url));
const run = promisify(execFile);

let store: Store;
let dataDir: string;
let databaseUrl: string | undefined;
let cleanup: () => Promise<void>;
let mailboxId: number;
before(async () => {
  ({ store, dataDir, databaseUrl, cleanup } = await openTestStore());
  await store.directory.upsertPersons([GP]);
  mailboxId = (await store.mailboxes.create({ address: 'deux.process@operateur-a.mssante.fr', type: 'PER', ownerIdnat: GP.idnat })).id;
});
after(async () => cleanup());

/** Both processes started together; their outputs once both are done. */
async function twoWriters<T>(args: (i: number) => string[]): Promise<[T, T]> {
  const outs = await Promise.all(
    [0, 1].map((i) => run(process.execPath, [WRITER, ...args(i)], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 })),
  );
  return outs.map((o) => JSON.parse(o.stdout) as T) as [T, T];
}

test(`two processes appending to one folder on ${ENGINE}: every UID and MODSEQ unique, the folder's counters past them all`, async () => {
  const inbox = await store.mail.ensureFolder(mailboxId, 'INBOX');
  const N = 60;
  const [a, b] = await twoWriters<{ uid: number; modseq: number }[]>(() => [
    'append',
    databaseUrl ?? '',
    dataDir,
    String(inbox.id),
    String(N),
    GP.idnat,
  ]);
  // Within each process, later appends got higher UIDs and MODSEQs (each waited for the one before).
  for (const rows of [a, b]) {
    for (let i = 8; i < rows.length; i++) {
      assert.ok(rows[i]!.uid > rows[i - 8]!.uid && rows[i]!.modseq > rows[i - 8]!.modseq, 'ascending in commit order');
    }
  }
  await assertOneSequence([...a, ...b], 2 * N, Number(inbox.id));
});

/**
 * What two writers into one folder must leave: UIDs 1…n, none twice; no MODSEQ twice; UID order
 * is MODSEQ order (a message stored later never has a lower MODSEQ); the folder's counters past them all.
 */
async function assertOneSequence(all: readonly { uid: number; modseq: number }[], n: number, folderId: number): Promise<void> {
  assert.equal(all.length, n);
  assert.deepEqual(
    all.map((r) => r.uid).sort((x, y) => x - y),
    Array.from({ length: n }, (_, i) => i + 1),
    'UIDs 1…2N, none twice',
  );
  assert.equal(new Set(all.map((r) => r.modseq)).size, n, 'no MODSEQ twice');
  const byUid = [...all].sort((x, y) => x.uid - y.uid);
  for (let i = 1; i < byUid.length; i++) assert.ok(byUid[i]!.modseq > byUid[i - 1]!.modseq, `MODSEQ follows UID at ${byUid[i]!.uid}`);
  const st = await store.mail.status(folderId);
  assert.equal(st.messages, n);
  assert.equal(st.uidnext, n + 1);
  assert.equal(st.highestModseq, Math.max(...all.map((r) => r.modseq)));
}

test(`two processes delivering to one INBOX in group commits on ${ENGINE}: UIDs 1…2N, MODSEQs unique and in UID order`, async () => {
  // SMTP delivery's write (`delivery.file`: on PostgreSQL one statement that takes the UID and
  // MODSEQ and inserts the row), eight deliveries a commit in each process.
  const box = (await store.mailboxes.create({ address: 'deux.livraisons@operateur-a.mssante.fr', type: 'PER', ownerIdnat: GP.idnat })).id;
  const inbox = await store.mail.ensureFolder(box, 'INBOX');
  const N = 48;
  const [a, b] = await twoWriters<{ uid: number; modseq: number }[]>(() => [
    'deliver',
    databaseUrl ?? '',
    dataDir,
    `${inbox.id}:${box}`,
    String(N),
    GP.idnat,
  ]);
  await assertOneSequence([...a, ...b], 2 * N, Number(inbox.id));
  assert.equal((await store.mail.usage(box)).messages, 2 * N, 'the usage counters count every copy');
});

test(`two senders claiming the queue at once on ${ENGINE}: each row claimed by one only, none left out`, async () => {
  const N = 400;
  await store.queue.enqueue(
    Array.from({ length: N }, (_, i) => ({
      messageRef: `m${i}`,
      blobHash: 'a'.repeat(64),
      size: 10,
      senderAddress: 'paul.martin@operateur-a.mssante.fr',
      senderMailboxId: mailboxId,
      authorIdnat: GP.idnat,
      mailFrom: 'paul.martin@operateur-a.mssante.fr',
      envid: null,
      ret: null,
      bodyType: '7BIT',
      smtpUtf8: false,
      recipient: `r${i}@operateur-b.mssante.fr`,
      domain: 'operateur-b.mssante.fr',
      notify: null,
      orcpt: null,
    })),
  );
  const [a, b] = await twoWriters<number[]>((i) => ['claim', databaseUrl ?? '', dataDir, `node-${i + 1}`, '7', '']);
  const overlap = a.filter((id) => b.includes(id));
  assert.deepEqual(overlap, [], 'no row claimed by both');
  assert.equal(a.length + b.length, N, 'every due row claimed');
  const rows = await store.queue.list({});
  assert.deepEqual(
    new Set(rows.map((r) => r.claimed_by)),
    new Set(['node-1', 'node-2'].filter((n) => (n === 'node-1' ? a : b).length > 0)),
  );
});

// Found by the PostgreSQL bench with two nodes (issue #17): the first IMAP LOGINs of one mailbox on
// two nodes at once each made its missing INBOX (RFC 9051 §5.1: INBOX always exists), and the one
// that lost the race got "folder INBOX already exists" instead of the folder. Creating a folder
// that is being created elsewhere must give the folder made there.
test(`two nodes making the same missing folder at once on ${ENGINE}: both get the one folder, neither fails`, async () => {
  const other = await Store.open({ dataDir, databaseUrl, migrate: false });
  try {
    const box = (await store.mailboxes.create({ address: 'premier.login@operateur-a.mssante.fr', type: 'PER', ownerIdnat: GP.idnat })).id;
    // Outside transactions (IMAP LOGIN), several at once from each node.
    const plain = await Promise.all([store, other, store, other, store, other].map((s) => s.mail.ensureFolder(box, 'INBOX')));
    assert.equal(new Set(plain.map((f) => f.id)).size, 1, 'one INBOX');
    // Inside transactions (delivery): on PostgreSQL a unique violation would abort the whole transaction.
    // On SQLite one store's transactions: two stores in one thread cannot wait for each other's write lock.
    const writers = ENGINE === 'postgres' ? [store, other, store, other] : [store, store, store, store];
    const inTx = await Promise.all(writers.map((s) => s.transaction((tx) => tx.mail.ensureFolder(box, 'Archives'))));
    assert.equal(new Set(inTx.map((f) => f.id)).size, 1, 'one Archives');
    const names = (await store.mail.folders(box)).map((f) => f.name).sort();
    assert.deepEqual(names, ['Archives', 'INBOX']);
  } finally {
    await other.close();
  }
});
