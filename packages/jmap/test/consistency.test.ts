// One mailbox, two protocols: a change made over IMAP (imapflow) shows in JMAP's /changes and
// push, and a change made over JMAP shows to IMAP (CONDSTORE MODSEQ, IDLE), because both read
// and write the same folders through the same MailboxScope, and JMAP states are built from
// IMAP's HIGHESTMODSEQ (RFC 8620 §5.2, RFC 7162).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { GP, PER, calls, openPush, startJmapWorld, type JmapWorld } from './support/world.ts';

let world: JmapWorld;
let token: string;
let accountId: string;
let inboxId: string;
let trashId: string;
let imap: ImapFlow;

before(async () => {
  world = await startJmapWorld();
  token = await world.token(GP);
  const s = (await (await fetch(`${world.base}/.well-known/jmap`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
    primaryAccounts: Record<string, string>;
  };
  accountId = s.primaryAccounts['urn:ietf:params:jmap:mail']!;
  const boxes = (await calls(world, token, [['Mailbox/get', { accountId }, 'm']])).get('m')![1].list as { id: string; role: string }[];
  inboxId = boxes.find((b) => b.role === 'inbox')!.id;
  trashId = boxes.find((b) => b.role === 'trash')!.id;
  imap = new ImapFlow({
    host: '127.0.0.1',
    port: world.imap.port,
    secure: false,
    doSTARTTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: PER, accessToken: token },
    logger: false,
    emitLogs: false,
  });
  await imap.connect();
});
after(async () => {
  await imap.logout().catch(() => {});
  await world.close();
});

const message = (subject: string) =>
  `From: jean.dupont@operateur-a.mssante.fr\r\nTo: ${PER}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@example.org>\r\n\r\nCorps.\r\n`;

async function state(): Promise<string> {
  return (await calls(world, token, [['Email/get', { accountId, ids: [] }, 'g']])).get('g')![1].state as string;
}

async function emailChanges(since: string): Promise<Record<string, unknown>> {
  return (await calls(world, token, [['Email/changes', { accountId, sinceState: since }, 'c']])).get('c')![1];
}

test('IMAP APPEND, STORE and EXPUNGE are Email/changes created, updated and destroyed; push tells each (RFC 8620 §5.2, §7.3)', async () => {
  const push = await openPush(world, token);
  const first = await push.next();
  const s0 = await state();
  assert.equal(first[accountId]!.Email, s0);

  const appended = await imap.append('INBOX', message('via imap'), []);
  assert.ok(appended);
  const pushed = await push.next((c) => c[accountId]?.Email !== undefined);
  let c = await emailChanges(s0);
  assert.equal((c.created as string[]).length, 1);
  assert.deepEqual(c.updated, []);
  assert.equal(pushed[accountId]!.Email, c.newState);
  const id = (c.created as string[])[0]!;
  const s1 = c.newState as string;

  const lock = await imap.getMailboxLock('INBOX');
  try {
    await imap.messageFlagsAdd(String(appended.uid), ['\\Seen', '\\Flagged'], { uid: true });
    await push.next((ch) => ch[accountId]?.Email !== undefined && ch[accountId]!.Email !== s1);
    c = await emailChanges(s1);
    assert.deepEqual([c.created, c.updated, c.destroyed], [[], [id], []]);
    const got = (await calls(world, token, [['Email/get', { accountId, ids: [id], properties: ['keywords'] }, 'g']])).get('g')![1];
    assert.deepEqual((got.list as { keywords: unknown }[])[0]!.keywords, { $seen: true, $flagged: true });
    const s2 = c.newState as string;

    await imap.messageDelete(String(appended.uid), { uid: true });
    await push.next((ch) => ch[accountId]?.Email !== undefined && ch[accountId]!.Email !== s2);
    c = await emailChanges(s2);
    assert.deepEqual([c.created, c.updated, c.destroyed], [[], [], [id]]);
  } finally {
    lock.release();
  }
  push.close();
});

test('JMAP keywords, a move between Mailboxes and a destroy are seen by IMAP (CONDSTORE CHANGEDSINCE, RFC 7162 §3.1.4)', async () => {
  const s0 = await state();
  const imported = await imap.append('INBOX', message('via jmap'), []);
  assert.ok(imported);
  const c = await emailChanges(s0);
  const id = (c.created as string[])[0]!;
  const lock = await imap.getMailboxLock('INBOX');
  try {
    const status = await imap.status('INBOX', { highestModseq: true });
    assert.ok(status);
    const before = status.highestModseq!;
    const r = await calls(world, token, [
      ['Email/set', { accountId, update: { [id]: { 'keywords/$seen': true, 'keywords/$answered': true } } }, 's'],
    ]);
    assert.deepEqual(r.get('s')![1].updated, { [id]: null });
    const changed = [];
    // (imapflow also yields the unsolicited FETCH the server sends for the change it announces: no UID asked there.)
    for await (const m of imap.fetch('1:*', { uid: true, flags: true }, { uid: true, changedSince: before })) if (m.uid) changed.push(m);
    assert.deepEqual(
      changed.map((m) => [m.uid, [...(m.flags ?? [])].sort()]),
      [[imported.uid, ['\\Answered', '\\Seen']]],
    );
  } finally {
    lock.release();
  }
  // A move: the Email keeps its id (RFC 8474 EMAILID), IMAP sees it leave INBOX and enter Trash.
  const moved = await calls(world, token, [['Email/set', { accountId, update: { [id]: { mailboxIds: { [trashId]: true } } } }, 's']]);
  assert.deepEqual(moved.get('s')![1].updated, { [id]: null });
  const trashLock = await imap.getMailboxLock('Trash');
  try {
    const found = [];
    for await (const m of imap.fetch('1:*', { uid: true, flags: true, emailId: true })) found.push(m);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.emailId, id);
    assert.deepEqual([...(found[0]!.flags ?? [])].sort(), ['\\Answered', '\\Seen']);
  } finally {
    trashLock.release();
  }
  const inbox = await imap.status('INBOX', { messages: true });
  assert.equal(inbox && inbox.messages, 0);
  // And destroyed: IMAP finds the Trash empty.
  const d = await calls(world, token, [['Email/set', { accountId, destroy: [id] }, 'd']]);
  assert.deepEqual(d.get('d')![1].destroyed, [id]);
  const trash = await imap.status('Trash', { messages: true });
  assert.equal(trash && trash.messages, 0);
});

