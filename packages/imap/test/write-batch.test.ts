// Group commit of sessions' small writes: what arrives together shares one transaction, with the
// same result as running each in turn; a failing write costs the others nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { seedDemo } from '@mss/seed';
import { openTestStore } from '@mss/store/testing';
import type { Repositories, Store } from '@mss/store';
import { batchedWrite } from '../src/server/write-batch.ts';

let store: Store;
let cleanup: () => Promise<void>;
let folderId: number;
let transactions = 0;
before(async () => {
  ({ store, cleanup } = await openTestStore());
  await seedDemo(store, 'operateur-a.mssante.fr');
  const box = (await store.mailboxes.byAddress('paul.martin@operateur-a.mssante.fr'))!;
  folderId = (await store.mail.ensureFolder(box.id, 'Batch')).id;
  const blob = await store.blobs.put('Subject: b\r\n\r\nb\r\n');
  for (let i = 0; i < 3; i++) await store.transaction((tx) => tx.mail.appendMessage(folderId, { blobHash: blob.hash, size: blob.size }));
  const real = store.transaction.bind(store);
  store.transaction = (<T>(fn: (tx: Repositories) => Promise<T>) => {
    transactions++;
    return real(fn);
  }) as Store['transaction'];
});
after(async () => cleanup());

test('writes queued together share one transaction and see each other in order', async () => {
  transactions = 0;
  const [a, b, c] = await Promise.all([
    batchedWrite(store, (tx) => tx.mail.setFlagsModseq(folderId, [1], ['\\Seen'])),
    batchedWrite(store, async (tx) => (await tx.mail.message(folderId, 1))!.flags),
    batchedWrite(store, (tx) => tx.mail.setFlagsModseq(folderId, [2], ['\\Flagged'])),
  ]);
  assert.equal(transactions, 1);
  assert.equal(b, '\\Seen', 'the second write sees the first');
  assert.equal(c.modseq, a.modseq + 1, 'MODSEQs in queue order');
});

test('a failing write is rolled back alone; the others of its batch are committed', async () => {
  transactions = 0;
  const results = await Promise.allSettled([
    batchedWrite(store, (tx) => tx.mail.setFlagsModseq(folderId, [3], ['\\Answered'])),
    batchedWrite(store, async (tx) => {
      await tx.mail.setFlagsModseq(folderId, [1], ['\\Deleted']);
      throw new Error('refused');
    }),
    batchedWrite(store, (tx) => tx.mail.setFlagsModseq(folderId, [2], ['\\Draft'])),
  ]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.equal(transactions, 4, 'the batch, then each write alone');
  assert.equal((await store.mail.message(folderId, 1))!.flags, '\\Seen', 'the failed write left nothing');
  assert.equal((await store.mail.message(folderId, 2))!.flags, '\\Draft');
  assert.equal((await store.mail.message(folderId, 3))!.flags, '\\Answered');
});
