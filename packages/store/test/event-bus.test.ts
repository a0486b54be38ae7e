// The store's event bus between two processes' stores on one database (issue #17): here two
// stores of one process, each with its own connection as another process would have it
// (PostgreSQL LISTEN/NOTIFY; SQLite's polled bus_events table). A publisher's own listeners are
// called at once and once; the other store's when the event arrives; unknown input is dropped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../src/index.ts';
import { openTestStore, ENGINE } from './harness.ts';

let a: Store;
let b: Store;
let cleanup: () => Promise<void>;
before(async () => {
  let dataDir: string;
  let databaseUrl: string | undefined;
  ({ store: a, dataDir, databaseUrl, cleanup } = await openTestStore({ crossProcessEvents: true }));
  b = await Store.open({ dataDir, databaseUrl, migrate: false, crossProcessEvents: true });
});
after(async () => {
  await b.close();
  await cleanup();
});

const next = (store: Store, topic: 'revocation' | 'folder-changed'): Promise<unknown> =>
  new Promise((resolve) => {
    const off = store.bus.subscribe(topic, (d) => {
      off();
      resolve(d);
    });
  });

test(`event bus on ${ENGINE}: an event published by one store reaches the other's listeners, and its own once`, async () => {
  assert.equal(a.bus.kind, ENGINE);
  const own: unknown[] = [];
  const offOwn = a.bus.subscribe('revocation', (d) => own.push(d));
  const arrived = next(b, 'revocation');
  const event = { kind: 'mailbox-status-changed', mailboxId: 7, status: 'suspended' };
  a.bus.publish('revocation', event);
  assert.deepEqual(own, [event], 'the publisher’s listener, synchronously');
  assert.deepEqual(await arrived, event);
  // Folder changes feed `store.events` (IMAP IDLE, JMAP push) in the other store.
  const changed = new Promise((resolve) => b.events.once('folder-changed', resolve));
  a.notifyFolderChanged(42);
  assert.equal(await changed, 42);
  // The publisher's own echo is not delivered a second time.
  const marker = next(a, 'revocation');
  b.bus.publish('revocation', { kind: 'cgu-published', version: 'v9' });
  assert.deepEqual(await marker, { kind: 'cgu-published', version: 'v9' });
  assert.equal(own.length, 2, 'the first event once, then b’s');
  offOwn();
});

test(`event bus on ${ENGINE}: without crossProcessEvents on SQLite, this process only`, async (t) => {
  if (ENGINE !== 'sqlite') return t.skip('PostgreSQL stores use LISTEN/NOTIFY by default');
  const { store, cleanup: done } = await openTestStore();
  try {
    assert.equal(store.bus.kind, 'local');
    const got: unknown[] = [];
    store.bus.subscribe('queue', (d) => got.push(d));
    store.bus.publish('queue', null);
    assert.deepEqual(got, [null]);
  } finally {
    await done();
  }
});
