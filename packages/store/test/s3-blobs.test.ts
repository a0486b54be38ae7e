// Message bodies in an S3-compatible bucket (issue #17): a real S3 server (s3rver, a child
// process on loopback storing files) reached over HTTP with the AWS SDK, checked by an
// independent client (curl --aws-sigv4). Content-addressed keys; nothing visible before
// commit; an unreachable store is an error the caller can answer with 451 4.3.0 (no partial
// object, nothing left in the spool).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import type { MssError } from '@mss/runtime';
import { S3BlobStore, blobKey } from '../src/index.ts';
import { startS3Server, type RunningS3Server } from '../src/testing.ts';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let s3: RunningS3Server;
let spoolDir: string;
let blobs: S3BlobStore;
before(async () => {
  s3 = await startS3Server();
  spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-s3-spool-'));
  // No read cache: every read below goes to the server.
  blobs = new S3BlobStore(s3.setting('node-a/'), { spoolDir, cacheBytes: 0, connectTimeoutMs: 2000, requestTimeoutMs: 10_000 });
});
after(async () => {
  await blobs.close();
  await s3.close();
  fs.rmSync(spoolDir, { recursive: true, force: true });
});

/** The object as an independent client reads it: curl, signing with SigV4 itself. */
function curlGet(key: string): { status: number; body: Buffer } {
  const out = execFileSync('curl', [
    '-s',
    '--aws-sigv4',
    'aws:amz:us-east-1:s3',
    '--user',
    `${s3.credentials.accessKeyId}:${s3.credentials.secretAccessKey}`,
    // The payload hash of an empty body (S3 wants the header on every request).
    '-H',
    `x-amz-content-sha256: ${sha(Buffer.alloc(0))}`,
    '-w',
    '\n%{http_code}',
    `${s3.endpoint}/${s3.bucket}/${key}`,
  ]);
  const cut = out.lastIndexOf(0x0a);
  return { status: Number(out.subarray(cut + 1).toString()), body: out.subarray(0, cut) };
}

test('s3 blobs: content-addressed keys under the prefix, read back whole and by range, identical bodies once', async () => {
  const body = Buffer.from('Subject: hello\r\n\r\nbody\r\n');
  const a = await blobs.put(body);
  const b = await blobs.put(body.toString());
  assert.deepEqual(a, { hash: sha(body), size: body.length });
  assert.deepEqual(b, a);
  assert.equal(blobs.keyOf(a.hash), `node-a/sha256/${a.hash.slice(0, 2)}/${a.hash.slice(2, 4)}/${a.hash}`);
  assert.equal(blobKey(a.hash), blobs.keyOf(a.hash).slice('node-a/'.length));
  const seen = curlGet(blobs.keyOf(a.hash));
  assert.equal(seen.status, 200);
  assert.ok(seen.body.equals(body), 'curl reads the same bytes');
  assert.ok((await blobs.get(a.hash)).equals(body));
  assert.equal(await blobs.has(a.hash), true);
  assert.equal((await blobs.readRange(a.hash, 9, 5)).toString(), 'hello');
  assert.equal((await blobs.readRange(a.hash, body.length - 2, 100)).toString(), '\r\n', 'a range over the end is cut');
  assert.equal((await blobs.readRange(a.hash, body.length + 10, 100)).length, 0, 'a range past the end is empty');
  assert.equal(await text(blobs.createReadStream(a.hash, { start: 18, end: 21 })), 'body');
  assert.equal(blobs.localPath(), undefined, 'IMAP reads through the store, not a file');
  const missing = '0'.repeat(64);
  assert.equal(await blobs.has(missing), false);
  await assert.rejects(blobs.get(missing), (e: MssError) => e.code === 'BLOB_MISSING');
  await assert.rejects(text(blobs.createReadStream(missing)), (e: MssError) => e.code === 'BLOB_MISSING');
  await assert.rejects(blobs.get('../../etc/passwd'), /not a blob hash/);
  await blobs.check();
});

test('s3 blobs: a body written in pieces is in the bucket only after commit, spilled bodies too, the spool left empty', async () => {
  const small = await blobs.writer();
  await small.write(Buffer.from('tiny '));
  await small.write(Buffer.from('body'));
  assert.equal(small.heldBytes()!.toString(), 'tiny body');
  const tinyHash = sha(Buffer.from('tiny body'));
  assert.equal(curlGet(blobs.keyOf(tinyHash)).status, 404, 'nothing in the bucket before commit');
  assert.equal((await small.commit()).hash, tinyHash);
  assert.equal(curlGet(blobs.keyOf(tinyHash)).status, 200);

  // Beyond the memory limit: spooled to a local file, streamed to the bucket at commit.
  const big = randomBytes(300_000);
  const w = await blobs.writer(64 * 1024);
  for (let i = 0; i < big.length; i += 50_000) await w.write(big.subarray(i, i + 50_000));
  assert.equal(w.heldBytes(), null);
  assert.equal(fs.readdirSync(spoolDir).length, 1);
  assert.equal(curlGet(blobs.keyOf(sha(big))).status, 404);
  const ref = await w.commit();
  assert.deepEqual(ref, { hash: sha(big), size: big.length });
  assert.ok(curlGet(blobs.keyOf(ref.hash)).body.equals(big));
  assert.ok((await blobs.get(ref.hash)).equals(big));
  assert.deepEqual(fs.readdirSync(spoolDir), []);

  const aborted = await blobs.writer(2);
  await aborted.write(Buffer.from('never stored'));
  await aborted.abort();
  assert.deepEqual(fs.readdirSync(spoolDir), []);
  assert.equal(await blobs.has(sha(Buffer.from('never stored'))), false);
});

test('s3 blobs: an unreachable store fails the commit (BLOB_STORE_UNAVAILABLE), leaves nothing, and works again once back', async () => {
  await s3.stop();
  try {
    const body = randomBytes(2000);
    await assert.rejects(blobs.put(body), (e: MssError) => e.code === 'BLOB_STORE_UNAVAILABLE');
    const w = await blobs.writer(100);
    await w.write(body);
    await assert.rejects(w.commit(), (e: MssError) => e.code === 'BLOB_STORE_UNAVAILABLE');
    assert.deepEqual(fs.readdirSync(spoolDir), [], 'the spooled body is removed');
    await assert.rejects(blobs.check());
  } finally {
    await s3.restart();
  }
  const ok = await blobs.put('after the outage');
  assert.equal((await blobs.get(ok.hash)).toString(), 'after the outage');
  // Objects written before the outage are still there (s3rver keeps files).
  assert.equal((await blobs.get(sha(Buffer.from('tiny body')))).toString(), 'tiny body');
});
