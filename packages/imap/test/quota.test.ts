// IMAP QUOTA (RFC 9208): one quota root per mailbox, STORAGE and MESSAGE, limits from the
// configuration. Scripted sessions with exact responses (each citing its section), then two
// independent clients: imapflow's getQuota and Python imaplib's getquotaroot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MAILBOX_QUOTAS, type MailboxQuotas } from '@mss/domain';
import { TEST_ENGINE } from '@mss/store/testing';
import { CAB, GP, imapflowClient, PER, SOPHIE, startImapWorld, type ImapWorld } from './support/imap-world.ts';
import { command, openAuthenticated, type Conversation } from './support/conversation.ts';

// PER: 10 KiB and 5 messages; CAB: 4 KiB (for the clients below).
const QUOTAS: MailboxQuotas = {
  ...DEFAULT_MAILBOX_QUOTAS,
  PER: { storage: 10 * 1024, messages: 5 },
  CAB: { storage: 4 * 1024, messages: 100 },
};
const SCRIPT = fileURLToPath(new URL('./support/imaplib_client.py', import.meta.url));

let w: ImapWorld;
let c: Conversation;
before(async () => {
  w = await startImapWorld({ quotas: QUOTAS });
  c = await openAuthenticated(w.imap.port, PER, await w.token(GP));
});
after(async () => {
  c.socket.destroy();
  await w.close();
});

/** A message of exactly `size` octets. */
function sized(n: number, size: number): string {
  const head = `From: <${PER}>\r\nSubject: quota ${n}\r\n\r\n`;
  return head + 'x'.repeat(size - head.length);
}
async function append(tag: string, folder: string, size: number): Promise<string> {
  const m = sized(Number(tag.replace(/\D/g, '')), size);
  return command(c, tag, `APPEND ${folder} {${m.length}+}\r\n${m}`);
}
const quota = (kib: number, messages: number) => `* QUOTA "" (STORAGE ${kib} 10 MESSAGE ${messages} 5)\r\n`;

/** The maintained counters agree with the messages themselves. */
async function assertCountersExact(mailbox: string): Promise<void> {
  const box = (await w.store.mailboxes.byAddress(mailbox))!;
  let storage = 0;
  let messages = 0;
  for (const f of await w.store.mail.folders(box.id)) {
    for (const m of await w.store.mail.messages(f.id)) {
      storage += Number(m.size);
      messages++;
    }
  }
  assert.deepEqual(await w.store.mail.usage(box.id), { storage, messages });
}

test('RFC 9208 §3.1 / §7: CAPABILITY announces QUOTA and the resources; not QUOTASET', async () => {
  const r = await command(c, 'c1', 'CAPABILITY');
  assert.match(r, /^\* CAPABILITY [^\r]* QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE[ \r]/m);
  assert.doesNotMatch(r, /QUOTASET/);
});

test('RFC 9208 §4.1.2 / §4.2.1 / §4.2.2: GETQUOTAROOT names the one root "" and its usage, STORAGE in KiB (§5.1)', async () => {
  assert.equal(await command(c, 'q1', 'GETQUOTAROOT INBOX'), `* QUOTAROOT INBOX ""\r\n${quota(0, 0)}q1 OK GETQUOTAROOT completed\r\n`);
  assert.match(await append('a1', 'INBOX', 2048), /a1 OK \[APPENDUID \d+ 1\]/);
  assert.equal(
    await command(c, 'q2', 'GETQUOTAROOT Sent'),
    `* QUOTAROOT Sent ""\r\n${quota(2, 1)}q2 OK GETQUOTAROOT completed\r\n`,
    'every folder has the mailbox root',
  );
  assert.match(await append('a2', 'INBOX', 100), /a2 OK/);
  assert.equal(await command(c, 'q3', 'GETQUOTA ""'), `${quota(3, 2)}q3 OK GETQUOTA completed\r\n`, 'usage is rounded up to the next KiB');
  await assertCountersExact(PER);
});

