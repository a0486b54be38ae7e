// IMAP4rev2 (RFC 9051) beside IMAP4rev1, LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819),
// CHILDREN (RFC 3348), STATUS=SIZE (RFC 8438) and LITERAL- (RFC 7888): scripted sessions with
// exact responses, and imapflow's list({ statusQuery }) over LIST-STATUS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GP, imapflowClient, PER, startImapWorld, type ImapWorld } from './support/imap-world.ts';
import { command, openAuthenticated, type Conversation } from './support/conversation.ts';

let w: ImapWorld;
let c: Conversation;
before(async () => {
  w = await startImapWorld();
  c = await openAuthenticated(w.imap.port, PER, await w.token(GP));
});
after(async () => {
  c.socket.destroy();
  await w.close();
});

const lines = (reply: string) => reply.split('\r\n').filter((l) => l.startsWith('* '));
const message = (n: number) => `From: <${PER}>\r\nSubject: rev2 ${n}\r\n\r\nbody ${n}\r\n`;
async function append(s: Conversation, folder: string, n: number): Promise<void> {
  const m = message(n);
  assert.match(await command(s, `ap${n}`, `APPEND ${folder} {${Buffer.byteLength(m)}+}\r\n${m}`), new RegExp(`ap${n} OK`));
}

test('RFC 9051 §6.1.1 / RFC 7888 §4 / RFC 5258 §1 / RFC 5819 §1 / RFC 3348 / RFC 8438 §2: CAPABILITY announces them', async () => {
  const caps = /^\* CAPABILITY ([^\r]*)\r$/m.exec(await command(c, 'c1', 'CAPABILITY'))![1]!.split(' ');
  for (const cap of ['IMAP4rev1', 'IMAP4rev2', 'LITERAL+', 'LITERAL-', 'LIST-EXTENDED', 'LIST-STATUS', 'CHILDREN', 'STATUS=SIZE']) {
    assert.ok(caps.includes(cap), `${cap} in ${caps.join(' ')}`);
  }
});

test('RFC 7888 §5: a non-synchronizing literal of 4096 octets or less needs no continuation (LITERAL-)', async () => {
  c.send('n1 CREATE {3+}\r\nLit\r\n');
  assert.match(await c.until(/n1 [^\r]*\r\n/), /^n1 OK \[MAILBOXID \(F\d+\)\] CREATE completed\r\n$/);
});

test("RFC 8438 §3: STATUS SIZE is the octets of the mailbox's messages", async () => {
  assert.match(await command(c, 's0', 'CREATE Sized'), /s0 OK/);
  await append(c, 'Sized', 1);
  await append(c, 'Sized', 2);
  const size = Buffer.byteLength(message(1)) + Buffer.byteLength(message(2));
  assert.deepEqual(lines(await command(c, 's1', 'STATUS Sized (MESSAGES SIZE)')), [`* STATUS Sized (MESSAGES 2 SIZE ${size})`]);
});

test('RFC 3501 §6.3.8 / RFC 5258 §3: a level with no folder is \\Noselect (\\NonExistent in an extended LIST) only where % stops at it', async () => {
  for (const name of ['Ext', 'Ext/a', 'Ext/b/deep']) assert.match(await command(c, 'e0', `CREATE ${name}`), /e0 OK/);
  assert.deepEqual(lines(await command(c, 'e1', 'LIST "" "Ext/%"')), [
    '* LIST (\\HasNoChildren) "/" Ext/a',
    '* LIST (\\Noselect \\HasChildren) "/" Ext/b',
  ]);
  assert.deepEqual(lines(await command(c, 'e2', 'LIST "" "Ext/*"')), [
    '* LIST (\\HasNoChildren) "/" Ext/a',
    '* LIST (\\HasNoChildren) "/" Ext/b/deep',
  ]);
  assert.deepEqual(lines(await command(c, 'e3', 'LIST () "" "Ext/%"')), [
    '* LIST (\\HasNoChildren) "/" Ext/a',
    '* LIST (\\NonExistent \\HasChildren) "/" Ext/b',
  ]);
  // §3: several patterns in one command.
  assert.deepEqual(lines(await command(c, 'e4', 'LIST "" ("Ext" "Ext/a")')), [
    '* LIST (\\HasChildren) "/" Ext',
    '* LIST (\\HasNoChildren) "/" Ext/a',
  ]);
});

