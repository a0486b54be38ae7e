// MailboxScope, the capability the decision point hands out: it reaches its own mailbox and
// refuses the ids of another mailbox's folders and delegations (guide: "scoped by construction").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore, ENGINE, GP, person } from './harness.ts';
import { MailboxScope, OutOfScopeError, type Store } from '../src/index.ts';

const OTHER = person('810000002047', 'Durand', 'Anne');
let store: Store;
let cleanup: () => Promise<void>;
let mine: MailboxScope;
let theirs: MailboxScope;
before(async () => {
  ({ store, cleanup } = await openTestStore());
  await store.directory.upsertPersons([GP, OTHER]);
  const a = await store.mailboxes.create({ address: 'paul.martin@operateur-a.mssante.fr', type: 'PER', ownerIdnat: GP.idnat });
  const b = await store.mailboxes.create({ address: 'anne.durand@operateur-a.mssante.fr', type: 'PER', ownerIdnat: OTHER.idnat });
  mine = new MailboxScope(store, a);
  theirs = new MailboxScope(store, b);
});
after(async () => cleanup());

const outOfScope = (err: unknown) => err instanceof OutOfScopeError && err.code === 'OUT_OF_SCOPE';

test(`${ENGINE}: a scope refuses another mailbox's folder ids`, async () => {
  const myInbox = await mine.ensureFolder('INBOX');
  const theirInbox = await theirs.ensureFolder('INBOX');
  assert.equal((await mine.ownFolder(myInbox.id)).id, myInbox.id);
  await assert.rejects(mine.ownFolder(theirInbox.id), outOfScope);
  await assert.rejects(mine.ownFolder(987_654), outOfScope, 'a folder that does not exist is not ours either');
  assert.deepEqual(
    (await mine.folders()).map((f) => f.id),
    [myInbox.id],
  );
  assert.equal(await mine.folder('Archives'), undefined);
});

test(`${ENGINE}: R-DEL-5: a scope neither finds nor revokes another mailbox's delegation`, async () => {
  const theirs1 = await theirs.grantDelegation({ delegateIdnat: GP.idnat, grantedBy: OTHER.idnat });
  const mine1 = await mine.grantDelegation({ delegateIdnat: OTHER.idnat, grantedBy: GP.idnat });
  assert.equal(theirs1.mailbox_id, theirs.mailboxId, 'granted on the scope’s own mailbox');
  assert.equal(await mine.delegation(theirs1.id), undefined);
  await assert.rejects(mine.revokeDelegation(theirs1.id, GP.idnat, 'test'), outOfScope);
  assert.equal((await store.mailboxes.delegation(theirs1.id))?.revoked_at, null, 'the other mailbox’s delegation is untouched');
  assert.ok((await mine.revokeDelegation(mine1.id, GP.idnat, 'test'))?.revoked_at);
});

test(`${ENGINE}: holders, history and directory outbox land on the scope's mailbox only`, async () => {
  await mine.addHolder(GP.idnat, 'holder', null);
  assert.deepEqual(
    (await mine.holders()).map((h) => h.person_idnat),
    [GP.idnat],
  );
  assert.deepEqual(await theirs.holders(), []);
  await mine.appendHistory({ actor: 'test', event: 'mailbox.created' });
  assert.deepEqual(
    (await mine.history({})).map((e) => [e.mailboxId, e.event]),
    [[mine.mailboxId, 'mailbox.created']],
  );
  assert.deepEqual(await theirs.history({}), []);
  await assert.rejects(mine.enqueuePublication('publish', await theirs.row()), outOfScope);
  await mine.enqueuePublication('publish', await mine.row());
  assert.equal((await store.outbox.forMailbox(mine.mailboxId)).length, 1);
  assert.equal((await store.outbox.forMailbox(theirs.mailboxId)).length, 0);
});

test(`${ENGINE}: within(tx) keeps the same mailbox inside a transaction, and rolls back with it`, async () => {
  await assert.rejects(
    store.transaction(async (tx) => {
      const inTx = mine.within(tx);
      assert.equal(inTx.mailboxId, mine.mailboxId);
      await inTx.update({ description: 'pendant la transaction' });
      assert.equal((await inTx.row()).description, 'pendant la transaction');
      throw new Error('roll back');
    }),
    /roll back/,
  );
  assert.equal((await mine.row()).description, null);
});

// Issue #19: the message operations of a protocol (IMAP) go through a folder handle the scope
// hands out; no handle of this scope ever reaches a folder of another mailbox.
test(`${ENGINE}: a folder handle comes only from the scope, for its own folders; another mailbox's folder is OUT_OF_SCOPE`, async () => {
  const myInbox = await mine.ensureFolder('INBOX');
  const theirInbox = await theirs.ensureFolder('INBOX');
  const handle = await mine.openFolderById(myInbox.id);
  assert.equal(handle.id, myInbox.id);
  assert.equal(handle.name, 'INBOX');
  await assert.rejects(mine.openFolderById(theirInbox.id), outOfScope, 'a folder id of another mailbox');
  await assert.rejects(mine.openFolderById(987_654), outOfScope, 'a folder that does not exist');
  assert.equal((await mine.openFolder('INBOX'))?.id, myInbox.id, 'by name, only among its own folders');
  assert.equal(await mine.openFolder('Nowhere'), undefined);
  assert.deepEqual(
    (await mine.folderHandles()).map((h) => h.id),
    [myInbox.id],
  );

  // A handle of their folder (made by their scope) is refused by mine, and cannot be copied into.
  const theirHandle = (await theirs.openFolder('INBOX'))!;
  assert.throws(() => mine.bind(theirHandle), outOfScope);
  const ingested = await store.ingest(Buffer.from('From: <a@b.fr>\r\nSubject: scoped\r\n\r\nbody\r\n'));
  const uid = Number((await handle.transaction((f) => f.appendMessage(ingested))).uid);
  await assert.rejects(
    handle.transaction((f) => f.copyTo([uid], theirHandle)),
    outOfScope,
  );
  assert.deepEqual(await theirHandle.messages(), [], 'nothing reached their folder');
  assert.equal((await handle.messages()).length, 1);
});

test(`${ENGINE}: a scope's transaction binds its folder handles to it: all of it commits, or none`, async () => {
  const inbox = (await mine.openFolder('INBOX'))!;
  const before = (await inbox.messages()).length;
  const ingested = await store.ingest(Buffer.from('From: <a@b.fr>\r\nSubject: rolled back\r\n\r\nbody\r\n'));
  await assert.rejects(
    mine.transaction(async (box) => {
      await box.bind(inbox).appendMessage(ingested);
      await box.audit({
        idnat: GP.idnat,
        action: 'test',
        channel: 'imap',
        client_id: null,
        outcome: 'allowed',
        reason: 'test',
        role: null,
      });
      assert.equal((await box.bind(inbox).messages()).length, before + 1, 'seen inside the transaction');
      throw new Error('roll back');
    }),
    /roll back/,
  );
  assert.equal((await inbox.messages()).length, before);
  // An audit record through the scope names the scope's own mailbox.
  const row = await mine.audit({
    idnat: GP.idnat,
    action: 'test',
    channel: 'imap',
    client_id: null,
    outcome: 'allowed',
    reason: 'test',
    role: null,
  });
  assert.equal(row.mailbox, mine.address);
  // Inside a transaction already, a scope's transaction runs in it.
  await store.transaction(async (tx) => {
    const inTx = mine.within(tx);
    assert.equal(await inTx.transaction(async (box) => box), inTx);
  });
});
