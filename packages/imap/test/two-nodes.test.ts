// Two operator processes on one database (issue #17): the store's event bus carries folder
// changes and revocations between them — LISTEN/NOTIFY on PostgreSQL (two nodes), the polled
// `bus_events` table on SQLite (two workers of one machine on one file). IDLE on node 2 hears
// of an APPEND made through node 1 (RFC 2177; RFC 9051 §7.4.1 EXISTS); a mailbox suspended on
// node 1 ends node 2's session with `* BYE` at once (R-AUTH-4), not at its next command.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TEST_ENGINE } from '@mss/store/testing';
import { CAB, GP, PER, SOPHIE, startImapWorld, type ImapWorld } from './support/imap-world.ts';
import { command, openAuthenticated, type Conversation } from './support/conversation.ts';

const NODE = fileURLToPath(new URL('./support/imap-node.ts', import.meta.url));

let node1: ImapWorld;
let node2: ChildProcess;
let port2: number;
before(async () => {
  node1 = await startImapWorld({ store: { crossProcessEvents: true } });
  assert.equal(node1.store.bus.kind, TEST_ENGINE);
  node2 = spawn(process.execPath, [NODE, node1.databaseUrl ?? '', node1.dataDir, node1.psc.issuer], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    node2.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
    });
    node2.once('exit', (code) => reject(new Error(`node 2 exited (${code})`)));
  });
  const started = JSON.parse(line) as { port: number; bus: string };
  assert.equal(started.bus, TEST_ENGINE);
  port2 = started.port;
});
after(async () => {
  const exited = new Promise((r) => node2.once('exit', r));
  node2.stdin!.end();
  await exited;
  await node1.close();
});

const message = (subject: string) => `From: <${PER}>\r\nTo: <${PER}>\r\nSubject: ${subject}\r\n\r\nbody\r\n`;

