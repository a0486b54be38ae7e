// QRESYNC (RFC 7162 §3.2): ENABLE QRESYNC, SELECT … (QRESYNC (…)) with VANISHED (EARLIER) and the
// flags changed since, VANISHED instead of EXPUNGE, UID FETCH … (CHANGEDSINCE m VANISHED), a
// pruned expunge log answered with a superset; scripted sessions with exact responses, and imapflow.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GP, imapflowClient, PER, startImapWorld, type ImapWorld } from './support/imap-world.ts';
import { command, openAuthenticated, type Conversation } from './support/conversation.ts';

let w: ImapWorld;
/** Enables QRESYNC. */
let a: Conversation;
/** Never enables it: sees EXPUNGE. */
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

const lines = (reply: string) => reply.split('\r\n').filter((l) => l.startsWith('* '));
const message = (n: number) => `From: <${PER}>\r\nSubject: qresync ${n}\r\n\r\nbody ${n}\r\n`;
let uidValidity = 0;
let before1 = 0;

test('RFC 7162 §3.2.3 / §3.2.5: QRESYNC announced; the SELECT parameter before ENABLE QRESYNC is BAD; ENABLE answers ENABLED', async () => {
  assert.match(await command(b, 'c1', 'CAPABILITY'), /^\* CAPABILITY [^\r]* QRESYNC[ \r]/m);
  assert.match(await command(b, 'c2', 'CREATE Sync'), /c2 OK/);
  for (const n of [1, 2, 3, 4, 5]) {
    const m = message(n);
    assert.match(await command(b, `ap${n}`, `APPEND Sync {${Buffer.byteLength(m)}+}\r\n${m}`), new RegExp(`ap${n} OK`));
  }
  assert.match(await command(b, 'c3', 'SELECT Sync (QRESYNC (1 1))'), /^c3 BAD /m);
  assert.deepEqual(lines(await command(a, 'e1', 'ENABLE QRESYNC')), ['* ENABLED QRESYNC']);
  const selected = await command(a, 'e2', 'SELECT Sync');
  uidValidity = Number(/\[UIDVALIDITY (\d+)\]/.exec(selected)![1]);
  before1 = Number(/\[HIGHESTMODSEQ (\d+)\]/.exec(selected)![1]);
});

test('RFC 7162 §3.2.10: once QRESYNC is enabled, expunges are told as VANISHED (others still get EXPUNGE)', async () => {
  assert.match(await command(b, 'x1', 'SELECT Sync'), /x1 OK/);
  assert.match(await command(b, 'x2', 'STORE 2,4 +FLAGS.SILENT (\\Deleted)'), /x2 OK/);
  assert.deepEqual(lines(await command(b, 'x3', 'EXPUNGE')), ['* 4 EXPUNGE', '* 2 EXPUNGE', '* 3 EXISTS']);
  assert.match(await command(b, 'x4', 'UID STORE 5 +FLAGS.SILENT (\\Flagged)'), /x4 OK/);
  const pushed = lines(await command(a, 'x5', 'NOOP'));
  assert.equal(pushed[0], '* VANISHED 2,4');
  assert.ok(!pushed.some((l) => / EXPUNGE$/.test(l)), pushed.join('\n'));
  // CONDSTORE is on too (§3.2.3), and the unsolicited FETCH names the UID, as a QRESYNC client keys by it.
  assert.match(pushed.join('\n'), /^\* 3 FETCH \(UID 5 FLAGS \(\\Flagged( \\Recent)?\) MODSEQ \(\d+\)\)$/m);
});

