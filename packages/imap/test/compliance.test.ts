// Scripted sessions in the manner of Dovecot's imaptest scripts (imaptest is not packaged in
// Debian bookworm): exact expected responses for what the RFCs specify, each citing its section.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GP, JULIE, PER, startImapWorld, type ImapWorld } from './support/imap-world.ts';
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

const msg = (n: number) => `From: <${PER}>\r\nSubject: message ${n}\r\n\r\nbody ${n}\r\n`;
async function append(folder: string, n: number, flags = ''): Promise<string> {
  const m = msg(n);
  return command(c, `ap${n}`, `APPEND ${folder} ${flags ? `(${flags}) ` : ''}{${Buffer.byteLength(m)}+}\r\n${m}`);
}

test('RFC 3501 §6.1.1: CAPABILITY lists IMAP4rev1; after authentication no AUTH= nor STARTTLS', async () => {
  const r = await command(c, 'c1', 'CAPABILITY');
  assert.match(r, /^\* CAPABILITY IMAP4rev1 [^\r]*\r\n/m);
  assert.doesNotMatch(r, /AUTH=|STARTTLS|LOGINDISABLED/);
});

test('RFC 3501 §6.3.3/§6.3.4/§6.3.5: CREATE, DELETE, RENAME rules; INBOX is special', async () => {
  assert.match(await command(c, 'm1', 'CREATE Archives'), /m1 OK/);
  assert.match(await command(c, 'm2', 'CREATE Archives'), /m2 NO \[ALREADYEXISTS\]/);
  assert.match(await command(c, 'm3', 'DELETE INBOX'), /m3 NO \[CANNOT\]/);
  assert.match(await command(c, 'm4', 'CREATE Archives/2026'), /m4 OK/);
  assert.match(await command(c, 'm5', 'DELETE Archives'), /m5 NO \[CANNOT\]/, 'inferior names exist');
  assert.match(await command(c, 'm6', 'RENAME Archives Classement'), /m6 OK/);
  const list = await command(c, 'm7', 'LIST "" "Classement*"');
  assert.match(list, /\* LIST \(\\HasChildren\) "\/" Classement\r\n/);
  assert.match(list, /\* LIST \(\\HasNoChildren\) "\/" Classement\/2026\r\n/, 'inferiors are renamed with their parent');
  assert.match(await command(c, 'm8', 'DELETE Nowhere'), /m8 NO \[NONEXISTENT\]/);
  assert.match(await command(c, 'm9', 'CREATE &AOk-t&AOk-'), /m9 OK/, 'modified UTF-7 name: "été"');
  assert.match(await command(c, 'm10', 'LIST "" "%"'), /\* LIST \(\\HasNoChildren\) "\/" &AOk-t&AOk-\r\n/);
});

test('RFC 3501 §6.3.8: LIST "" "" gives the hierarchy delimiter; % does not cross it', async () => {
  assert.match(await command(c, 'l1', 'LIST "" ""'), /^\* LIST \(\\Noselect\) "\/" ""\r\n/m);
  const r = await command(c, 'l2', 'LIST "" "%"');
  assert.doesNotMatch(r, /Classement\/2026/);
  assert.match(r, /\* LIST \([^)]*\\Sent[^)]*\) "\/" Sent/, 'RFC 6154 special use');
});

test('RFC 3501 §6.3.11 / RFC 4315: APPEND answers APPENDUID; to a missing folder NO [TRYCREATE]', async () => {
  assert.match(await append('INBOX', 1), /ap1 OK \[APPENDUID \d+ 1\] APPEND completed/);
  assert.match(await append('INBOX', 2, '\\Flagged'), /ap2 OK \[APPENDUID \d+ 2\]/);
  assert.match(await append('INBOX', 3), /ap3 OK/);
  assert.match(await append('INBOX', 4), /ap4 OK/);
  assert.match(await append('INBOX', 5), /ap5 OK/);
  assert.match(await append('Missing', 6), /ap6 NO \[TRYCREATE\]/);
});

