// Blob commits through the worker pool (the default) and through fs callbacks (syncWorkers 0):
// same files, same failures, nothing left in tmp/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileBlobStore } from '../src/blobs/file-store.ts';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

for (const syncWorkers of [3, 0]) {
  const how = syncWorkers > 0 ? `${syncWorkers} sync workers` : 'fs callbacks';

  test(`blobs (${how}): concurrent commits are all in place, whole, and identical bodies stored once`, async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-blobs-test-'));
    const blobs = new FileBlobStore(root, { syncWorkers });
    try {
      const bodies = Array.from({ length: 40 }, (_, i) => (i % 10 === 9 ? Buffer.from('same body') : randomBytes(20_000 + i)));
      const refs = await Promise.all(
        bodies.map(async (b, i) => {
          const w = await blobs.writer();
          // In pieces, as SMTP DATA arrives; a Buffer of its own and pooled small ones alike.
          await w.write(b.subarray(0, i));
          await w.write(b.subarray(i));
          return w.commit();
        }),
      );
      refs.forEach((r, i) => assert.deepEqual(r, { hash: sha(bodies[i]!), size: bodies[i]!.length }));
      for (const [i, r] of refs.entries()) assert.ok((await blobs.get(r.hash)).equals(bodies[i]!));
      assert.deepEqual(fs.readdirSync(path.join(root, 'tmp')), []);
      if (blobs.syncPool) assert.ok(blobs.syncPool.workers <= syncWorkers);
    } finally {
      await blobs.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test(`blobs (${how}): a commit that cannot be placed fails and leaves nothing behind`, async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-blobs-test-'));
    const blobs = new FileBlobStore(root, { syncWorkers });
    try {
      const body = Buffer.from('no room for me');
      const hash = sha(body);
      // A file where the fan-out directory should be.
      fs.mkdirSync(path.join(root, 'sha256'), { recursive: true });
      fs.writeFileSync(path.join(root, 'sha256', hash.slice(0, 2)), 'in the way');
      // The worker (blobs/sync-worker.ts) reports the errno code as fs does on the main thread.
      await assert.rejects(blobs.put(body), (err: NodeJS.ErrnoException) => /^(EEXIST|ENOTDIR)$/.test(err.code ?? ''));
      assert.deepEqual(fs.readdirSync(path.join(root, 'tmp')), []);
      assert.equal(await blobs.has(hash), false);
      // The store goes on working for other blobs.
      const ok = await blobs.put('fine');
      assert.equal((await blobs.get(ok.hash)).toString(), 'fine');
    } finally {
      await blobs.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
}

test('blobs: once closed, a commit is refused', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-blobs-test-'));
  const blobs = new FileBlobStore(root, { syncWorkers: 2 });
  await blobs.put('before');
  await blobs.close();
  await assert.rejects(blobs.put('after'), /closed/);
  fs.rmSync(root, { recursive: true, force: true });
});

test('blob sync workers stop once idle, and start again on the next commit', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-blobs-test-'));
  const { BlobSyncPool } = await import('../src/blobs/sync-pool.ts');
  const pool = new BlobSyncPool(3, 50);
  const job = (name: string) => ({
    tmp: path.join(root, `${name}.tmp`),
    final: path.join(root, name),
    dir: root,
    ensureDir: false,
    data: randomBytes(1000),
  });
  try {
    await Promise.all(['a', 'b', 'c', 'd'].map((n) => pool.run(job(n))));
    assert.ok(pool.workers >= 1 && pool.workers <= 3, `${pool.workers} workers`);
    for (const end = Date.now() + 20_000; pool.workers > 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
    assert.equal(pool.workers, 0, 'idle workers stopped');
    await pool.run(job('e'));
    assert.ok(fs.existsSync(path.join(root, 'e')));
    assert.equal(pool.workers, 1);
  } finally {
    await pool.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
