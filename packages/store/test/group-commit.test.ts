import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore, ENGINE, person } from './harness.ts';

test(`group commit on ${ENGINE}: concurrent calls share a transaction; one that throws is rolled back alone`, async () => {
  const { store, cleanup } = await openTestStore();
  try {
    const ids = Array.from({ length: 20 }, (_, i) => `8100000${String(20000 + i).padStart(5, '0')}`);
    const results = await Promise.allSettled(
      ids.map((idnat, i) =>
        store.groupTransaction(async (tx) => {
          await tx.directory.upsertPersons([person(idnat, `Nom${i}`, 'Prénom')]);
          if (i % 5 === 3) throw new Error(`refused ${i}`);
          return i;
        }),
      ),
    );
    assert.deepEqual(store.groupStats, { commits: 1, calls: 20 }, 'calls made in one turn share one commit');
    results.forEach((r, i) => {
      if (i % 5 === 3) assert.equal(r.status === 'rejected' && (r.reason as Error).message, `refused ${i}`);
      else assert.deepEqual(r, { status: 'fulfilled', value: i });
    });
    for (const [i, idnat] of ids.entries()) {
      const p = await store.directory.person(idnat);
      assert.equal(p !== undefined, i % 5 !== 3, `${idnat}: written iff its call succeeded`);
    }
    // A later call after the batch drained starts a new one.
    assert.equal(await store.groupTransaction(async () => 'again'), 'again');
  } finally {
    await cleanup();
  }
});

test(`group commit on ${ENGINE}: a call alone that throws after writing leaves nothing, and the next batches commit`, async () => {
  const { store, cleanup } = await openTestStore();
  try {
    // Alone in its batch (PostgreSQL then runs it without a savepoint: its failure is the transaction's).
    await assert.rejects(
      store.groupTransaction(async (tx) => {
        await tx.directory.upsertPersons([person('810000030001', 'Seul', 'Refusé')]);
        throw new Error('refused alone');
      }),
      /refused alone/,
    );
    assert.equal(await store.directory.person('810000030001'), undefined, 'its write was rolled back');
    // The first and the last of a batch failing (the savepoint is rolled back to, then used again).
    const results = await Promise.allSettled(
      ['810000030002', '810000030003', '810000030004'].map((idnat, i) =>
        store.groupTransaction(async (tx) => {
          await tx.directory.upsertPersons([person(idnat, `Nom${i}`, 'Prénom')]);
          if (i !== 1) throw new Error(`refused ${i}`);
          return i;
        }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'fulfilled', 'rejected'],
    );
    assert.equal(await store.directory.person('810000030002'), undefined);
    assert.equal((await store.directory.person('810000030003'))?.last_name, 'Nom1');
    assert.equal(await store.directory.person('810000030004'), undefined);
    // The connections went back to the pool outside any transaction: a later batch commits.
    assert.equal(
      await store.groupTransaction(async (tx) => {
        await tx.directory.upsertPersons([person('810000030005', 'Après', 'Prénom')]);
        return 'after';
      }),
      'after',
    );
    assert.equal((await store.directory.person('810000030005'))?.last_name, 'Après');
  } finally {
    await cleanup();
  }
});
