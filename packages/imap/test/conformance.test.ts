// Issue #12: the defects an independent compliance run (imaptest-style scripts and its stress
// mode) found, each as a scripted session with exact responses citing the RFC section.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GP, PER, startImapWorld, type ImapWorld } from './support/imap-world.ts';
import { command, openAuthenticated, type Conversation } from './support/conversation.ts';

let w: ImapWorld;
let a: Conversation;
let b: Conversation;
before(async () => {
  w = await startImapWorld();
  a = await openAuthenticated(w.imap.port, PER, await w.token(GP));
  b = await openAuthenticated(w.imap.port, PER, await w.token(GP));
});
after(async () => {
  a.socket.destroy();
  b.socket.destroy();
  await w.close();
});

let n = 0;
async function append(c: Conversation, folder: string, flags = ''): Promise<string> {
  n++;
  const m = `From: <${PER}>\r\nSubject: conformance ${n}\r\n\r\nbody ${n}\r\n`;
  return command(c, `ap${n}`, `APPEND ${folder} ${flags ? `(${flags}) ` : ''}{${Buffer.byteLength(m)}+}\r\n${m}`);
}

/** The untagged lines of a reply, without the tagged one. */
function untaggedLines(reply: string): string[] {
  return reply.split('\r\n').filter((l) => l.startsWith('* '));
}

test('RFC 3501 §7.2.6 / RFC 9051 §7.3.5: a new keyword is named in * FLAGS and PERMANENTFLAGS before the FETCH that shows it, in every session', async () => {
  assert.match(await command(a, 'k0', 'CREATE Keywords'), /k0 OK/);
  await append(a, 'Keywords');
  await append(a, 'Keywords', '$Known');
  const sel = await command(a, 'k1', 'SELECT Keywords');
  assert.match(
    sel,
    /\* FLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft \$Known\)\r\n/,
    "keywords already in use are in SELECT's FLAGS",
  );
  assert.match(sel, /\* OK \[PERMANENTFLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft \$Known \\\*\)\]/);
  assert.match(await command(b, 'k2', 'SELECT Keywords'), /k2 OK/);

  // A is the first session to select the folder: its two messages are \Recent in A (RFC 3501 §2.3.2).
  const stored = untaggedLines(await command(a, 'k3', 'STORE 1 +FLAGS ($Label7)'));
  assert.deepEqual(stored, [
    '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Known $Label7)',
    '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Known $Label7 \\*)] Permanent flags',
    '* 1 FETCH (FLAGS ($Label7 \\Recent))',
  ]);
  // The other session hears of it at its next command, FLAGS first.
  assert.deepEqual(untaggedLines(await command(b, 'k4', 'NOOP')), [
    '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Known $Label7)',
    '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Known $Label7 \\*)] Permanent flags',
    '* 1 FETCH (FLAGS ($Label7))',
  ]);
  // Known keywords are not announced again.
  assert.deepEqual(untaggedLines(await command(a, 'k5', 'STORE 2 +FLAGS ($Label7)')), ['* 2 FETCH (FLAGS ($Known $Label7 \\Recent))']);
  const k6 = untaggedLines(await command(b, 'k6', 'FETCH 2 FLAGS'));
  assert.equal(k6.at(-1), '* 2 FETCH (FLAGS ($Known $Label7))');
  assert.ok(!k6.some((l) => l.startsWith('* FLAGS') || l.includes('PERMANENTFLAGS')), k6.join('\n'));
  // A keyword brought by an APPEND reaches a session's FETCH the same way.
  await append(a, 'Keywords', '$Fresh');
  assert.deepEqual(untaggedLines(await command(b, 'k7a', 'NOOP')), ['* 3 EXISTS']);
  const fetched = untaggedLines(await command(b, 'k7', 'FETCH 3 FLAGS'));
  assert.equal(fetched.at(-1), '* 3 FETCH (FLAGS ($Fresh))');
  assert.ok(fetched.indexOf('* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Known $Label7 $Fresh)') >= 0, fetched.join('\n'));
  assert.ok(fetched.findIndex((l) => l.startsWith('* FLAGS')) < fetched.length - 1);
  // EXAMINE: FLAGS names them, PERMANENTFLAGS is empty (nothing can be changed).
  const ex = await command(b, 'k8', 'EXAMINE Keywords');
  const listed = /^\* FLAGS \(([^)]*)\)\r$/m.exec(ex)![1]!.split(' ');
  assert.deepEqual(listed.slice(0, 5), ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft']);
  assert.deepEqual(listed.slice(5).sort(), ['$Fresh', '$Known', '$Label7']);
  assert.match(ex, /\* OK \[PERMANENTFLAGS \(\)\]/);
  assert.match(await command(a, 'k9', 'UNSELECT'), /k9 OK/);
  assert.match(await command(b, 'k10', 'UNSELECT'), /k10 OK/);
});

