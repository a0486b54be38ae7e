// Sessions share one in-memory index per folder and cached headers/envelopes: what each session
// is told must be exactly what RFC 3501 asks of a server where every session reads the store.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { D, GP, JULIE, PER, startImapWorld, type ImapWorld } from './support/imap-world.ts';
import { command, openAuthenticated, type Conversation } from './support/conversation.ts';
import { MailboxScope } from '@mss/store';
import { sharedMail } from '../src/server/shared-mail.ts';
import { FolderIndex } from '../src/server/folder-index.ts';

let w: ImapWorld;
let a: Conversation;
let b: Conversation;
before(async () => {
  w = await startImapWorld();
  a = await openAuthenticated(w.imap.port, PER, await w.token(GP));
  b = await openAuthenticated(w.imap.port, PER, await w.token(JULIE));
});
after(async () => {
  a.socket.destroy();
  b.socket.destroy();
  await w.close();
});

const msg = (n: number, from = `<sender${n}@${D}>`) => `From: ${from}\r\nTo: <${PER}>\r\nSubject: message ${n}\r\n\r\nbody ${n}\r\n`;
function append(c: Conversation, tag: string, m: string, folder = 'INBOX'): Promise<string> {
  return command(c, tag, `APPEND ${folder} {${Buffer.byteLength(m)}+}\r\n${m}`);
}
/** Untagged lines of a response, without the tagged one. */
const untaggedOf = (r: string) => r.split('\r\n').filter((l) => l.startsWith('* '));

test('RFC 3501 §7.3.1/§7.4.2: two sessions see each other’s appends, flag changes and expunges, each once', async () => {
  for (let i = 1; i <= 3; i++) assert.match(await append(a, `p${i}`, msg(i)), new RegExp(`p${i} OK`));
  assert.match(await command(a, 'a1', 'SELECT INBOX'), /\* 3 EXISTS/);
  assert.match(await command(b, 'b1', 'SELECT INBOX'), /\* 3 EXISTS/);

  assert.match(await append(b, 'b2', msg(4)), /b2 OK/);
  assert.match(await append(b, 'b3', msg(5)), /b3 OK/);
  assert.deepEqual(untaggedOf(await command(a, 'a2', 'NOOP')), ['* 5 EXISTS']);
  assert.deepEqual(untaggedOf(await command(a, 'a3', 'NOOP')), [], 'announced once');

  assert.deepEqual(untaggedOf(await command(b, 'b4', 'STORE 2 +FLAGS (\\Flagged)')), ['* 2 FETCH (FLAGS (\\Flagged))']);
  assert.deepEqual(untaggedOf(await command(b, 'b5', 'NOOP')), [], 'a session is not told again of its own change');
  // A selected INBOX first: the three messages before it are \Recent in A (RFC 3501 §2.3.2).
  assert.deepEqual(untaggedOf(await command(a, 'a4', 'NOOP')), ['* 2 FETCH (FLAGS (\\Flagged \\Recent))']);

  // A's own change and B's, between two of A's commands: each hears only of the other's, once.
  assert.match(await command(a, 'a5', 'STORE 3 +FLAGS.SILENT (\\Seen)'), /a5 OK/);
  assert.deepEqual(untaggedOf(await command(b, 'b6', 'STORE 4 +FLAGS.SILENT (\\Answered)')), ['* 3 FETCH (FLAGS (\\Seen))']);
  assert.deepEqual(untaggedOf(await command(a, 'a6', 'NOOP')), ['* 4 FETCH (FLAGS (\\Answered))']);
  assert.deepEqual(untaggedOf(await command(b, 'b7', 'NOOP')), []);

  // Expunged by B: held back from A during FETCH (RFC 3501 §7.4.1), with A's sequence numbers
  // unchanged, while a message appended meanwhile is announced.
  assert.match(await command(b, 'b8', 'STORE 1:2 +FLAGS.SILENT (\\Deleted)'), /b8 OK/);
  assert.match(await command(b, 'b9', 'EXPUNGE'), /\* 2 EXPUNGE\r\n\* 1 EXPUNGE\r\n/);
  assert.match(await append(b, 'b10', msg(6)), /b10 OK/);
  const during = await command(a, 'a7', 'FETCH 3:5 (UID)');
  assert.doesNotMatch(during, /EXPUNGE/);
  assert.match(during, /\* 3 FETCH \(UID 3\)\r\n\* 4 FETCH \(UID 4\)\r\n\* 5 FETCH \(UID 5\)\r\n/, 'sequence numbers kept');
  assert.match(during, /\* 6 EXISTS\r\n/);
  assert.match(await command(a, 'a8', 'SEARCH ALL'), /\* SEARCH 3 4 5 6\r\n/, 'expunged messages no longer match');
  assert.deepEqual(untaggedOf(await command(a, 'a9', 'NOOP')), ['* 2 EXPUNGE', '* 1 EXPUNGE', '* 4 EXISTS']);
  assert.match(
    await command(a, 'a10', 'UID FETCH 1:* (UID)'),
    /\* 1 FETCH \(UID 3\)\r\n\* 2 FETCH \(UID 4\)\r\n\* 3 FETCH \(UID 5\)\r\n\* 4 FETCH \(UID 6\)\r\n/,
  );

  // A session that selects now starts from the folder as it is.
  const c = await openAuthenticated(w.imap.port, PER, await w.token(GP));
  const sel = await command(c, 'c1', 'SELECT INBOX');
  assert.match(sel, /\* 4 EXISTS\r\n/);
  assert.match(sel, /\[UNSEEN 2\]/, 'the first message without \\Seen');
  assert.match(sel, /\[UIDNEXT 7\]/);
  c.socket.destroy();
});

