// OBJECTID (RFC 8474: MAILBOXID, EMAILID, THREADID) and SAVEDATE (RFC 8514): scripted sessions with
// exact responses, and imapflow reading the ids (mailboxCreate, the selected mailbox, fetch, search).
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
const message = (n: number) => `From: <${PER}>\r\nSubject: objectid ${n}\r\nMessage-ID: <objectid-${n}@example.org>\r\n\r\nbody ${n}\r\n`;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** A search date `days` days from now (UTC): a day away, so the test never depends on the hour. */
function searchDate(days: number): string {
  const d = new Date(Date.now() + days * 86_400_000);
  return `${d.getUTCDate()}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()}`;
}

async function mailboxIdOf(name: string): Promise<string> {
  const r = await command(c, 'st', `STATUS ${name} (MAILBOXID)`);
  return new RegExp(`^\\* STATUS ${name} \\(MAILBOXID \\((F\\d+)\\)\\)\\r$`, 'm').exec(r)![1]!;
}

test('RFC 8474 §3 / RFC 8514 §2: CAPABILITY announces OBJECTID and SAVEDATE', async () => {
  const caps = /^\* CAPABILITY ([^\r]*)\r$/m.exec(await command(c, 'c1', 'CAPABILITY'))![1]!.split(' ');
  assert.ok(caps.includes('OBJECTID') && caps.includes('SAVEDATE'), caps.join(' '));
});

test('RFC 8474 §4.1-§4.3: CREATE, SELECT and STATUS give the same MAILBOXID; RENAME keeps it; a new folder gets another', async () => {
  const created = await command(c, 'm1', 'CREATE Ids');
  const id = /^m1 OK \[MAILBOXID \((F\d+)\)\] CREATE completed\r$/m.exec(created)?.[1];
  assert.ok(id, created);
  assert.equal(await mailboxIdOf('Ids'), id);
  const selected = await command(c, 'm2', 'EXAMINE Ids');
  assert.ok(lines(selected).includes(`* OK [MAILBOXID (${id})] Ok`), selected);
  assert.match(await command(c, 'm3', 'UNSELECT'), /m3 OK/);
  assert.match(await command(c, 'm4', 'RENAME Ids Ids2'), /m4 OK/);
  assert.equal(await mailboxIdOf('Ids2'), id, '§4.1: RENAME keeps the MAILBOXID');
  assert.match(await command(c, 'm5', 'DELETE Ids2'), /m5 OK/);
  assert.match(await command(c, 'm6', 'CREATE Ids2'), /m6 OK/);
  assert.notEqual(await mailboxIdOf('Ids2'), id, 'a folder created under an old name is another folder');
  assert.notEqual(await mailboxIdOf('INBOX'), id);
});

test("RFC 8474 §5.1/§5.2/§6: EMAILID and THREADID are kept by COPY and MOVE; a reply has its parent's THREADID; SEARCH EMAILID / THREADID", async () => {
  assert.match(await command(c, 'e0', 'CREATE Copies'), /e0 OK/);
  for (const n of [1, 2]) {
    const m = message(n);
    assert.match(await command(c, `ea${n}`, `APPEND INBOX {${Buffer.byteLength(m)}+}\r\n${m}`), new RegExp(`ea${n} OK`));
  }
  assert.match(await command(c, 'e1', 'SELECT INBOX'), /e1 OK/);
  const fetched = lines(await command(c, 'e2', 'UID FETCH 1:2 (EMAILID THREADID)'));
  assert.equal(fetched.length, 2);
  const ids = fetched.map((l) => /^\* \d+ FETCH \(UID \d+ EMAILID \((M[0-9a-f]{32})\) THREADID \((T[0-9a-f]{32})\)\)$/.exec(l)?.[1]);
  const threads = fetched.map((l) => /THREADID \((T[0-9a-f]{32})\)/.exec(l)?.[1]);
  assert.notEqual(threads[0], threads[1], 'two messages answering nothing: two threads');
  assert.ok(ids[0] && ids[1], fetched.join('\n'));
  assert.notEqual(ids[0], ids[1], 'different messages, different EMAILIDs');
  assert.match(await command(c, 'e3', 'UID COPY 1 Copies'), /e3 OK/);
  assert.match(await command(c, 'e4', 'UID MOVE 2 Copies'), /e4 OK/);
  assert.match(await command(c, 'e5', 'SELECT Copies'), /e5 OK/);
  assert.deepEqual(lines(await command(c, 'e6', 'FETCH 1:2 (EMAILID)')), [
    `* 1 FETCH (EMAILID (${ids[0]}))`,
    `* 2 FETCH (EMAILID (${ids[1]}))`,
  ]);
  assert.deepEqual(lines(await command(c, 'e7', `SEARCH EMAILID ${ids[1]}`)), ['* SEARCH 2']);
  assert.deepEqual(lines(await command(c, 'e8', 'SEARCH EMAILID M0000')), ['* SEARCH']);
  assert.deepEqual(lines(await command(c, 'e9', 'SEARCH THREADID T1')), ['* SEARCH']);
  assert.deepEqual(lines(await command(c, 'e9b', `SEARCH THREADID ${threads[1]}`)), ['* SEARCH 2'], 'MOVE kept the THREADID');
  // A reply (In-Reply-To, subject with "Re:") APPENDed here joins its parent's thread (docs/choices.md "JMAP threads").
  const reply = `From: <${PER}>\r\nSubject: Re: objectid 1\r\nIn-Reply-To: <objectid-1@example.org>\r\n\r\nreply\r\n`;
  assert.match(await command(c, 'e9c', `APPEND Copies {${Buffer.byteLength(reply)}+}\r\n${reply}`), /e9c OK/);
  assert.deepEqual(lines(await command(c, 'e9d', 'FETCH 3 (THREADID)')), [`* 3 FETCH (THREADID (${threads[0]}))`]);
  assert.match(await command(c, 'e10', 'SEARCH EMAILID "a b"'), /e10 BAD/, '§6: objectid is 1*255 of A-Z a-z 0-9 _ -');
});

