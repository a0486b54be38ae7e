// Issue #17: on PostgreSQL every statement is a round trip, and the IMAP read commands were
// bound by them (bench/README.md). Every statement the store sends is counted per command on a
// selected folder, on whichever engine MSS_DATABASE_URL picks; the bounds below are what a read
// command may cost once its folder's rows are known to the process. Before this test (at
// 93d4e18), on both engines: SELECT 1, every FETCH 2 (the folder's counters, the message rows),
// SEARCH 1, NOOP 1. On PostgreSQL a read command now trusts the folder-change notices (LISTEN)
// and sends nothing while none came; NOOP and SELECT still ask (docs/choices.md, "IMAP read
// commands on PostgreSQL").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { TEST_ENGINE } from '@mss/store/testing';
import { GP, PER, startImapWorld, type ImapWorld } from './support/imap-world.ts';
import { command, openAuthenticated, type Conversation } from './support/conversation.ts';

let w: ImapWorld;
let a: Conversation;
let counting = false;
const statements: string[] = [];

before(async () => {
  // The notices are trusted for ten minutes, not one second: a loaded machine must not turn a
  // trusted index into a read between two commands (the second's bound is for lost notices).
  w = await startImapWorld({ onStatement: (sql) => counting && statements.push(sql), server: { noticeTrustMs: 600_000 } });
  a = await openAuthenticated(w.imap.port, PER, await w.token(GP));
  assert.match(await command(a, 'c0', 'CREATE Reads'), /c0 OK/);
  for (let i = 1; i <= 5; i++) {
    const m = `From: <${PER}>\r\nTo: <${PER}>\r\nSubject: read ${i}\r\n\r\nbody ${i}\r\n`;
    assert.match(await command(a, `p${i}`, `APPEND Reads {${Buffer.byteLength(m)}+}\r\n${m}`), /OK/);
  }
});
after(async () => {
  a.socket.destroy();
  await w.close();
});

/** Runs one command, returning its reply and the statements the store ran meanwhile (no other session is active). */
async function counted(tag: string, text: string): Promise<{ reply: string; statements: string[] }> {
  statements.length = 0;
  counting = true;
  try {
    const reply = await command(a, tag, text);
    assert.match(reply, new RegExp(`${tag} OK`), reply);
    return { reply, statements: [...statements] };
  } finally {
    counting = false;
  }
}

const figures: Record<string, number> = {};

/**
 * The command's cost once warm: it runs three times, the last is counted (the first may write,
 * e.g. \Seen, and the first reads may load what the process keeps).
 */
async function steady(name: string, text: string): Promise<string[]> {
  await counted(`v${Object.keys(figures).length}`, text);
  await counted(`w${Object.keys(figures).length}`, text);
  const r = await counted(`m${Object.keys(figures).length}`, text);
  figures[name] = r.statements.length;
  if (process.env.SHOW_STATEMENTS) console.log(name, r.statements);
  return r.statements;
}

test('statements per read command on a selected folder', async () => {
  await counted('s0', 'SELECT Reads');
  await steady('SELECT', 'SELECT Reads');
  await steady('FETCH 1 (BODY[])', 'FETCH 1 (BODY[])');
  await steady('FETCH 1 (BODY.PEEK[])', 'FETCH 1 (BODY.PEEK[])');
  await steady('FETCH 1 (ENVELOPE)', 'FETCH 1 (ENVELOPE)');
  await steady('FETCH 1:5 (UID FLAGS RFC822.SIZE ENVELOPE)', 'FETCH 1:5 (UID FLAGS RFC822.SIZE ENVELOPE)');
  await steady('FETCH 1:* (FLAGS)', 'FETCH 1:* (FLAGS)');
  await steady('UID FETCH 1:* (UID FLAGS)', 'UID FETCH 1:* (UID FLAGS)');
  await steady('SEARCH UNSEEN', 'SEARCH UNSEEN');
  await steady('NOOP', 'NOOP');
  console.log(`# statements per command (${TEST_ENGINE}): ${JSON.stringify(figures)}`);
  // PostgreSQL: a read command sends nothing; SQLite (no notices to trust: a CLI on the same
  // file publishes none) reads the folder's counters, an in-process call.
  const read = TEST_ENGINE === 'postgres' ? 0 : 1;
  assert.deepEqual(figures, {
    SELECT: 1,
    'FETCH 1 (BODY[])': read,
    'FETCH 1 (BODY.PEEK[])': read,
    'FETCH 1 (ENVELOPE)': read,
    'FETCH 1:5 (UID FLAGS RFC822.SIZE ENVELOPE)': read,
    'FETCH 1:* (FLAGS)': read,
    'UID FETCH 1:* (UID FLAGS)': read,
    'SEARCH UNSEEN': read,
    NOOP: 1,
  });
});

const COUNTERS = /^\s*select \* from "mail_folders" where "id" = /;

test('a read command asks the store after a notice for its folder, and while the LISTEN connection is down or new', async (t) => {
  if (TEST_ENGINE !== 'postgres') return t.skip('the notices are trusted on PostgreSQL only');
  const box = (await w.store.mailboxes.byAddress(PER))!;
  const folderId = Number((await w.store.mail.folder(box.id, 'Reads'))!.id);
  await steady('FETCH 2 (FLAGS)', 'FETCH 2 (FLAGS)');
  assert.equal(figures['FETCH 2 (FLAGS)'], 0);

  // A notice (another node's STORE, say): the next read command reads the counters, once.
  w.store.events.emit('folder-changed', folderId);
  const noticed = await counted('n1', 'FETCH 2 (FLAGS)');
  assert.equal(noticed.statements.length, 1, noticed.statements.join('\n'));
  assert.match(noticed.statements[0]!, COUNTERS);
  assert.deepEqual((await counted('n2', 'FETCH 2 (FLAGS)')).statements, []);

  // The LISTEN connection lost: notices may be lost with it, so a read command asks (the
  // connection then is none, or a new one made after the index's last read). Once it listens
  // again, reads on the new connection are trusted again (at most one more read before that:
  // none if the last one already began on the new connection).
  const schema = new URL(w.databaseUrl!).searchParams.get('schema');
  const listening = w.store.bus.coverage();
  assert.notEqual(listening, undefined);
  await sql`select pg_terminate_backend(pid) from pg_stat_activity where query = ${`LISTEN "mss_events_${schema}"`}`.execute(
    w.store.kysely,
  );
  // Lost, or already made again (a loaded machine may not look within the 500 ms before that).
  await until(() => w.store.bus.coverage() !== listening);
  const lost = await counted('l1', 'FETCH 2 (FLAGS)');
  assert.equal(lost.statements.filter((q) => COUNTERS.test(q)).length, 1, lost.statements.join('\n'));
  await until(() => w.store.bus.coverage() !== undefined);
  assert.ok((await counted('l2', 'FETCH 2 (FLAGS)')).statements.length <= 1);
  assert.deepEqual((await counted('l3', 'FETCH 2 (FLAGS)')).statements, []);
});

/** Awaits a state the bus reaches on its own (its LISTEN connection lost, made again): checked every 20 ms, for up to 15 s. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 750 && !condition(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(condition(), 'the bus did not get there in 15 s');
}
