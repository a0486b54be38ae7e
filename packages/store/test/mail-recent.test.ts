// IMAP4rev1's \Recent mark per folder (migration 0009): each message is claimed by one session
// only (RFC 3501 §2.3.2), even when two claim at once; STATUS counts the unclaimed ones.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import { openTestStore, ENGINE, GP } from './harness.ts';
import type { Store } from '../src/index.ts';
import { mailRecent } from '../src/migrations/0009-mail-recent.ts';

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

test(`${ENGINE}: claimRecent hands each UID to one caller; STATUS counts what is left (RFC 3501 §2.3.2)`, async () => {
  const f = await store.mail.createFolder(mailboxId, 'INBOX');
  const blob = await store.ingest(Buffer.from('Subject: x\r\n\r\nbody\r\n'));
  await store.transaction(async (tx) => {
    for (let i = 0; i < 3; i++) await tx.mail.appendMessage(f.id, blob);
  });
  let st = await store.mail.status(f.id);
  assert.equal(st.recent, 3);
  assert.equal(st.recentUid, 0);
  assert.equal(st.size, 3 * blob.size, "SIZE: the folder's bytes (RFC 8438)");
  assert.equal(await store.mail.claimRecent(f.id, 2), 0, "UIDs 1..2 are the caller's");
  assert.equal(await store.mail.claimRecent(f.id, 2), 2, 'nothing left up to 2');
  assert.equal(await store.mail.claimRecent(f.id, 1), 2);
  st = await store.mail.status(f.id);
  assert.equal(st.recent, 1);
  // Two sessions claiming at once: one gets (2, 3], the other nothing.
  const both = await Promise.all([store.mail.claimRecent(f.id, 3), store.mail.claimRecent(f.id, 3)]);
  assert.deepEqual(both.sort(), [2, 3]);
  assert.equal((await store.mail.status(f.id)).recent, 0);
});

test(`${ENGINE}: the migration takes the messages already stored as seen by a session`, async () => {
  const f = await store.mail.createFolder(mailboxId, 'Old');
  const blob = await store.ingest(Buffer.from('Subject: y\r\n\r\nbody\r\n'));
  await store.transaction(async (tx) => {
    for (let i = 0; i < 4; i++) await tx.mail.appendMessage(f.id, blob);
  });
  const db = dbOf(store);
  await sql`alter table mail_folders drop column recent_uid`.execute(db);
  await mailRecent.up(db, ENGINE, { readBlob: (h) => store.blobs.get(h) });
  const st = await store.mail.status(f.id);
  assert.equal(st.recentUid, 4);
  assert.equal(st.recent, 0);
});
