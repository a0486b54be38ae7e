// Queries of a fixed shape built once (cachedQuery): same rows as building them each time,
// arguments bound in their places, a builder that drops an argument refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore, ENGINE, GP } from './harness.ts';
import { parseStructure, type Store } from '../src/index.ts';
import { cachedQuery } from '../src/repos/cached-query.ts';

let store: Store;
let cleanup: () => Promise<void>;
before(async () => {
  ({ store, cleanup } = await openTestStore());
  await store.directory.upsertPersons([GP]);
});
after(async () => cleanup());

test(`${ENGINE}: fetchRows, folder and folderById through their cached shapes`, async () => {
  const mailboxId = (await store.mailboxes.create({ address: 'paul.martin@operateur-a.mssante.fr', type: 'PER', ownerIdnat: GP.idnat })).id;
  const inbox = await store.mail.createFolder(mailboxId, 'INBOX');
  const sent = await store.mail.createFolder(mailboxId, 'Sent');
  const messages = await Promise.all([0, 1, 2, 3, 4].map((i) => store.ingest(Buffer.from(`Subject: env${i}\r\n\r\nbody\r\n`))));
  await store.transaction(async (tx) => {
    for (const [i, m] of messages.entries()) await tx.mail.appendMessage(inbox.id, { ...m, size: 10 + i });
    await tx.mail.appendMessage(sent.id, { ...messages[0]!, size: 99 });
  });
  const subject = (r: { structure?: string | null }) =>
    r.structure === undefined ? undefined : parseStructure(r.structure!).envelope.subject;
  // Twice each: the second call runs the kept SQL with new arguments.
  for (let round = 0; round < 2; round++) {
    assert.equal((await store.mail.folder(mailboxId, 'Sent'))?.id, sent.id);
    assert.equal((await store.mail.folder(mailboxId, 'INBOX'))?.id, inbox.id);
    assert.equal(await store.mail.folder(mailboxId, 'Nowhere'), undefined);
    assert.equal(Number((await store.mail.folderById(inbox.id))?.uidnext), 6);
    const full = await store.mail.fetchRows(inbox.id, [2, 3, 4]);
    assert.deepEqual(
      full.map((r) => [Number(r.uid), Number(r.size), subject(r)]),
      [
        [2, 11, 'env1'],
        [3, 12, 'env2'],
        [4, 13, 'env3'],
      ],
    );
    const lean = await store.mail.fetchRows(inbox.id, [5], false);
    assert.deepEqual(
      lean.map((r) => [Number(r.uid), Number(r.size), subject(r)]),
      [[5, 14, undefined]],
    );
    assert.deepEqual(
      (await store.mail.fetchRows(sent.id, [1], false)).map((r) => Number(r.size)),
      [99],
    );
    assert.deepEqual(await store.mail.usage(mailboxId), { storage: 10 + 11 + 12 + 13 + 14 + 99, messages: 6 });
  }
});

test('a builder that leaves an argument out is refused', async () => {
  const ctx = (store.mail as unknown as { ctx: Parameters<typeof cachedQuery>[0] }).ctx;
  await assert.rejects(
    cachedQuery(ctx, 'test.dropped', [1, 2], (a) => ctx.db.selectFrom('mail_folders').selectAll().where('id', '=', Number(a))),
    /argument 1 is not a bound parameter/,
  );
});
