// Email/query's pages (RFC 8620 §5.5 position, anchor, anchorOffset, limit, calculateTotal; RFC
// 8621 §4.4 sorts and collapseThreads) against the order the test computes itself from each
// Email's receivedAt, size, id and threadId (Email/get). The default sort (receivedAt descending)
// is served from the account view's one sorted list, other sorts by a sort of the matches, and
// a query's whole result is kept for the view it was computed from: pages must be slices of the
// full order, and a change (a delivery, a keyword set) must give a new queryState and new results.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FolderHandle, NewMessage } from '@mss/store';
import { GP, PER, calls, startJmapWorld, type JmapWorld } from './support/world.ts';

let world: JmapWorld;
let token: string;
let accountId: string;
let inboxId: string;
let archiveId: string;
let inbox: FolderHandle;

interface Listed {
  id: string;
  receivedAt: string;
  size: number;
  threadId: string;
  mailboxIds: Record<string, true>;
}
let emails: Listed[] = [];

const BASE = Date.UTC(2026, 2, 1, 8, 0, 0);
/** Three messages per minute: ties on receivedAt, broken by id (ascending) in either direction. */
const at = (i: number) => new Date(BASE + Math.floor(i / 3) * 60_000).toISOString();

function raw(i: number): Buffer {
  // Every fifth message answers the one before it: threads of two, for collapseThreads.
  const reply = i % 5 === 1 ? `In-Reply-To: <page-${i - 1}@example.org>\r\nReferences: <page-${i - 1}@example.org>\r\n` : '';
  return Buffer.from(
    `From: confrere${i % 7}@operateur-b.mssante.fr\r\nTo: ${PER}\r\nSubject: ${reply ? 'RE: ' : ''}Dossier ${i - (reply ? 1 : 0)}\r\n` +
      `Message-ID: <page-${i}@example.org>\r\n${reply}\r\n${'Texte.\r\n'.repeat(1 + (i % 4))}`,
  );
}

async function append(folder: FolderHandle, messages: NewMessage[]): Promise<void> {
  await folder.transaction((f) => f.appendMessages(messages));
  world.store.notifyFolderChanged(folder.id);
}

async function listAll(): Promise<Listed[]> {
  const q = await calls(world, token, [['Email/query', { accountId, calculateTotal: true }, 'q']]);
  const ids = q.get('q')![1].ids as string[];
  assert.equal(ids.length, q.get('q')![1].total);
  const g = await calls(world, token, [
    ['Email/get', { accountId, ids, properties: ['receivedAt', 'size', 'threadId', 'mailboxIds'] }, 'g'],
  ]);
  return g.get('g')![1].list as Listed[];
}

const byId = (a: Listed, b: Listed) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const newestFirst = (a: Listed, b: Listed) => b.receivedAt.localeCompare(a.receivedAt) || byId(a, b);

async function query(args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const r = await calls(world, token, [['Email/query', { accountId, ...args }, 'q']]);
  const [name, out] = r.get('q')!;
  assert.equal(name, 'Email/query', JSON.stringify(out));
  return out;
}

/** Every page of `limit` of a query, from position 0 on, joined. */
async function paged(args: Record<string, unknown>, limit: number): Promise<string[]> {
  const out: string[] = [];
  for (let position = 0; ; position += limit) {
    const page = (await query({ ...args, position, limit })).ids as string[];
    out.push(...page);
    if (page.length < limit) return out;
  }
}