test('RFC 8514 §3/§4: SAVEDATE is when the message entered this folder, not its INTERNALDATE; COPY gives a new one', async () => {
  assert.match(await command(c, 's0', 'CREATE Saved'), /s0 OK/);
  const m = message(3);
  assert.match(await command(c, 's1', `APPEND Saved "01-Jan-2001 10:00:00 +0000" {${Buffer.byteLength(m)}+}\r\n${m}`), /s1 OK/);
  assert.match(await command(c, 's2', 'CREATE SavedCopy'), /s2 OK/);
  assert.match(await command(c, 's3', 'SELECT Saved'), /s3 OK/);
  assert.match(await command(c, 's4', 'COPY 1 SavedCopy'), /s4 OK/);
  for (const folder of ['Saved', 'SavedCopy']) {
    assert.match(await command(c, 's5', `SELECT ${folder}`), /s5 OK/);
    const [line] = lines(await command(c, 's6', 'FETCH 1 (INTERNALDATE SAVEDATE)'));
    const [, internal, saved] = /^\* 1 FETCH \(INTERNALDATE "([^"]+)" SAVEDATE "([^"]+)"\)$/.exec(line!)!;
    assert.equal(internal, ' 1-Jan-2001 10:00:00 +0000', `${folder}: INTERNALDATE as APPEND gave it, kept by COPY`);
    assert.ok(
      Math.abs(Date.parse(saved!.trim().replace(/^(\d+)-(\w+)-(\d+) /, '$2 $1 $3 ')) - Date.now()) < 86_400_000,
      `${folder}: saved now, ${saved}`,
    );
    // §4.1: the SAVED* keys compare the save date's day; BEFORE/SINCE still the INTERNALDATE's.
    assert.deepEqual(lines(await command(c, 's7', `SEARCH SAVEDSINCE ${searchDate(-1)}`)), ['* SEARCH 1']);
    assert.deepEqual(lines(await command(c, 's8', `SEARCH SAVEDBEFORE ${searchDate(-1)}`)), ['* SEARCH']);
    assert.deepEqual(lines(await command(c, 's9', 'SEARCH SAVEDON 1-Jan-2001')), ['* SEARCH']);
    assert.deepEqual(lines(await command(c, 's10', 'SEARCH ON 1-Jan-2001')), ['* SEARCH 1']);
    assert.deepEqual(
      lines(await command(c, 's11', 'SEARCH SAVEDATESUPPORTED')),
      ['* SEARCH 1'],
      '§4.2: every message of a folder that keeps save dates',
    );
  }
  assert.match(await command(c, 's12', 'SEARCH SAVEDON 1-Foo-2001'), /s12 BAD/);
});

test('imapflow: the MAILBOXID of mailboxCreate and of the opened mailbox, EMAILID and THREADID on fetch, search by emailId', async () => {
  const client = imapflowClient(w.imap.port, PER, await w.token(GP));
  await client.connect();
  try {
    const created = await client.mailboxCreate('Flow');
    assert.match(String(created.mailboxId), /^F\d+$/);
    await client.append('Flow', message(4));
    const lock = await client.getMailboxLock('Flow');
    try {
      assert.equal(client.mailbox && client.mailbox.mailboxId, created.mailboxId);
      const msg = await client.fetchOne('1', { uid: true, threadId: true });
      assert.ok(msg);
      assert.match(String(msg.emailId), /^M[0-9a-f]{32}$/);
      assert.match(String(msg.threadId), /^T[0-9a-f]{32}$/, 'THREADID, read by an independent client');
      assert.deepEqual(await client.search({ emailId: String(msg.emailId) }), [1]);
      assert.deepEqual(await client.search({ threadId: String(msg.threadId) }), [1]);
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
});
