// The per-folder usage counters behind quotas (migration 0008): maintained by every append, copy,
// expunge and folder deletion, equal to what the messages add up to; the migration's backfill
// gives the same numbers for messages stored before it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import { openTestStore, ENGINE, GP } from './harness.ts';
import type { Store } from '../src/index.ts';
import { recountMailUsage } from '../src/migrations/0008-mail-usage.ts';

const dbOf = (s: Store) => (s as unknown as { db: Kysely<any> }).db;
let store: Store;
let cleanup: () => Promise<void>;
let mailboxId: number;
before(async () => {
  ({ store, cleanup } = await openTestStore());
  await store.directory.upsertPersons([GP]);
  mailboxId = (await store.mailboxes.create({ address: 'paul.martin@operateur-a.mssante.fr', type: 'PER', ownerIdnat: GP.idnat })).id;
});
after(async () => cleanup());

async function recount(): Promise<{ storage: number; messages: number }> {
  let storage = 0;
  let messages = 0;
  for (const f of await store.mail.folders(mailboxId)) {
    for (const m of await store.mail.messages(f.id)) {
      storage += Number(m.size);
      messages++;
    }
  }
  return { storage, messages };
}

test(`${ENGINE}: usage follows appends, copies, expunges and folder deletion; the backfill agrees`, async () => {
  assert.deepEqual(await store.mail.usage(mailboxId), { storage: 0, messages: 0 });
  const inbox = await store.mail.createFolder(mailboxId, 'INBOX');
  const other = await store.mail.createFolder(mailboxId, 'Archives');
  const message = await store.ingest(Buffer.from('Subject: x\r\n\r\nbody\r\n'));
  await store.transaction(async (tx) => {
    for (const size of [100, 250, 4000]) await tx.mail.appendMessage(inbox.id, { ...message, size });
  });
  assert.deepEqual(await store.mail.usage(mailboxId), { storage: 4350, messages: 3 });
  await store.transaction((tx) => tx.mail.copyMessages(inbox.id, [1, 3], other.id));
  assert.deepEqual(await store.mail.usage(mailboxId), { storage: 8450, messages: 5 });
  await store.transaction((tx) => tx.mail.expunge(inbox.id, [2, 3, 99]));
  assert.deepEqual(await store.mail.usage(mailboxId), { storage: 4200, messages: 3 });
  assert.deepEqual(await store.mail.usage(mailboxId), await recount());
  await store.transaction((tx) => tx.mail.deleteFolder(other.id));
  assert.deepEqual(await store.mail.usage(mailboxId), { storage: 100, messages: 1 });
  // As if the messages predated the counters: the migration's backfill finds the same.
  await sql`update mail_folders set storage_used = 0, message_count = 0`.execute(dbOf(store));
  assert.deepEqual(await store.mail.usage(mailboxId), { storage: 0, messages: 0 });
  await recountMailUsage(dbOf(store));
  assert.deepEqual(await store.mail.usage(mailboxId), { storage: 100, messages: 1 });
});