test('RFC 6851 §3.3: UID MOVE into the selected folder itself expunges the source; one message remains, with a new UID', async () => {
  assert.match(await command(a, 'v0', 'CREATE Same'), /v0 OK/);
  await append(a, 'Same');
  const sel = await command(a, 'v1', 'SELECT Same');
  assert.match(sel, /\* 1 EXISTS\r\n/);
  const uidValidity = /UIDVALIDITY (\d+)/.exec(sel)![1];
  const moved = await command(a, 'v2', 'UID MOVE 1 Same');
  // The message under its new UID is a new arrival, \Recent in this session (RFC 3501 §2.3.2).
  assert.deepEqual(untaggedLines(moved), [`* OK [COPYUID ${uidValidity} 1 2] Moved`, '* 1 EXPUNGE', '* 1 EXISTS', '* 1 RECENT']);
  assert.match(moved, /v2 OK UID MOVE completed/);
  assert.deepEqual(untaggedLines(await command(a, 'v3', 'UID FETCH 1:* (UID)')), ['* 1 FETCH (UID 2)']);
  assert.match(await command(a, 'v4', 'STATUS Same (MESSAGES UIDNEXT)'), /\* STATUS Same \(MESSAGES 1 UIDNEXT 3\)/);
  assert.match(await command(a, 'v5', 'UNSELECT'), /v5 OK/);
});

test('RFC 3501 §5.1.3: a mailbox name that is not modified UTF-7 is a well-formed command: NO, not BAD', async () => {
  assert.match(await command(a, 'u1', 'SELECT &AOk'), /^u1 NO \[CANNOT\] Invalid mailbox name: not modified UTF-7\r\n/m);
  assert.match(await command(a, 'u2', 'CREATE "a&-&AOk"'), /^u2 NO \[CANNOT\]/m);
  assert.match(await command(a, 'u3', 'STATUS &Jjo (MESSAGES)'), /^u3 NO \[CANNOT\]/m);
  assert.match(await command(a, 'u4', 'NOOP'), /u4 OK/, 'the session goes on');
});

test('RFC 3501 §6.3.8: LIST patterns mixing % and * answer OK with what they match', async () => {
  for (const name of ['Mix', 'Mix/a', 'Mix/a/b', 'Mix/c']) assert.match(await command(a, 'x0', `CREATE ${name}`), /x0 OK/);
  const names = (r: string) => [...r.matchAll(/^\* LIST \([^)]*\) "\/" (\S+)\r$/gm)].map((m) => m[1]).sort();
  const r1 = await command(a, 'x1', 'LIST "" "Mi%/*"');
  assert.match(r1, /x1 OK/);
  assert.deepEqual(names(r1), ['Mix/a', 'Mix/a/b', 'Mix/c']);
  const r2 = await command(a, 'x2', 'LIST "" "M*/%"');
  assert.match(r2, /x2 OK/);
  assert.deepEqual(names(r2), ['Mix/a', 'Mix/a/b', 'Mix/c'], '* crosses the delimiter, then % takes one level');
  const r3 = await command(a, 'x3', 'LIST "Mix/" "%*%"');
  assert.match(r3, /x3 OK/);
  assert.deepEqual(names(r3), ['Mix/a', 'Mix/a/b', 'Mix/c']);
  const r4 = await command(a, 'x4', 'LIST "" "%/%"');
  assert.deepEqual(names(r4), ['Mix/a', 'Mix/c']);
});

