// IMAP over a store whose bodies are in an S3 bucket (issue #17; s3rver on loopback): APPEND
// answers OK only once the body is in the bucket, FETCH and SORT read through the bucket (no
// local file), and with the bucket unreachable APPEND is `NO [UNAVAILABLE]` (RFC 5530 §3) with
// nothing stored. Client: imapflow.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ImapFlow } from 'imapflow';
import { S3BlobStore } from '@mss/store';
import { startS3Server, type RunningS3Server } from '@mss/store/testing';
import { GP, imapflowClient, PER, startImapWorld, type ImapWorld } from './support/imap-world.ts';
import { command, openAuthenticated } from './support/conversation.ts';

let s3: RunningS3Server;
let w: ImapWorld;
let client: ImapFlow;
before(async () => {
  s3 = await startS3Server();
  w = await startImapWorld({ store: { blobStore: s3.setting('imap/') } });
  client = imapflowClient(w.imap.port, PER, await w.token(GP));
  await client.connect();
});
after(async () => {
  await client.logout().catch(() => undefined);
  await w.close();
  await s3.close();
});

const msg = (subject: string, body: string) => `From: <${PER}>\r\nTo: <${PER}>\r\nSubject: ${subject}\r\n\r\n${body}\r\n`;

test('APPEND puts the body in the bucket; FETCH and SORT read it back from there', async () => {
  assert.ok(w.store.blobs instanceof S3BlobStore);
  const blobs = w.store.blobs;
  const appended = await client.append('INBOX', msg('zèbre', 'second by subject'));
  await client.append('INBOX', msg('abeille', 'first by subject'));
  if (!appended) assert.fail('APPEND refused');
  const lock = await client.getMailboxLock('INBOX');
  try {
    const rows = await w.store.mail.messages((await w.store.mail.folder((await w.store.mailboxes.byAddress(PER))!.id, 'INBOX'))!.id);
    for (const r of rows) assert.equal(await blobs.has(r.blob_hash), true, 'every body is an object of the bucket');
    // A store of its own (no read cache) proves the objects are there for another node.
    const other = new S3BlobStore(s3.setting('imap/'), { spoolDir: w.store.blobs.spoolDir, cacheBytes: 0 });
    try {
      assert.match((await other.get(rows[0]!.blob_hash)).toString(), /second by subject/);
    } finally {
      await other.close();
    }
    const fetched = await client.fetchOne(String(appended.uid), { source: true, envelope: true }, { uid: true });
    assert.ok(fetched);
    assert.match(fetched.source!.toString(), /second by subject/);
    assert.equal(fetched.envelope!.subject, 'zèbre');
  } finally {
    lock.release();
  }
  // RFC 5256 SORT reads each message's header section by ranges of the object.
  const c = await openAuthenticated(w.imap.port, PER, await w.token(GP));
  try {
    await command(c, 's1', 'SELECT INBOX');
    assert.match(await command(c, 's2', 'SORT (SUBJECT) UTF-8 ALL'), /^\* SORT 2 1\r\n/);
  } finally {
    c.socket.destroy();
  }
});

test('APPEND with the bucket unreachable: NO [UNAVAILABLE], nothing stored; OK again once it is back', async () => {
  const box = (await w.store.mailboxes.byAddress(PER))!;
  const inbox = (await w.store.mail.folder(box.id, 'INBOX'))!;
  const before = (await w.store.mail.messages(inbox.id)).length;
  const c = await openAuthenticated(w.imap.port, PER, await w.token(GP));
  await s3.stop();
  try {
    const m = msg('pendant', 'not stored');
    assert.equal(
      await command(c, 'a1', `APPEND INBOX {${Buffer.byteLength(m)}+}\r\n${m}`),
      'a1 NO [UNAVAILABLE] The message store is unavailable, try again later\r\n',
    );
    assert.equal((await w.store.mail.messages(inbox.id)).length, before);
  } finally {
    c.socket.destroy();
    await s3.restart();
  }
  assert.ok(await client.append('INBOX', msg('après', 'stored')));
  assert.equal((await w.store.mail.messages(inbox.id)).length, before + 1);
});