test('Mailbox/changes: a folder IMAP creates is created, a message appended makes its Mailbox updated (RFC 8621 §2.2)', async () => {
  const s0 = (await calls(world, token, [['Mailbox/get', { accountId, ids: [] }, 'g']])).get('g')![1].state as string;
  await imap.mailboxCreate('Dossiers patients');
  await imap.append('INBOX', message('mailbox changes'), []);
  const c = (await calls(world, token, [['Mailbox/changes', { accountId, sinceState: s0 }, 'c']])).get('c')![1];
  assert.equal((c.created as string[]).length, 1);
  assert.deepEqual(c.updated, [inboxId]);
  assert.deepEqual(c.destroyed, []);
  const created = (await calls(world, token, [['Mailbox/get', { accountId, ids: c.created }, 'g']])).get('g')![1].list as {
    name: string;
  }[];
  assert.equal(created[0]!.name, 'Dossiers patients');
});

test('stateMismatch when ifInState is not the current state; cannotCalculateChanges for a state the server never gave (RFC 8620 §5.3, §5.2)', async () => {
  const r = await calls(world, token, [
    ['Email/set', { accountId, ifInState: 'not-a-state', destroy: [] }, 'a'],
    ['Email/changes', { accountId, sinceState: 'garbage' }, 'b'],
  ]);
  assert.equal(r.get('a')![1].type, 'stateMismatch');
  assert.equal(r.get('b')![1].type, 'cannotCalculateChanges');
});
