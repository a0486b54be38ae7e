// Commits are acknowledged only once durable. On SQLite (synchronous = NORMAL) the WAL is
// fsynced on the thread pool after the commit: `transaction` and `groupTransaction` must not
// resolve before that fsync has completed; writes outside them are fsynced on the spot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Store } from '../src/store.ts';
import type { WalSync } from '../src/engine/wal-sync.ts';
import { openTestStore, ENGINE, person } from './harness.ts';

/** Holds every thread-pool fsync of the store's WAL until the test lets it go. */
function holdFsyncs(wal: WalSync): { started: () => number; release: () => void; fail: (err: Error) => void } {
  const held: { fd: number; cb: (err: NodeJS.ErrnoException | null) => void }[] = [];
  let started = 0;
  wal.fsync = (fd, cb) => {
    started++;
    held.push({ fd, cb });
  };
  return {
    started: () => started,
    release: () => {
      for (const { fd, cb } of held.splice(0)) fs.fsync(fd, cb);
    },
    fail: (err) => {
      for (const { cb } of held.splice(0)) cb(err);
    },
  };
}

/** Lets pending I/O and promise callbacks run until `cond` holds (no timing involved). */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (cond()) return;
    await new Promise<void>((r) => setImmediate(r));
  }
  assert.fail(`never: ${what}`);
}

function track<T>(p: Promise<T>): { settled: () => boolean; promise: Promise<T> } {
  let done = false;
  const promise = p.finally(() => {
    done = true;
  });
  promise.catch(() => {});
  return { settled: () => done, promise };
}

const idnat = (i: number): string => `8100000${String(30000 + i).padStart(5, '0')}`;

async function withStore(fn: (store: Store, wal: WalSync) => Promise<void>): Promise<void> {
  const { store, cleanup } = await openTestStore();
  try {
    await fn(store, store.walSync!);
  } finally {
    await cleanup();
  }
}

test(`durability on ${ENGINE}: durable() resolves`, async () => {
  const { store, cleanup } = await openTestStore();
  try {
    await store.transaction((tx) => tx.directory.upsertPersons([person(idnat(0), 'Durand', 'Ana')]));
    await store.durable();
    assert.equal((await store.directory.person(idnat(0)))?.last_name, 'Durand');
    assert.equal(store.walSync === undefined, ENGINE === 'postgres', 'a WAL to fsync on SQLite only');
  } finally {
    await cleanup();
  }
});

test('durability on sqlite: groupTransaction resolves only after the WAL fsync that follows its commit', {
  skip: ENGINE !== 'sqlite',
}, async () => {
  await withStore(async (store, wal) => {
    const hold = holdFsyncs(wal);
    const call = track(store.groupTransaction(async (tx) => tx.directory.upsertPersons([person(idnat(1), 'Petit', 'Jean')])));
    await until(() => hold.started() === 1, 'the fsync after the commit started');
    // Committed (visible to a reader) but not yet durable: the caller must still wait.
    assert.equal((await store.directory.person(idnat(1)))?.last_name, 'Petit');
    for (let i = 0; i < 50; i++) await new Promise<void>((r) => setImmediate(r));
    assert.equal(call.settled(), false, 'resolved before its fsync completed');
    hold.release();
    await call.promise;
    assert.equal(wal.stats.async, 1);
  });
});

test('durability on sqlite: transactions committed while an fsync is in flight share the next one', {
  skip: ENGINE !== 'sqlite',
}, async () => {
  await withStore(async (store, wal) => {
    const hold = holdFsyncs(wal);
    const first = track(store.transaction((tx) => tx.directory.upsertPersons([person(idnat(2), 'Roux', 'Léa')])));
    await until(() => hold.started() === 1, 'the first fsync started');
    const rest = [3, 4, 5, 6].map((i) => track(store.transaction((tx) => tx.directory.upsertPersons([person(idnat(i), 'Roux', 'Léa')]))));
    const groups = [7, 8].map((i) => track(store.groupTransaction((tx) => tx.directory.upsertPersons([person(idnat(i), 'Roux', 'Léa')]))));
    await until(() => store.groupStats.commits === 1, 'the group committed');
    for (const i of [3, 4, 5, 6, 8]) assert.ok(await store.directory.person(idnat(i)), 'committed');
    for (let i = 0; i < 50; i++) await new Promise<void>((r) => setImmediate(r));
    assert.equal(hold.started(), 1, 'no second fsync while the first is in flight');
    assert.ok(
      [first, ...rest, ...groups].every((c) => !c.settled()),
      'nobody resolved before an fsync',
    );
    hold.release();
    await first.promise;
    await until(() => hold.started() === 2, 'one more fsync for all the later commits');
    assert.ok(
      [...rest, ...groups].every((c) => !c.settled()),
      'the first fsync began before their commits: it does not count for them',
    );
    hold.release();
    await Promise.all([...rest, ...groups].map((c) => c.promise));
    assert.deepEqual(wal.stats, { async: 2, sync: wal.stats.sync });
  });
});

test('durability on sqlite: a write outside a transaction is fsynced before it returns', { skip: ENGINE !== 'sqlite' }, async () => {
  await withStore(async (store, wal) => {
    const hold = holdFsyncs(wal);
    let syncs = 0;
    wal.fsyncSync = (fd) => {
      syncs++;
      fs.fsyncSync(fd);
    };
    await store.directory.upsertPersons([person(idnat(9), 'Blanc', 'Luc')]);
    assert.equal(syncs, 1, 'one fsync on the spot');
    await store.directory.person(idnat(9));
    assert.equal(syncs, 1, 'none for a read');
    assert.equal(hold.started(), 0);
    // And nothing is left for durable() to do.
    await store.durable();
    assert.equal(hold.started(), 0);
  });
});

test('durability on sqlite: a failed fsync fails its waiters and every later commit', { skip: ENGINE !== 'sqlite' }, async () => {
  await withStore(async (store, wal) => {
    const hold = holdFsyncs(wal);
    const call = track(store.groupTransaction((tx) => tx.directory.upsertPersons([person(idnat(10), 'Noir', 'Eve')])));
    await until(() => hold.started() === 1, 'the fsync started');
    hold.fail(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    await assert.rejects(call.promise, /fsync of .*-wal failed: EIO/);
    await assert.rejects(
      store.transaction((tx) => tx.directory.upsertPersons([person(idnat(11), 'Noir', 'Eve')])),
      /fsync of .*-wal failed/,
    );
    await assert.rejects(store.durable(), /fsync of .*-wal failed/);
  });
});

test(`durability on ${ENGINE}: a commit before anything was ever written (no WAL yet) is durable at once`, async () => {
  const { store, cleanup } = await openTestStore({ migrate: false });
  try {
    assert.equal(await store.transaction(async () => 'nothing written'), 'nothing written');
    await store.durable();
    // And the first real write still works (and is fsynced) afterwards.
    await store.migrate();
    await store.transaction((tx) => tx.directory.upsertPersons([person(idnat(12), 'Vert', 'Ida')]));
    assert.equal((await store.directory.person(idnat(12)))?.last_name, 'Vert');
  } finally {
    await cleanup();
  }
});