test('RFC 2177: sessions in IDLE are told of appends and flag changes made by another session', async () => {
  await command(a, 'i0', 'SELECT INBOX');
  const c = await openAuthenticated(w.imap.port, PER, await w.token(GP));
  await command(c, 'i1', 'SELECT INBOX');
  a.send('i2 IDLE\r\n');
  c.send('i3 IDLE\r\n');
  await a.until(/\+ [^\r]*\r\n/);
  await c.until(/\+ [^\r]*\r\n/);
  assert.match(await append(b, 'i4', msg(7)), /i4 OK/);
  assert.match(await a.until(/\* 5 EXISTS\r\n/), /\* 5 EXISTS/);
  assert.match(await c.until(/\* 5 EXISTS\r\n/), /\* 5 EXISTS/);
  assert.match(await command(b, 'i5', 'UID STORE 7 +FLAGS.SILENT (\\Flagged)'), /i5 OK/);
  const seenByA = await a.until(/\* 5 FETCH \(FLAGS \(\\Flagged( \\Recent)?\)\)\r\n/);
  const seenByC = await c.until(/\* 5 FETCH \(FLAGS \(\\Flagged( \\Recent)?\)\)\r\n/);
  // RFC 3501 §2.3.2: the new message is \Recent in one session only: B, which appended it with
  // INBOX selected and so heard of it first — not in either session in IDLE.
  assert.equal([seenByA, seenByC].filter((r) => r.includes('\\Recent))')).length, 0, `${seenByA}\n${seenByC}`);
  assert.match(await command(b, 'i5b', 'UID FETCH 7 FLAGS'), /FLAGS \(\\Flagged \\Recent\)/);
  a.send('DONE\r\n');
  assert.match(await a.until(/i2 OK[^\r]*\r\n/), /i2 OK/);
  c.socket.destroy();
});