test('RFC 3501 §6.3.1 / §6.3.2: SELECT untagged data; EXAMINE is read-only', async () => {
  const ex = await command(c, 's0', 'EXAMINE INBOX');
  assert.match(ex, /\* OK \[PERMANENTFLAGS \(\)\]/);
  assert.match(ex, /s0 OK \[READ-ONLY\] EXAMINE completed/);
  assert.match(await command(c, 's1', 'STORE 1 +FLAGS (\\Seen)'), /s1 NO .*read-only/i);
  const sel = await command(c, 's2', 'SELECT INBOX');
  assert.match(sel, /\* FLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft\)\r\n/);
  assert.match(sel, /\* 5 EXISTS\r\n/);
  // RFC 3501 §2.3.2: this is the first session to select INBOX since the appends (EXAMINE only
  // looks): the five are \Recent here, and no longer once it selects the folder again.
  assert.match(sel, /\* 5 RECENT\r\n/);
  assert.match(sel, /\* OK \[UNSEEN 1\]/);
  assert.match(sel, /\* OK \[PERMANENTFLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft \\\*\)\]/);
  assert.match(sel, /\* OK \[UIDVALIDITY \d+\]/);
  assert.match(sel, /\* OK \[UIDNEXT 6\]/);
  assert.match(sel, /s2 OK \[READ-WRITE\] SELECT completed/);
  assert.match(await command(c, 's3', 'FETCH 1 FLAGS'), /\* 1 FETCH \(FLAGS \(\\Recent\)\)\r\n/);
  assert.match(await command(c, 's4', 'SELECT INBOX'), /\* 0 RECENT\r\n/);
});

test('RFC 3501 §6.4.6: STORE answers FETCH FLAGS; .SILENT does not', async () => {
  assert.match(await command(c, 'f1', 'STORE 1 +FLAGS (\\Seen \\Answered)'), /\* 1 FETCH \(FLAGS \(\\Answered \\Seen\)\)\r\nf1 OK/);
  assert.match(await command(c, 'f2', 'STORE 1 -FLAGS (\\Answered)'), /\* 1 FETCH \(FLAGS \(\\Seen\)\)/);
  const silent = await command(c, 'f3', 'STORE 2 +FLAGS.SILENT (\\Deleted)');
  assert.doesNotMatch(silent, /FETCH/);
  assert.match(await command(c, 'f4', 'STORE 3 FLAGS ($Label1 \\Deleted)'), /\* 3 FETCH \(FLAGS \(\$Label1 \\Deleted\)\)/);
});