test('RFC 5258 §3.1 / §3.2 / §3.5: SUBSCRIBED selection, RECURSIVEMATCH with CHILDINFO, RETURN (SUBSCRIBED CHILDREN)', async () => {
  assert.match(await command(c, 'b0', 'UNSUBSCRIBE Ext/a'), /b0 OK/);
  assert.deepEqual(lines(await command(c, 'b1', 'LIST (SUBSCRIBED) "" "Ext*"')), [
    '* LIST (\\HasChildren \\Subscribed) "/" Ext',
    '* LIST (\\HasNoChildren \\Subscribed) "/" Ext/b/deep',
  ]);
  assert.deepEqual(lines(await command(c, 'b2', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "Ext/%"')), [
    '* LIST (\\NonExistent \\HasChildren) "/" Ext/b ("CHILDINFO" ("SUBSCRIBED"))',
  ]);
  assert.deepEqual(lines(await command(c, 'b3', 'LIST "" "Ext/%" RETURN (SUBSCRIBED CHILDREN)')), [
    '* LIST (\\HasNoChildren) "/" Ext/a',
    '* LIST (\\NonExistent \\HasChildren) "/" Ext/b',
  ]);
  assert.match(await command(c, 'b4', 'LIST (RECURSIVEMATCH) "" "*"'), /^b4 BAD/m, '§3: RECURSIVEMATCH alone is an error');
});

test('RFC 6154 §3 with RFC 5258: SPECIAL-USE as a selection option filters, as a return option only annotates', async () => {
  const selected = lines(await command(c, 'u1', 'LIST (SPECIAL-USE) "" "*"'));
  assert.deepEqual(selected.map((l) => l.split(' ').at(-1)).sort(), ['Drafts', 'Junk', 'Sent', 'Trash']);
  assert.deepEqual(lines(await command(c, 'u2', 'LIST "" ("Sent" "Ext") RETURN (SPECIAL-USE)')), [
    '* LIST (\\HasChildren) "/" Ext',
    '* LIST (\\HasNoChildren \\Sent) "/" Sent',
  ]);
});

test("RFC 5819 §2: RETURN (STATUS …) follows each selectable mailbox's LIST line with its STATUS; none for a level with no folder", async () => {
  assert.deepEqual(lines(await command(c, 't1', 'LIST "" "Ext/%" RETURN (STATUS (MESSAGES UIDNEXT SIZE))')), [
    '* LIST (\\HasNoChildren) "/" Ext/a',
    '* STATUS Ext/a (MESSAGES 0 UIDNEXT 1 SIZE 0)',
    '* LIST (\\NonExistent \\HasChildren) "/" Ext/b',
  ]);
});

test('RFC 9051 §6.3.1: ENABLE IMAP4rev2 — no \\Recent, LIST in SELECT, [CLOSED], \\NonExistent, ESEARCH; an IMAP4rev1 session still gets \\Recent', async () => {
  const rev2 = await openAuthenticated(w.imap.port, PER, await w.token(GP));
  try {
    assert.match(await command(rev2, 'r0', 'CREATE Two'), /r0 OK/);
    await append(rev2, 'Two', 3);
    assert.deepEqual(lines(await command(rev2, 'r1', 'ENABLE IMAP4rev2')), ['* ENABLED IMAP4rev2']);
    const sel = await command(rev2, 'r2', 'SELECT Two');
    assert.doesNotMatch(sel, /RECENT/, 'RFC 9051 has no RECENT response');
    assert.match(sel, /\* 1 EXISTS\r\n/);
    assert.match(sel, /\* LIST \(\) "\/" Two\r\n/, '§6.3.2: LIST is required in SELECT');
    assert.deepEqual(lines(await command(rev2, 'r3', 'FETCH 1 FLAGS')), ['* 1 FETCH (FLAGS ())']);
    assert.match(await command(rev2, 'r4', 'SEARCH ALL'), /^\* ESEARCH \(TAG "r4"\) ALL 1\r\n/m, '§6.4.4: ESEARCH, not SEARCH');
    assert.match(await command(rev2, 'r5', 'SELECT INBOX'), /^\* OK \[CLOSED\][^\r]*\r\n/, '§6.3.2: [CLOSED] first');
    assert.deepEqual(lines(await command(rev2, 'r6', 'LIST "" "Ext/%"')), [
      '* LIST (\\HasNoChildren) "/" Ext/a',
      '* LIST (\\NonExistent \\HasChildren) "/" Ext/b',
    ]);
    // The rev2 session took nothing: the message is still recent for the next IMAP4rev1 session.
    assert.match(await command(c, 'r7', 'SELECT Two'), /\* 1 RECENT\r\n/);
    assert.match(await command(c, 'r8', 'UNSELECT'), /r8 OK/);
  } finally {
    rev2.socket.destroy();
  }
});

test("imapflow: list({ statusQuery }) reads the folders' status through LIST-STATUS (RFC 5819)", async () => {
  const client = imapflowClient(w.imap.port, PER, await w.token(GP));
  await client.connect();
  try {
    assert.ok(client.capabilities.has('LIST-STATUS'));
    const folders = await client.list({ statusQuery: { messages: true, uidNext: true } });
    const sized = folders.find((f) => f.path === 'Sized');
    assert.deepEqual({ messages: sized?.status?.messages, uidNext: sized?.status?.uidNext }, { messages: 2, uidNext: 3 });
    assert.equal(
      folders.find((f) => f.path === 'Ext/b'),
      undefined,
      'a level with no folder is not a folder',
    );
  } finally {
    await client.logout();
  }
});
