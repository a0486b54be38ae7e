// The account view's Emails (src/email-index.ts) after rows come and go: a view made from the last
// one (only the Emails whose rows changed made again; the sorted list and the threads carried
// over) must be the view a fresh index makes of the same folders, after appends (a reply joining a
// thread), an expunge, a copy and a move. On the store the tests run on (SQLite, or PostgreSQL
// with MSS_DATABASE_URL).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AccessControl } from '@mss/access';
import { seedDemo } from '@mss/seed';
import type { FolderHandle, MailboxScope, NewMessage, Store } from '@mss/store';
import { openTestStore } from '@mss/store/testing';
import { type AccountView, EmailIndexes } from '../src/email-index.ts';
import { D, GP, PER } from './support/world.ts';

let store: Store;
let cleanup: () => Promise<void>;
let scope: MailboxScope;
let inbox: FolderHandle;
let archive: FolderHandle;

const BASE = Date.UTC(2026, 4, 1, 8, 0, 0);

function raw(i: number, replyTo?: number): Buffer {
  const reply = replyTo === undefined ? '' : `In-Reply-To: <ix-${replyTo}@example.org>\r\n`;
  return Buffer.from(
    `From: a${i}@operateur-b.mssante.fr\r\nTo: ${PER}\r\nSubject: ${reply ? 'RE: ' : ''}Sujet ${replyTo ?? i}\r\n` +
      `Message-ID: <ix-${i}@example.org>\r\n${reply}\r\nCorps ${i}.\r\n`,
  );
}

async function append(folder: FolderHandle, items: { i: number; replyTo?: number; minute: number }[]): Promise<void> {
  const messages: NewMessage[] = [];
  for (const it of items) {
    messages.push({ ...(await store.ingest(raw(it.i, it.replyTo))), internalDate: new Date(BASE + it.minute * 60_000).toISOString() });
  }
  await folder.transaction((f) => f.appendMessages(messages));
}

async function uidsOf(folder: FolderHandle): Promise<number[]> {
  return (await folder.index()).map((r) => r.uid);
}

/** What a view says of its Emails, in a form to compare. */
function described(view: AccountView) {
  const emails = [...view.emails.values()]
    .map((e) => ({
      id: e.id,
      hash: e.hash,
      threadId: e.threadId,
      receivedAt: e.receivedAt,
      rows: e.rows.map((r) => `${r.folderId}/${r.uid}`),
    }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  const threads = [...view.threads].map(([t, list]) => [t, list.map((e) => e.id)] as const).sort(([a], [b]) => (a < b ? -1 : 1));
  return { emails, newest: view.newestFirst().map((e) => e.id), threads };
}

const kept = new EmailIndexes();

/** The kept index's view (derived from its last one) against a fresh index's, after a change. */
async function assertSameAsFresh(what: string): Promise<void> {
  const derivedBefore = kept.stats.derived;
  const view = await kept.view(scope);
  assert.equal(kept.stats.derived, derivedBefore + 1, `${what}: made from the last view`);
  assert.deepEqual(described(view), described(await new EmailIndexes().view(scope)), what);
}

before(async () => {
  ({ store, cleanup } = await openTestStore());
  await seedDemo(store, D);
  const access = new AccessControl({ store, publicBaseUrl: 'http://127.0.0.1:8080' });
  const d = await access.decide({ principal: { kind: 'person', idnat: GP }, mailbox: PER, action: 'read', channel: 'system' });
  assert.ok(d.allowed);
  scope = d.scope;
  await scope.ensureFolder('INBOX');
  await scope.ensureFolder('Archive');
  inbox = (await scope.openFolder('INBOX'))!;
  archive = (await scope.openFolder('Archive'))!;
  await append(
    inbox,
    Array.from({ length: 30 }, (_, i) => ({ i, minute: i })),
  );
  // The first view, with its sorted list and threads made: what the next ones carry over.
  const first = await kept.view(scope);
  first.newestFirst();
  void first.threads;
  assert.equal(kept.stats.built, 1);
});

after(async () => {
  await cleanup?.();
});

test('appends, a reply joining a thread among them, give the Emails a fresh index finds', async () => {
  await append(inbox, [
    { i: 30, minute: 40 },
    { i: 31, replyTo: 4, minute: 41 },
    { i: 32, minute: 2 },
  ]);
  await assertSameAsFresh('after appends');
});

test('an expunge, a copy (an Email in two folders, received earlier there) and a move give the same Emails as a fresh index', async () => {
  const uids = await uidsOf(inbox);
  await inbox.transaction((f) => f.expunge([uids[3]!]));
  await assertSameAsFresh('after an expunge');
  // Bytes already in INBOX, appended to Archive with an earlier date: the Email's receivedAt moves.
  await append(archive, [{ i: 10, minute: -60 }]);
  await assertSameAsFresh('after a copy received earlier');
  await inbox.transaction(async (f) => {
    await f.copyTo([uids[20]!], archive);
    await f.expunge([uids[20]!]);
  });
  await assertSameAsFresh('after a move');
  const sets = kept.stats.built;
  await inbox.transaction((f) => f.setFlags([uids[5]!], ['\\Seen']));
  await kept.view(scope);
  assert.equal(kept.stats.built, sets, 'a keyword change keeps the Emails');
});