test('RFC 3501 §6.4.4: FROM/SUBJECT/TO/CC match substrings of decoded RFC 2047 headers, case-insensitively', async () => {
  await command(a, 's0', 'CREATE Search');
  const encoded = [
    `From: =?UTF-8?B?SsOpcsO0bWUgTcOpZGVjaW4=?= <medecin@${D}>`,
    `To: <${PER}>`,
    `Cc: =?ISO-8859-1?Q?Fran=E7oise?= <francoise@${D}>`,
    'Subject: =?UTF-8?Q?Compte_rendu_d=27hospitalisation_=C3=A9t=C3=A9?=',
    '',
    'corps',
    '',
  ].join('\r\n');
  assert.match(await append(a, 's1', encoded, 'Search'), /s1 OK/);
  assert.match(await append(a, 's2', msg(1, `Paul <paul@${D}>`), 'Search'), /s2 OK/);
  assert.match(await command(a, 's3', 'SELECT Search'), /\* 2 EXISTS/);
  const utf8 = (tag: string, key: string, value: string) =>
    command(a, tag, `SEARCH CHARSET UTF-8 ${key} {${Buffer.byteLength(value)}+}\r\n${value}`);
  assert.match(await utf8('s4', 'FROM', 'JÉRÔME méd'), /\* SEARCH 1\r\n/, 'decoded display name, any case');
  assert.match(await command(a, 's5', 'SEARCH FROM "MEDECIN@"'), /\* SEARCH 1\r\n/, 'the address too');
  assert.match(await utf8('s6', 'SUBJECT', "d'hospitalisation été"), /\* SEARCH 1\r\n/);
  assert.match(await utf8('s7', 'CC', 'françoise'), /\* SEARCH 1\r\n/, 'ISO-8859-1 encoded word');
  assert.match(await command(a, 's8', 'SEARCH TO "paul.martin"'), /\* SEARCH 1 2\r\n/);
  assert.match(await command(a, 's9', 'SEARCH OR FROM paul SUBJECT compte'), /\* SEARCH 1 2\r\n/);
  assert.match(await command(a, 's10', 'SEARCH NOT FROM paul'), /\* SEARCH 1\r\n/);
  assert.match(await command(a, 's11', 'SEARCH CC ""'), /\* SEARCH 1\r\n/, 'an empty string matches a message that has the header');
  assert.match(await command(a, 's12', 'SEARCH BCC x'), /\* SEARCH\r\n/);
  assert.match(await command(a, 's13', 'SEARCH FROM "rendu"'), /\* SEARCH\r\n/, 'only in the Subject');

  // A message stored by another path (as SMTP delivery does) went through the same ingestion
  // step: found by header SEARCH and given an ENVELOPE (whose strings stay as sent, RFC 3501
  // §7.4.2) from what was computed then; reading it writes nothing back.
  const folder = (await w.store.mail.folder((await w.store.mailboxes.byAddress(PER))!.id, 'Search'))!;
  const raw = Buffer.from(
    `From: =?UTF-8?Q?H=C3=B4pital?= <ch@${D}>\r\nSubject: Sortie\r\nDate: Tue, 24 Nov 2026 08:30:00 +0100\r\n\r\nx\r\n`,
  );
  const ingested = await w.store.ingest(raw);
  await w.store.transaction((tx) => tx.mail.appendMessage(folder.id, ingested));
  w.store.notifyFolderChanged(folder.id);
  const stored = await w.store.mail.message(folder.id, 3);
  assert.match(await command(a, 's13b', 'NOOP'), /\* 3 EXISTS\r\n/);
  assert.match(await utf8('s14', 'FROM', 'hôpital'), /\* SEARCH 3\r\n/);
  assert.match(
    await command(a, 's15', 'FETCH 3 ENVELOPE'),
    /\* 3 FETCH \(ENVELOPE \("Tue, 24 Nov 2026 08:30:00 \+0100" "Sortie" \(\("=\?UTF-8\?Q\?H=C3=B4pital\?=" NIL "ch" "operateur-a\.mssante\.fr"\)\)/,
  );
  assert.deepEqual(await w.store.mail.message(folder.id, 3), stored, 'the row is as it was stored: reads never write');
});

test('ENVELOPE, BODY and BODYSTRUCTURE encoded from the stored structure are what parsing the message gives', async () => {
  const m = `From: "Dr A" <a@${D}>\r\nTo: <${PER}>\r\nSubject: =?UTF-8?Q?=C3=A9t=C3=A9?=\r\nMessage-ID: <e1@x>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nété\r\n`;
  assert.match(await append(a, 'e1', m, 'Search'), /e1 OK/);
  const folder = (await w.store.mail.folder((await w.store.mailboxes.byAddress(PER))!.id, 'Search'))!;
  // A row without a structure (its blob was unreadable when the migration backfilled it): parsed
  // from the body when read.
  const ingested = await w.store.ingest(Buffer.from(m));
  await w.store.transaction((tx) =>
    tx.mail.appendMessage(folder.id, { ...ingested, data: { ...ingested.data, structure: null as unknown as string } }),
  );
  w.store.notifyFolderChanged(folder.id);
  await command(a, 'e2', 'NOOP');
  // The row without a structure first: its blob's encoded forms are not in memory yet.
  const parsed = (await command(a, 'e3', 'FETCH 5 (ENVELOPE BODY BODYSTRUCTURE)')).split(/\* \d FETCH /)[1];
  const fromStored = (await command(a, 'e3', 'FETCH 4 (ENVELOPE BODY BODYSTRUCTURE)')).split(/\* \d FETCH /)[1];
  assert.ok(fromStored && parsed);
  assert.match(fromStored, /BODYSTRUCTURE \("TEXT" "PLAIN" \("CHARSET" "utf-8"\)/);
  const item = (r: string) => r.replace(/\r\ne3 OK[^\r]*\r\n$/, '');
  assert.equal(item(fromStored), item(parsed));
});

test('an index older than the pruned expunge log rereads the folder and still announces the expunge', async () => {
  const folder = (await w.store.mail.folder((await w.store.mailboxes.byAddress(PER))!.id, 'Search'))!;
  const sel = await command(a, 'r1', 'SELECT Search');
  const exists = Number(/\* (\d+) EXISTS/.exec(sel)![1]);
  // Another process (no in-process notice) expunges the last message and prunes the log past it.
  const last = Number((await w.store.mail.messages(folder.id)).at(-1)!.uid);
  await w.store.transaction((tx) => tx.mail.expunge(folder.id, [last]));
  const modseq = Number((await w.store.mail.folderById(folder.id))!.highest_modseq);
  await w.store.transaction((tx) => tx.mail.pruneExpunged(folder.id, modseq));
  assert.deepEqual(untaggedOf(await command(a, 'r2', 'NOOP')), [`* ${exists} EXPUNGE`, `* ${exists - 1} EXISTS`]);
  assert.match(
    await command(a, 'r3', 'SEARCH ALL'),
    new RegExp(`\\* SEARCH ${Array.from({ length: exists - 1 }, (_, i) => i + 1).join(' ')}\\r\\n`),
  );
});

test('RFC 3501 §7.2.6: the shared index keeps the folder’s keywords as messages change, are appended and expunged, without a pass over them per SELECT', async () => {
  assert.match(await command(a, 'k0', 'CREATE Kw'), /k0 OK/);
  for (let i = 1; i <= 3; i++) assert.match(await append(a, `k${i}`, msg(i), 'Kw'), /OK/);
  const flagsLine = (r: string) => /^\* FLAGS \(([^)]*)\)\r$/m.exec(r)?.[1];
  assert.equal(flagsLine(await command(a, 'k4', 'SELECT Kw')), '\\Answered \\Flagged \\Deleted \\Seen \\Draft');
  assert.match(await command(b, 'k5', 'SELECT Kw'), /k5 OK/);
  assert.match(await command(b, 'k6', 'STORE 1 +FLAGS.SILENT ($Urgent)'), /k6 OK/);
  assert.match(await command(b, 'k7', 'STORE 2 +FLAGS.SILENT ($Urgent $Later)'), /k7 OK/);
  assert.equal(flagsLine(await command(a, 'k8', 'SELECT Kw')), '\\Answered \\Flagged \\Deleted \\Seen \\Draft $Urgent $Later');
  // The index behind A's selection: asked twice with nothing changed, it answers from memory.
  const scope = new MailboxScope(w.store, (await w.store.mailboxes.byAddress(PER))!);
  const { indexes } = sharedMail(w.store);
  const index = indexes.acquire((await scope.openFolder('Kw'))!);
  try {
    assert.equal(index.keywords(), index.keywords(), 'the same set: no pass over the messages');
    // $Later goes when its only message loses it, $Urgent when the last message that has it is expunged.
    assert.match(await command(b, 'k9', 'STORE 2 -FLAGS.SILENT ($Later)'), /k9 OK/);
    assert.equal(flagsLine(await command(a, 'k10', 'SELECT Kw')), '\\Answered \\Flagged \\Deleted \\Seen \\Draft $Urgent');
    assert.match(await command(b, 'k11', 'STORE 1:2 +FLAGS.SILENT (\\Deleted)'), /k11 OK/);
    assert.match(await command(b, 'k12', 'EXPUNGE'), /k12 OK/);
    assert.equal(flagsLine(await command(a, 'k13', 'SELECT Kw')), '\\Answered \\Flagged \\Deleted \\Seen \\Draft');
    // An appended message brings its keywords.
    assert.match(await command(b, 'k14', `APPEND Kw ($Fresh) {${Buffer.byteLength(msg(4))}+}\r\n${msg(4)}`), /k14 OK/);
    assert.equal(flagsLine(await command(a, 'k15', 'SELECT Kw')), '\\Answered \\Flagged \\Deleted \\Seen \\Draft $Fresh');
    assert.deepEqual([...index.keywords()], ['$Fresh']);
  } finally {
    indexes.release(index);
  }
  assert.match(await command(a, 'k16', 'UNSELECT'), /k16 OK/);
  assert.match(await command(b, 'k17', 'UNSELECT'), /k17 OK/);
});

test('a header SEARCH that loads the headers while a refresh reads changes without them loses no message (CI stress, FETCH NO “blob undefined”)', async () => {
  assert.match(await command(a, 'h0', 'CREATE Race'), /h0 OK/);
  assert.match(await append(a, 'h1', msg(1), 'Race'), /h1 OK/);
  const scope = new MailboxScope(w.store, (await w.store.mailboxes.byAddress(PER))!);
  const handle = (await scope.openFolder('Race'))!;
  const parsed: string[] = [];
  const index = new FolderIndex(handle, async (hash) => {
    parsed.push(hash);
    throw new Error(`a row without its search values was parsed from blob ${hash}`);
  });
  await index.ensureFresh();
  assert.match(await append(a, 'h2', msg(2, '<late@example.org>'), 'Race'), /h2 OK/);
  // The refresh reads the changes without headers (none loaded yet) and is held there while a
  // SEARCH loads them: the refresh must then read the new message's search values itself.
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let reading!: () => void;
  const reached = new Promise<void>((r) => {
    reading = r;
  });
  const changesSince = handle.changesSince.bind(handle);
  handle.changesSince = async (modseq, withHeaders) => {
    reading();
    await gate;
    return changesSince(modseq, withHeaders);
  };
  const refreshing = index.ensureFresh();
  await reached;
  assert.equal((await index.searchHeaders()).size, 1, 'loaded while the new message is not yet in the index');
  release();
  await refreshing;
  const headers = await index.searchHeaders();
  assert.deepEqual([...headers.keys()], index.uids, 'every message of the index has its search values');
  assert.deepEqual(parsed, [], 'stored search values were used');
});