test('RFC 3501 §2.3.2 / §6.3.1 / §6.3.2 / §6.3.10 / §6.4.4: \\Recent belongs to the first session that selects the folder; EXAMINE only looks', async () => {
  assert.match(await command(a, 'r0', 'CREATE Rec'), /r0 OK/);
  await append(a, 'Rec');
  await append(a, 'Rec');
  assert.match(await command(a, 'r1', 'STATUS Rec (MESSAGES RECENT)'), /\* STATUS Rec \(MESSAGES 2 RECENT 2\)\r\n/);
  // EXAMINE shows them as recent but takes nothing away (§6.3.2).
  const ex = await command(b, 'r2', 'EXAMINE Rec');
  assert.match(ex, /\* 2 RECENT\r\n/);
  assert.deepEqual(untaggedLines(await command(b, 'r3', 'FETCH 1:* FLAGS')), [
    '* 1 FETCH (FLAGS (\\Recent))',
    '* 2 FETCH (FLAGS (\\Recent))',
  ]);
  assert.match(await command(a, 'r4', 'STATUS Rec (RECENT)'), /\* STATUS Rec \(RECENT 2\)\r\n/);
  // SELECT takes them: recent here, in FETCH FLAGS and the NEW/OLD/RECENT keys.
  assert.match(await command(a, 'r5', 'SELECT Rec'), /\* 2 RECENT\r\n/);
  assert.deepEqual(untaggedLines(await command(a, 'r6', 'SEARCH RECENT')), ['* SEARCH 1 2']);
  assert.deepEqual(untaggedLines(await command(a, 'r7', 'STORE 1 +FLAGS (\\Seen)')), ['* 1 FETCH (FLAGS (\\Seen \\Recent))']);
  assert.deepEqual(untaggedLines(await command(a, 'r8', 'SEARCH NEW')), ['* SEARCH 2'], 'NEW is RECENT UNSEEN');
  assert.deepEqual(untaggedLines(await command(a, 'r9', 'SEARCH OLD')), ['* SEARCH']);
  assert.deepEqual(
    untaggedLines(await command(a, 'r10', 'STORE 2 +FLAGS (\\Recent)')),
    ['* 2 FETCH (FLAGS (\\Recent))'],
    'a client cannot set it',
  );
  // ... and no other session gets them as recent.
  assert.match(await command(b, 'r11', 'STATUS Rec (RECENT)'), /\* STATUS Rec \(RECENT 0\)\r\n/);
  assert.match(await command(b, 'r12', 'SELECT Rec'), /\* 0 RECENT\r\n/);
  assert.deepEqual(untaggedLines(await command(b, 'r13', 'FETCH 1:* FLAGS')), ['* 1 FETCH (FLAGS (\\Seen))', '* 2 FETCH (FLAGS ())']);
  assert.deepEqual(untaggedLines(await command(b, 'r14', 'SEARCH OLD')), ['* SEARCH 1 2']);
  // A message arriving while both have the folder selected is recent in one of them only: B,
  // which appended it and heard of it first.
  const appended = await append(b, 'Rec');
  assert.deepEqual(untaggedLines(appended), ['* 3 EXISTS', '* 1 RECENT']);
  assert.deepEqual(untaggedLines(await command(a, 'r15', 'NOOP')), ['* 3 EXISTS']);
  assert.deepEqual(untaggedLines(await command(a, 'r16', 'FETCH 3 FLAGS')), ['* 3 FETCH (FLAGS ())']);
  // A COPY by another session while A has no folder selected: recent for A when it selects again.
  assert.match(await command(a, 'r17', 'UNSELECT'), /r17 OK/);
  assert.match(await command(b, 'r18', 'CLOSE'), /r18 OK/);
  assert.match(await command(b, 'r19', 'SELECT Keywords'), /r19 OK/);
  assert.match(await command(b, 'r20', 'COPY 1 Rec'), /r20 OK \[COPYUID \d+ \d+ 4\]/);
  assert.match(await command(a, 'r21', 'SELECT Rec'), /\* 4 EXISTS\r\n\* 1 RECENT\r\n/);
  assert.deepEqual(untaggedLines(await command(a, 'r22', 'SEARCH RECENT')), ['* SEARCH 4']);
  assert.match(await command(a, 'r23', 'UNSELECT'), /r23 OK/);
  assert.match(await command(b, 'r24', 'UNSELECT'), /r24 OK/);
});

test('RFC 3501 §6.3.9: LSUB with % returns an unsubscribed parent of a subscribed folder as \\Noselect; an unsubscribed, deleted folder is not listed', async () => {
  for (const name of ['Sub', 'Sub/child', 'Gone']) assert.match(await command(a, 'l0', `CREATE ${name}`), /l0 OK/);
  assert.match(await command(a, 'l1', 'UNSUBSCRIBE Sub'), /l1 OK/);
  assert.deepEqual(untaggedLines(await command(a, 'l2', 'LSUB "" "Sub%"')), ['* LSUB (\\Noselect) "/" Sub']);
  assert.deepEqual(untaggedLines(await command(a, 'l3', 'LSUB "" "Sub/%"')), ['* LSUB () "/" Sub/child']);
  assert.deepEqual(untaggedLines(await command(a, 'l4', 'LSUB "" "Sub*"')), ['* LSUB () "/" Sub/child'], '* reaches the child itself');
  assert.deepEqual(untaggedLines(await command(a, 'l5', 'LSUB "Sub/" "%"')), ['* LSUB () "/" Sub/child']);
  const top = untaggedLines(await command(a, 'l6', 'LSUB "" "%"'));
  assert.ok(top.includes('* LSUB (\\Noselect) "/" Sub') && !top.some((l) => l.includes('Sub/child')), top.join('\n'));
  assert.match(await command(a, 'l7', 'SUBSCRIBE Sub'), /l7 OK/);
  assert.deepEqual(untaggedLines(await command(a, 'l8', 'LSUB "" "Sub%"')), ['* LSUB () "/" Sub']);
  assert.match(await command(a, 'l9', 'UNSUBSCRIBE Gone'), /l9 OK/);
  assert.match(await command(a, 'l10', 'DELETE Gone'), /l10 OK/);
  assert.deepEqual(untaggedLines(await command(a, 'l11', 'LSUB "" "Gone*"')), []);
  assert.deepEqual(untaggedLines(await command(a, 'l12', 'LIST "" "Gone*"')), []);
});