test('RFC 9208 §4.1.1 / §4.1.2 / §4.1.3: an unknown root or folder is NONEXISTENT; SETQUOTA is NOPERM (limits are the operator’s)', async () => {
  assert.match(await command(c, 'e1', 'GETQUOTA "User quota"'), /^e1 NO \[NONEXISTENT\] /m);
  assert.match(await command(c, 'e2', 'GETQUOTAROOT Nowhere'), /^e2 NO \[NONEXISTENT\] /m);
  assert.equal(await command(c, 'e3', 'SETQUOTA "" (STORAGE 512)'), 'e3 NO [NOPERM] Quotas are set by the operator, not over IMAP\r\n');
  assert.match(await command(c, 'e4', 'SETQUOTA "" (STORAGE x)'), /^e4 BAD /m);
  assert.equal(await command(c, 'e5', 'GETQUOTA ""'), `${quota(3, 2)}e5 OK GETQUOTA completed\r\n`, 'unchanged');
});

test('RFC 9208 §4.3.1: an APPEND past the STORAGE limit is NO [OVERQUOTA] and writes nothing', async () => {
  // 2048 + 100 now; two more of 2048 → 6244 octets, 4 messages.
  assert.match(await append('a3', 'INBOX', 2048), /a3 OK/);
  assert.match(await append('a4', 'INBOX', 2048), /a4 OK/);
  const r = await append('a5', 'INBOX', 4100); // 10344 > 10240
  assert.equal(r, 'a5 NO [OVERQUOTA] Mailbox quota exceeded: delete or expunge messages first\r\n');
  assert.equal(
    await command(c, 's1', 'STATUS INBOX (MESSAGES UIDNEXT)'),
    '* STATUS INBOX (MESSAGES 4 UIDNEXT 5)\r\ns1 OK STATUS completed\r\n',
    'no row, no UID taken',
  );
  assert.equal(await command(c, 'q4', 'GETQUOTA ""'), `${quota(7, 4)}q4 OK GETQUOTA completed\r\n`);
  assert.match(await append('a6', 'INBOX', 3996), /a6 OK/, 'up to the limit exactly is allowed'); // 10240
  assert.equal(await command(c, 'q5', 'GETQUOTA ""'), `${quota(10, 5)}q5 OK GETQUOTA completed\r\n`);
  await assertCountersExact(PER);
});

test('RFC 9208 §4.3.1 / §5.2: COPY past a limit is NO [OVERQUOTA] with no copy; MOVE to another folder frees what it takes', async () => {
  assert.match(await command(c, 'x1', 'SELECT INBOX'), /\* 5 EXISTS\r\n/);
  assert.match(await command(c, 'x2', 'COPY 2 Drafts'), /^x2 NO \[OVERQUOTA\] /m);
  assert.equal(
    await command(c, 'x3', 'STATUS Drafts (MESSAGES UIDNEXT)'),
    '* STATUS Drafts (MESSAGES 0 UIDNEXT 1)\r\nx3 OK STATUS completed\r\n',
  );
  assert.match(await command(c, 'x4', 'MOVE 1 Trash'), /x4 OK \w*\s?MOVE completed/);
  assert.equal(await command(c, 'q6', 'GETQUOTA ""'), `${quota(10, 5)}q6 OK GETQUOTA completed\r\n`);
  // Both resources are at their limit.
  assert.match(await append('a7', 'Drafts', 100), /^a7 NO \[OVERQUOTA\] /m);
  await assertCountersExact(PER);
});