test('IDLE on node 2 sees an APPEND made through node 1 (EXISTS), without a command from its client', async () => {
  const idler = await openAuthenticated(port2, PER, await node1.token(GP));
  const writer = await openAuthenticated(node1.imap.port, PER, await node1.token(GP));
  try {
    const selected = await command(idler, 's1', 'SELECT INBOX');
    const exists = Number(/\* (\d+) EXISTS/.exec(selected)![1]);
    idler.send('i1 IDLE\r\n');
    await idler.until(/\+ [^\r]*\r\n/);
    const m = message('de node 1 à node 2');
    assert.match(await command(writer, 'a1', `APPEND INBOX {${m.length}+}\r\n${m}`), /a1 OK \[APPENDUID /);
    const t = Date.now();
    assert.match(await idler.until(new RegExp(`\\* ${exists + 1} EXISTS\\r\\n`), 15_000), new RegExp(`\\* ${exists + 1} EXISTS`));
    console.log(`# EXISTS on node 2 ${Date.now() - t} ms after APPEND OK on node 1`);
    idler.send('DONE\r\n');
    await idler.until(/i1 OK [^\r]*\r\n/);
  } finally {
    idler.socket.destroy();
    writer.socket.destroy();
  }
});

test('R-AUTH-4: a mailbox suspended through node 1 ends the session on node 2 with * BYE at once', async () => {
  const admin = { kind: 'operator-admin', name: 'admin' } as const;
  const c: Conversation = await openAuthenticated(port2, CAB, await node1.token(SOPHIE));
  try {
    await command(c, 's1', 'SELECT INBOX');
    c.send('i1 IDLE\r\n');
    await c.until(/\+ [^\r]*\r\n/);
    const start = Date.now();
    await node1.gov.changeStatus(admin, CAB, 'suspended', 'contrôle');
    const bye = await c.until(/\* BYE [^\r]*\r\n/, 15_000);
    const ms = Date.now() - start;
    assert.match(bye, /\* BYE [^\r]*suspend/i);
    // Pushed by NOTIFY, not found at a later command: the issue asks for under a second (here, measured).
    console.log(`# BYE on node 2 ${ms} ms after the suspension committed on node 1`);
  } finally {
    c.socket.destroy();
    await node1.gov.changeStatus(admin, CAB, 'active', 'fin du contrôle');
  }
});

/** Resolves at the next `folder-changed` notice node 1 hears for that folder (from node 2, through the bus). */
function noticeOnNode1(folderId: number): Promise<void> {
  return new Promise((resolve) => {
    const on = (id: number) => {
      if (Number(id) !== folderId) return;
      node1.store.events.off('folder-changed', on);
      resolve();
    };
    node1.store.events.on('folder-changed', on);
  });
}

test('RFC 3501 §5.2 / §7.4.1: read commands on node 1 report what node 2 changed once its notice arrived; NOOP reports it without waiting for one', async () => {
  // On PostgreSQL node 1's read commands answer from memory between notices (docs/choices.md,
  // "IMAP read commands on PostgreSQL"): a STORE, an APPEND and an EXPUNGE made through node 2
  // must each be in the answer to node 1's next read command once the notice came.
  const reader = await openAuthenticated(node1.imap.port, PER, await node1.token(GP));
  const writer = await openAuthenticated(port2, PER, await node1.token(GP));
  try {
    assert.match(await command(reader, 'c0', 'CREATE Lecture'), /c0 OK/);
    const box = (await node1.store.mailboxes.byAddress(PER))!;
    const folderId = Number((await node1.store.mail.folder(box.id, 'Lecture'))!.id);
    for (const s of ['un', 'deux', 'trois']) {
      const m = message(s);
      assert.match(await command(writer, `a-${s}`, `APPEND Lecture {${m.length}+}\r\n${m}`), /OK/);
    }
    assert.match(await command(reader, 's1', 'SELECT Lecture'), /\* 3 EXISTS\r\n/);
    // Warm: the rows are read once; then node 1 answers these from memory on PostgreSQL.
    assert.match(await command(reader, 'f0', 'FETCH 1:3 (FLAGS ENVELOPE)'), /\* 3 FETCH \(FLAGS \(\\Recent\) ENVELOPE/);

    assert.match(await command(writer, 'w1', 'SELECT Lecture'), /w1 OK/);
    const flagged = noticeOnNode1(folderId);
    assert.match(await command(writer, 'w2', 'STORE 2 +FLAGS.SILENT (\\Flagged)'), /w2 OK/);
    await flagged;
    assert.match(await command(reader, 'f1', 'FETCH 2 (FLAGS)'), /\* 2 FETCH \(FLAGS \(\\Flagged \\Recent\)\)\r\n/);

    const appended = noticeOnNode1(folderId);
    const m = message('quatre');
    assert.match(await command(writer, 'w3', `APPEND Lecture {${m.length}+}\r\n${m}`), /w3 OK/);
    await appended;
    const after = await command(reader, 'f2', 'FETCH 1 (FLAGS)');
    assert.match(after, /\* 4 EXISTS\r\n/, after);

    const expunged = noticeOnNode1(folderId);
    assert.match(await command(writer, 'w4', 'STORE 1 +FLAGS.SILENT (\\Deleted)'), /w4 OK/);
    assert.match(await command(writer, 'w5', 'EXPUNGE'), /\* 1 EXPUNGE\r\n/);
    await expunged;
    // A FETCH may not announce expunges (RFC 3501 §7.4.1); a UID FETCH may.
    const uidFetch = await command(reader, 'f3', 'UID FETCH 1:* (FLAGS)');
    assert.match(uidFetch, /\* 1 EXPUNGE\r\n/, uidFetch);
    assert.doesNotMatch(uidFetch, /FETCH \(UID 1 /);

    // The poll: NOOP asks the store, so a change whose notice may still be on its way is told.
    const m5 = message('cinq');
    assert.match(await command(writer, 'w6', `APPEND Lecture {${m5.length}+}\r\n${m5}`), /w6 OK/);
    assert.match(await command(reader, 'n1', 'NOOP'), /\* 4 EXISTS\r\n/);
  } finally {
    reader.socket.destroy();
    writer.socket.destroy();
  }
});
