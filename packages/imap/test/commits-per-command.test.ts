// Issue #12: `\Recent` (RFC 3501 §2.3.2) must not cost SELECT or APPEND a commit (an fsync on
// SQLite) they would not make without it. Every SQL statement the store runs is counted per
// command: a SELECT of a folder whose messages some session already took writes nothing; an
// APPEND into the selected folder takes its message as recent inside the commit that stores it;
// a command that announces a new message and claims it answers in one socket write.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GP, PER, startImapWorld, type ImapWorld } from './support/imap-world.ts';
import { command, openAuthenticated, type Conversation } from './support/conversation.ts';

const WRITE = /^\s*(insert|update|delete|replace|upsert|create|alter|drop|truncate)\b/i;
const COMMIT = /^\s*commit\b/i;

let w: ImapWorld;
let a: Conversation;
let b: Conversation;
let counting = false;
const statements: string[] = [];

before(async () => {
  w = await startImapWorld({ onStatement: (sql) => counting && statements.push(sql) });
  a = await openAuthenticated(w.imap.port, PER, await w.token(GP));
  b = await openAuthenticated(w.imap.port, PER, await w.token(GP));
});
after(async () => {
  a.socket.destroy();
  b.socket.destroy();
  await w.close();
});

let n = 0;
function appendText(tag: string, folder: string): string {
  n++;
  const m = `From: <${PER}>\r\nSubject: cost ${n}\r\n\r\nbody ${n}\r\n`;
  return `${tag} APPEND ${folder} {${Buffer.byteLength(m)}+}\r\n${m}`;
}

/** Runs one command on `c`, counting the statements the store runs meanwhile (no other session is active). */
async function counted(c: Conversation, tag: string, text: string): Promise<{ reply: string; commits: number; writes: string[] }> {
  statements.length = 0;
  counting = true;
  try {
    const reply = await command(c, tag, text);
    return { reply, commits: statements.filter((s) => COMMIT.test(s)).length, writes: statements.filter((s) => WRITE.test(s)) };
  } finally {
    counting = false;
  }
}

const untaggedOf = (r: string) => r.split('\r\n').filter((l) => l.startsWith('* '));
const claims = (writes: string[]) => writes.filter((s) => /\brecent_uid\b/.test(s)).length;

test('RFC 3501 §2.3.2 / §6.3.1: a SELECT with nothing new to take as \\Recent runs no transaction; one with new messages, one commit', async () => {
  assert.match(await command(a, 'c0', 'CREATE Cost'), /c0 OK/);
  for (let i = 0; i < 3; i++) assert.match(await command(b, `p${i}`, appendText('', 'Cost').slice(1)), /OK/);

  const first = await counted(a, 's1', 'SELECT Cost');
  assert.match(first.reply, /\* 3 EXISTS\r\n\* 3 RECENT\r\n/);
  assert.equal(first.commits, 1, 'the claim of the three new messages: one commit');
  assert.equal(claims(first.writes), 1, first.writes.join('\n'));

  // The folder's mark is at its last UID: a SELECT again (the bench's loop) reads, and writes nothing.
  for (const tag of ['s2', 's3']) {
    const again = await counted(a, tag, 'SELECT Cost');
    assert.match(again.reply, /\* 3 EXISTS\r\n\* 0 RECENT\r\n/);
    assert.equal(again.commits, 0, statements.join('\n'));
    assert.deepEqual(again.writes, []);
  }
  // Nor does another session's SELECT once the messages are taken.
  const other = await counted(b, 's4', 'SELECT Cost');
  assert.match(other.reply, /\* 0 RECENT\r\n/);
  assert.equal(other.commits, 0, statements.join('\n'));
});

test('RFC 3501 §6.3.11 / §2.3.2: an APPEND into the selected folder takes its message as \\Recent in the commit that stores it', async () => {
  assert.match(await command(b, 'u0', 'UNSELECT'), /u0 OK/);
  const r = await counted(a, 'a1', appendText('a1', 'Cost').slice(3));
  assert.deepEqual(untaggedOf(r.reply), ['* 4 EXISTS', '* 1 RECENT']);
  assert.match(r.reply, /a1 OK \[APPENDUID \d+ 4\] APPEND completed/);
  assert.equal(r.commits, 1, `one commit holds the message, its attribution and the claim:\n${statements.join('\n')}`);
  assert.equal(claims(r.writes), 1);
  const claim = statements.findIndex((s) => /\brecent_uid\b/.test(s) && WRITE.test(s));
  assert.ok(claim < statements.findIndex((s) => COMMIT.test(s)), 'the claim is inside the APPEND’s transaction');
  assert.deepEqual(untaggedOf(await command(a, 'a2', 'FETCH 4 FLAGS')), ['* 4 FETCH (FLAGS (\\Recent))']);
  // Nobody else gets it (RFC 3501 §2.3.2: one session only).
  assert.match(await command(b, 'a3', 'STATUS Cost (RECENT)'), /\* STATUS Cost \(RECENT 0\)\r\n/);

  // Into a folder that is not the selected one: one commit, nothing claimed.
  const elsewhere = await counted(a, 'a4', appendText('a4', 'INBOX').slice(3));
  assert.deepEqual(untaggedOf(elsewhere.reply), []);
  assert.equal(elsewhere.commits, 1);
  assert.equal(claims(elsewhere.writes), 0);
  assert.match(
    await command(b, 'a5', 'STATUS INBOX (RECENT)'),
    /\* STATUS INBOX \(RECENT [1-9]\d*\)\r\n/,
    'left for the session that selects INBOX',
  );
});

test('RFC 3501 §7.3.1 / §7.3.2: EXISTS, RECENT and the tagged reply of a command that claims a new message leave in one write', async () => {
  assert.match(await command(b, 'e0', appendText('', 'Cost').slice(1)), /OK/);
  // A's NOOP hears of B's message and claims it (a commit): the untagged lines must not go out
  // ahead of the tagged reply while the claim waits for its fsync.
  const chunks: string[] = [];
  const onData = (d: Buffer) => chunks.push(d.toString('latin1'));
  a.socket.on('data', onData);
  try {
    const r = await counted(a, 'e1', 'NOOP');
    assert.deepEqual(untaggedOf(r.reply), ['* 5 EXISTS', '* 2 RECENT'], 'message 4 (its own APPEND) and 5');
    assert.equal(r.commits, 1, 'the claim');
    assert.deepEqual(chunks, ['* 5 EXISTS\r\n* 2 RECENT\r\ne1 OK NOOP completed\r\n'], 'one write, one segment on loopback');
  } finally {
    a.socket.off('data', onData);
  }
});