test('RFC 9208 §4.1.4: STATUS DELETED and DELETED-STORAGE; EXPUNGE gives the room back', async () => {
  assert.match(await command(c, 'd1', 'STORE 1:2 +FLAGS.SILENT (\\Deleted)'), /d1 OK/);
  // INBOX now holds 100, 2048, 2048, 3996 octets; the first two are \Deleted: 2148 → 3 KiB.
  assert.equal(
    await command(c, 'd2', 'STATUS INBOX (MESSAGES DELETED DELETED-STORAGE)'),
    '* STATUS INBOX (MESSAGES 4 DELETED 2 DELETED-STORAGE 3)\r\nd2 OK STATUS completed\r\n',
  );
  assert.match(await command(c, 'd3', 'EXPUNGE'), /d3 OK/);
  assert.equal(await command(c, 'q7', 'GETQUOTA ""'), `${quota(8, 3)}q7 OK GETQUOTA completed\r\n`);
  assert.match(await command(c, 'd4', 'COPY 1 Drafts'), /d4 OK \[COPYUID /, 'room again');
  assert.match(await command(c, 'd5', 'CREATE Tmp'), /d5 OK/);
  assert.match(await command(c, 'd6', 'MOVE 1 Tmp'), /d6 OK/);
  assert.match(await command(c, 'd7', 'DELETE Tmp'), /d7 OK/);
  assert.equal(
    await command(c, 'q8', 'GETQUOTA ""'),
    `${quota(8, 3)}q8 OK GETQUOTA completed\r\n`,
    'a deleted folder takes its messages’ usage with it',
  );
  await assertCountersExact(PER);
});

test('RFC 9208 §5.2 / §4.3.1: the MESSAGE resource alone refuses an APPEND', async () => {
  // 8092 octets in 3 messages: two of 100 octets fit (8292, 9 KiB), a sixth message does not, whatever its size.
  assert.match(await append('m1', 'Drafts', 100), /m1 OK/);
  assert.match(await append('m2', 'Drafts', 100), /m2 OK/);
  assert.equal(await command(c, 'q9', 'GETQUOTA ""'), `${quota(9, 5)}q9 OK GETQUOTA completed\r\n`);
  assert.match(await append('m3', 'Drafts', 100), /^m3 NO \[OVERQUOTA\] /m);
  await assertCountersExact(PER);
});

test(`${TEST_ENGINE}: imapflow getQuota reports usage and limits in octets`, async () => {
  const client = imapflowClient(w.imap.port, CAB, await w.token(SOPHIE));
  await client.connect();
  try {
    assert.ok(client.capabilities.has('QUOTA=RES-STORAGE'));
    const q = (await client.getQuota('INBOX')) as {
      path: string;
      storage: { usage: number; limit: number };
      message: { usage: number; limit: number };
    };
    assert.equal(q.path, 'INBOX');
    assert.deepEqual(q.storage, { usage: 0, limit: 4096, status: '0%' });
    assert.deepEqual(q.message, { usage: 0, limit: 100, status: '0%' });
    await client.append('INBOX', Buffer.from(`From: <${CAB}>\r\nSubject: a\r\n\r\n${'y'.repeat(1900)}\r\n`));
    const q2 = (await client.getQuota('Sent')) as typeof q;
    assert.equal(q2.storage.usage, 2048);
    assert.equal(q2.message.usage, 1);
    await assert.rejects(
      client.append('INBOX', Buffer.from(`From: <${CAB}>\r\nSubject: b\r\n\r\n${'y'.repeat(2100)}\r\n`)),
      (err: { serverResponseCode?: string; response?: string }) => {
        assert.match(String(err.serverResponseCode ?? err.response), /OVERQUOTA/);
        return true;
      },
    );
  } finally {
    await client.logout();
  }
});

test('imaplib: getquotaroot, getquota, setquota refused, APPEND over quota refused', async () => {
  const box = (await w.store.mailboxes.byAddress(PER))!;
  const before = await w.store.mail.usage(box.id);
  const { stdout } = await promisify(execFile)('python3', [SCRIPT, String(w.imap.port), PER, await w.token(GP), 'quota'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  const out = JSON.parse(stdout) as Record<string, any>;
  // PER is at 8292 octets of 10 KiB and 5 of 5 messages.
  assert.deepEqual(out.getquotaroot, ['OK', [['INBOX ""'], ['"" (STORAGE 9 10 MESSAGE 5 5)']]]);
  assert.deepEqual(out.getquota, ['OK', ['"" (STORAGE 9 10 MESSAGE 5 5)']]);
  assert.deepEqual(out.setquota, ['NO', ['[NOPERM] Quotas are set by the operator, not over IMAP']]);
  assert.equal(out.append_over[0], 'NO');
  assert.match(out.append_over[1][0], /^\[OVERQUOTA\] /);
  assert.deepEqual(await w.store.mail.usage(box.id), before);
});