test('RFC 7162 §3.2.5.2 / §3.2.11: SELECT (QRESYNC (uidvalidity modseq known-uids)) tells VANISHED (EARLIER) and the flags changed since; [CLOSED] first', async () => {
  const r = await command(a, 's1', `SELECT Sync (QRESYNC (${uidValidity} ${before1} 1:5))`);
  const l = lines(r);
  assert.equal(l[0], '* OK [CLOSED] Previous mailbox closed');
  const vanishedAt = l.indexOf('* VANISHED (EARLIER) 2,4');
  assert.ok(vanishedAt > 0, r);
  const fetches = l.filter((x) => / FETCH /.test(x));
  assert.equal(fetches.length, 1, r);
  assert.match(fetches[0]!, /^\* 3 FETCH \(UID 5 FLAGS \(\\Flagged( \\Recent)?\) MODSEQ \(\d+\)\)$/);
  assert.ok(l.indexOf(fetches[0]!) > vanishedAt, 'VANISHED (EARLIER) before the FETCHes, as in §3.2.5.2');
  assert.match(r, /^s1 OK \[READ-WRITE\]/m);
  // Known UIDs limit what is told as vanished.
  assert.ok(lines(await command(a, 's2', `EXAMINE Sync (QRESYNC (${uidValidity} ${before1} 1:3))`)).includes('* VANISHED (EARLIER) 2'));
  // Another UIDVALIDITY: the client's cache is void, nothing is told (§3.2.5.2).
  assert.ok(!/VANISHED|FETCH/.test(await command(a, 's3', `EXAMINE Sync (QRESYNC (${uidValidity + 1} ${before1} 1:5))`)));
  assert.match(
    await command(a, 's4', `SELECT Sync (QRESYNC (${uidValidity} ${before1} 1:5 (1:3 1:3)))`),
    /VANISHED \(EARLIER\) 2,4[\s\S]*s4 OK/,
    'seq-match data accepted',
  );
});

test('RFC 7162 §3.2.6: UID FETCH … (CHANGEDSINCE m VANISHED); VANISHED without UID or CHANGEDSINCE is BAD', async () => {
  const l = lines(await command(a, 'f1', `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${before1} VANISHED)`));
  assert.equal(l[0], '* VANISHED (EARLIER) 2,4');
  assert.match(l[1]!, /^\* 3 FETCH \(UID 5 FLAGS \(\\Flagged( \\Recent)?\) MODSEQ \(\d+\)\)$/);
  assert.equal(l.length, 2);
  assert.deepEqual(lines(await command(a, 'f2', `UID FETCH 3:4 (FLAGS) (CHANGEDSINCE ${before1} VANISHED)`)), ['* VANISHED (EARLIER) 4']);
  assert.match(await command(a, 'f3', `FETCH 1:* (FLAGS) (CHANGEDSINCE ${before1} VANISHED)`), /^f3 BAD /m);
  assert.match(await command(a, 'f4', 'UID FETCH 1:* (FLAGS) (VANISHED)'), /^f4 BAD /m);
  assert.match(
    await command(b, 'f5', `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${before1} VANISHED)`),
    /^f5 BAD /m,
    'not enabled in this session',
  );
});

test("RFC 7162 §3.2.5.2: the expunge log pruned past the client's MODSEQ gives a superset — every known UID no message has", async () => {
  const folder = (await w.store.mail.folders((await w.store.mailboxes.byAddress(PER))!.id)).find((f) => f.name === 'Sync')!;
  const now = (await w.store.mail.status(folder.id)).highestModseq;
  await w.store.mail.pruneExpunged(folder.id, now);
  // UIDs 6 to 9 were never given: not vanished either, only those below UIDNEXT.
  assert.ok(lines(await command(a, 'p1', `SELECT Sync (QRESYNC (${uidValidity} ${before1} 1:9))`)).includes('* VANISHED (EARLIER) 2,4'));
  assert.ok(lines(await command(a, 'p2', `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${before1} VANISHED)`)).includes('* VANISHED (EARLIER) 2,4'));
});

test('RFC 6851 §4.3 / RFC 7162 §3.2.10: MOVE and EXPUNGE in a QRESYNC session answer VANISHED', async () => {
  const moved = lines(await command(a, 'v1', 'UID MOVE 1 INBOX'));
  assert.match(moved[0]!, /^\* OK \[COPYUID \d+ 1 \d+\] Moved$/);
  assert.ok(moved.includes('* VANISHED 1'), moved.join('\n'));
  assert.ok(!moved.some((l) => / EXPUNGE$/.test(l)));
});

test('imapflow (qresync: true): an expunge by another session reaches it as a vanished UID', async () => {
  const client = imapflowClient(w.imap.port, PER, await w.token(GP), { qresync: true });
  await client.connect();
  try {
    assert.ok(client.enabled.has('QRESYNC'), 'imapflow enabled QRESYNC');
    const lock = await client.getMailboxLock('Sync');
    try {
      const gone = new Promise<{ uid?: number; vanished?: boolean }>((resolve) => client.once('expunge', resolve));
      assert.match(await command(b, 'i1', 'UID STORE 3 +FLAGS.SILENT (\\Deleted)'), /i1 OK/);
      assert.match(await command(b, 'i2', 'UID EXPUNGE 3'), /i2 OK/);
      await client.noop();
      const event = await gone;
      assert.deepEqual({ uid: event.uid, vanished: event.vanished }, { uid: 3, vanished: true });
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
});