test('RFC 3501 §6.4.4: SEARCH keys; RFC 3501 §6.4.8: UID SEARCH answers UIDs', async () => {
  assert.match(await command(c, 'q1', 'SEARCH DELETED'), /\* SEARCH 2 3\r\n/);
  assert.match(await command(c, 'q2', 'SEARCH OR FLAGGED SEEN'), /\* SEARCH 1 2\r\n/);
  assert.match(await command(c, 'q3', 'SEARCH NOT DELETED SUBJECT "message 4"'), /\* SEARCH 4\r\n/);
  assert.match(await command(c, 'q4', 'SEARCH KEYWORD $Label1'), /\* SEARCH 3\r\n/);
  assert.match(await command(c, 'q5', 'UID SEARCH 4:*'), /\* SEARCH 4 5\r\n/);
  assert.match(await command(c, 'q6', 'SEARCH CHARSET KOI8-R ALL'), /q6 NO \[BADCHARSET/);
  assert.match(await command(c, 'q7', 'SEARCH BODY "body 5"'), /\* SEARCH 5\r\n/);
});

test('RFC 3501 §6.4.5: FETCH data items; BODY.PEEK leaves \\Seen; partial fetch', async () => {
  const r = await command(c, 'g1', 'FETCH 4 (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY[TEXT]<0.4>)');
  // BODY[TEXT] without PEEK sets \Seen, and the same FETCH response says so (RFC 3501 §6.4.5).
  assert.match(
    r,
    /\* 4 FETCH \(UID 4 RFC822\.SIZE \d+ FLAGS \(\\Seen\) BODY\[HEADER\.FIELDS \(SUBJECT\)\] \{22\}\r\nSubject: message 4\r\n\r\n BODY\[TEXT\]<0> \{4\}\r\nbody\)\r\n/,
  );
  const peek = await command(c, 'g0', 'FETCH 5 (FLAGS BODY.PEEK[TEXT])');
  assert.match(peek, /\* 5 FETCH \(FLAGS \(\) BODY\[TEXT\] \{8\}\r\nbody 5\r\n\)/, 'PEEK leaves \\Seen unset');
  assert.match(await command(c, 'g2', 'FETCH 9 FLAGS'), /g2 BAD/, 'a sequence number beyond EXISTS is a client error');
});

test('RFC 3501 §7.4.1: no EXPUNGE during FETCH; announced at the next command that allows it', async () => {
  const other = await openAuthenticated(w.imap.port, PER, await w.token(JULIE));
  await command(other, 'o1', 'SELECT INBOX');
  assert.match(await command(c, 'x1', 'EXPUNGE'), /\* 3 EXPUNGE\r\n\* 2 EXPUNGE\r\n(\* 3 EXISTS\r\n)?x1 OK/);
  const fetch = await command(other, 'o2', 'FETCH 1:5 (FLAGS)');
  assert.doesNotMatch(fetch, /EXPUNGE/, 'sequence numbers stay stable during FETCH');
  const noop = await command(other, 'o3', 'NOOP');
  assert.match(noop, /\* 3 EXPUNGE\r\n\* 2 EXPUNGE\r\n/);
  other.socket.destroy();
});

test('RFC 6851 MOVE and RFC 4315 COPYUID / UID EXPUNGE', async () => {
  const mv = await command(c, 'v1', 'UID MOVE 4 Classement');
  assert.match(mv, /\* OK \[COPYUID \d+ 4 1\] Moved\r\n\* 2 EXPUNGE\r\n/);
  const cp = await command(c, 'v2', 'UID COPY 5 Classement');
  assert.match(cp, /v2 OK \[COPYUID \d+ 5 2\] UID COPY completed/);
  assert.match(await command(c, 'v3', 'COPY 1 Nowhere'), /v3 NO \[TRYCREATE\]/);
  await command(c, 'v4', 'STORE 1:2 +FLAGS.SILENT (\\Deleted)');
  const ux = await command(c, 'v5', 'UID EXPUNGE 5');
  assert.match(ux, /^\* 2 EXPUNGE\r\n(\* 1 EXISTS\r\n)?v5 OK/, 'only the UID named goes');
});

test('RFC 7162 CONDSTORE: ENABLE, MODSEQ in FETCH, UNCHANGEDSINCE conflicts answer [MODIFIED]', async () => {
  assert.match(await command(c, 'k1', 'ENABLE CONDSTORE'), /\* ENABLED CONDSTORE\r\n/);
  const f = await command(c, 'k2', 'FETCH 1 (FLAGS)');
  const modseq = Number(/MODSEQ \((\d+)\)/.exec(f)?.[1]);
  assert.ok(modseq > 0, f);
  assert.match(await command(c, 'k3', `STORE 1 (UNCHANGEDSINCE ${modseq}) +FLAGS (\\Flagged)`), /k3 OK/);
  assert.match(await command(c, 'k4', `STORE 1 (UNCHANGEDSINCE ${modseq}) +FLAGS (\\Answered)`), /k4 OK \[MODIFIED 1\]/);
});

test('RFC 2177 IDLE ends with DONE; RFC 2971 ID; RFC 2342 NAMESPACE; RFC 3691 UNSELECT', async () => {
  c.send('i1 IDLE\r\n');
  await c.until(/^\+ idling\r\n/m);
  c.send('DONE\r\n');
  assert.match(await c.until(/i1 [^\r]*\r\n/), /i1 OK IDLE terminated/);
  assert.match(await command(c, 'i2', 'ID NIL'), /\* ID \("name" "mss-operator"/);
  assert.match(await command(c, 'i3', 'NAMESPACE'), /\* NAMESPACE \(\("" "\/"\)\) NIL NIL\r\n/);
  assert.match(await command(c, 'i4', 'UNSELECT'), /i4 OK/);
  assert.match(await command(c, 'i5', 'FETCH 1 FLAGS'), /i5 NO/, 'no folder selected any more');
  assert.match(await command(c, 'i6', 'LOGOUT'), /\* BYE[^\r]*\r\ni6 OK/);
});