before(async () => {
  world = await startJmapWorld();
  token = await world.token(GP);
  const d = await world.access.decide({ principal: { kind: 'person', idnat: GP }, mailbox: PER, action: 'read', channel: 'system' });
  assert.ok(d.allowed);
  await d.scope.ensureFolder('INBOX');
  await d.scope.ensureFolder('Archive');
  inbox = (await d.scope.openFolder('INBOX'))!;
  const archive = (await d.scope.openFolder('Archive'))!;
  const ingested = await Promise.all(Array.from({ length: 45 }, (_, i) => world.store.ingest(raw(i))));
  await append(
    inbox,
    ingested.map((m, i) => ({ ...m, internalDate: at(i) })),
  );
  // Copies of 3 and 10 in Archive, received a day before: an Email's receivedAt is its earliest copy's.
  // 45 is in Archive only, a minute before the first INBOX message.
  await append(archive, [
    { ...ingested[3]!, internalDate: new Date(BASE - 86_400_000).toISOString() },
    { ...ingested[10]!, internalDate: new Date(BASE - 86_400_000).toISOString() },
    { ...(await world.store.ingest(raw(45))), internalDate: new Date(BASE - 60_000).toISOString() },
  ]);
  const session = (await (await fetch(`${world.base}/.well-known/jmap`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
    primaryAccounts: Record<string, string>;
  };
  accountId = session.primaryAccounts['urn:ietf:params:jmap:mail']!;
  const boxes = (await calls(world, token, [['Mailbox/get', { accountId, properties: ['name'] }, 'm']])).get('m')![1].list as {
    id: string;
    name: string;
  }[];
  inboxId = boxes.find((b) => b.name === 'INBOX')!.id;
  archiveId = boxes.find((b) => b.name === 'Archive')!.id;
  emails = await listAll();
});

after(async () => {
  await world?.close();
});

test('the default sort (receivedAt descending, ties by id) paged by position equals the whole order, in a folder and in the account (RFC 8621 §4.4.2)', async () => {
  const inInbox = emails.filter((e) => e.mailboxIds[inboxId]).sort(newestFirst);
  assert.ok(inInbox.length >= 45, 'the seeded messages, and those of the demo');
  const whole = inInbox.map((e) => e.id);
  // A copy received earlier elsewhere puts the Email later in INBOX's list too.
  assert.ok(whole.indexOf(emails.find((e) => e.mailboxIds[archiveId] && e.mailboxIds[inboxId])!.id) > whole.length - 5);
  assert.deepEqual(await paged({ filter: { inMailbox: inboxId } }, 7), whole);
  const explicit = { filter: { inMailbox: inboxId }, sort: [{ property: 'receivedAt', isAscending: false }] };
  assert.deepEqual(await paged(explicit, 10), whole);
  assert.deepEqual(
    await paged({}, 9),
    [...emails].sort(newestFirst).map((e) => e.id),
    'no filter: every Email of the account once',
  );
  const archive = await paged({ filter: { inMailbox: archiveId } }, 2);
  assert.deepEqual(
    archive,
    emails
      .filter((e) => e.mailboxIds[archiveId])
      .sort(newestFirst)
      .map((e) => e.id),
  );
});

test('position past the end, negative position, anchor with anchorOffset, anchorNotFound; total only with calculateTotal (RFC 8620 §5.5)', async () => {
  const whole = emails
    .filter((e) => e.mailboxIds[inboxId])
    .sort(newestFirst)
    .map((e) => e.id);
  const filter = { inMailbox: inboxId };
  const first = await query({ filter, limit: 5 });
  assert.deepEqual(first.ids, whole.slice(0, 5));
  assert.equal(first.position, 0);
  assert.equal('total' in first, false, 'no total unless asked');
  const counted = await query({ filter, limit: 5, calculateTotal: true });
  assert.equal(counted.total, whole.length);
  assert.equal(counted.queryState, first.queryState);
  const tail = await query({ filter, position: -4, limit: 10 });
  assert.deepEqual([tail.position, tail.ids], [whole.length - 4, whole.slice(-4)]);
  const past = await query({ filter, position: whole.length + 3, limit: 10 });
  assert.deepEqual([past.position, past.ids], [whole.length, []]);
  const anchored = await query({ filter, anchor: whole[20], anchorOffset: -5, limit: 10 });
  assert.deepEqual([anchored.position, anchored.ids], [15, whole.slice(15, 25)]);
  const clamped = await query({ filter, anchor: whole[2], anchorOffset: -5, limit: 3 });
  assert.deepEqual([clamped.position, clamped.ids], [0, whole.slice(0, 3)], 'a position before the first is 0');
  const r = await calls(world, token, [['Email/query', { accountId, filter: { inMailbox: archiveId }, anchor: whole[20] }, 'a']]);
  assert.deepEqual(r.get('a'), ['error', { type: 'anchorNotFound', description: 'the anchor is not in the results' }]);
});

test('other sorts (receivedAt ascending, size) and collapseThreads, paged, equal the order computed from the Emails (RFC 8621 §4.4.2, §4.4.3)', async () => {
  const filter = { inMailbox: inboxId };
  const inInbox = emails.filter((e) => e.mailboxIds[inboxId]);
  const oldest = [...inInbox].sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || byId(a, b)).map((e) => e.id);
  assert.deepEqual(await paged({ filter, sort: [{ property: 'receivedAt', isAscending: true }] }, 8), oldest, 'ties by id ascending too');
  const largest = [...inInbox].sort((a, b) => b.size - a.size || byId(a, b)).map((e) => e.id);
  assert.deepEqual(await paged({ filter, sort: [{ property: 'size', isAscending: false }] }, 11), largest);
  const seen = new Set<string>();
  const heads = [...inInbox].sort(newestFirst).filter((e) => !seen.has(e.threadId) && seen.add(e.threadId));
  assert.ok(heads.length < inInbox.length, 'some threads have two Emails');
  assert.deepEqual(
    await paged({ filter, collapseThreads: true }, 6),
    heads.map((e) => e.id),
  );
});

test('a kept result ends with its view: a keyword set, a delivery and a move give a new queryState and the new order', async () => {
  const filter = { inMailbox: inboxId };
  const unseen = { operator: 'AND', conditions: [filter, { notKeyword: '$seen' }] };
  const before1 = await query({ filter, limit: 3, calculateTotal: true });
  const unseenBefore = await query({ filter: unseen, calculateTotal: true });
  const newest = (before1.ids as string[])[0]!;
  // A keyword set: the unseen list loses that Email; the plain list keeps its order.
  const set = await calls(world, token, [['Email/set', { accountId, update: { [newest]: { 'keywords/$seen': true } } }, 's']]);
  assert.deepEqual(Object.keys(set.get('s')![1].updated as object), [newest]);
  const unseenAfter = await query({ filter: unseen, calculateTotal: true });
  assert.notEqual(unseenAfter.queryState, unseenBefore.queryState);
  assert.equal(unseenAfter.total, (unseenBefore.total as number) - 1);
  assert.equal((unseenAfter.ids as string[]).includes(newest), false);
  const same = await query({ filter, limit: 3, calculateTotal: true });
  assert.deepEqual([same.ids, same.total], [before1.ids, before1.total]);
  assert.notEqual(same.queryState, before1.queryState);
  // A delivery newer than everything: first in the list, one more in the total.
  await append(inbox, [{ ...(await world.store.ingest(raw(99))), internalDate: new Date(BASE + 86_400_000).toISOString() }]);
  const after1 = await query({ filter, limit: 3, calculateTotal: true });
  assert.equal(after1.total, (before1.total as number) + 1);
  assert.deepEqual((after1.ids as string[]).slice(1), (before1.ids as string[]).slice(0, 2));
  assert.equal((await listAll()).length, emails.length + 1);
  // A move (RFC 8621 §4.6 mailboxIds): the folder lists, kept across keyword changes, follow rows that go and come.
  const archived = await query({ filter: { inMailbox: archiveId }, calculateTotal: true });
  const moved = (after1.ids as string[])[0]!;
  const m = await calls(world, token, [['Email/set', { accountId, update: { [moved]: { mailboxIds: { [archiveId]: true } } } }, 'm']]);
  assert.deepEqual(Object.keys(m.get('m')![1].updated as object), [moved]);
  const inboxNow = await query({ filter, limit: 3, calculateTotal: true });
  assert.deepEqual([inboxNow.ids, inboxNow.total], [before1.ids, before1.total]);
  const archiveNow = await query({ filter: { inMailbox: archiveId }, calculateTotal: true });
  assert.deepEqual(archiveNow.ids, [moved, ...(archived.ids as string[])]);
});
