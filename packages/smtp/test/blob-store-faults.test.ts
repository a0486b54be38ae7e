// The blob store failing under submission (issue #17): a 250 is never given without the body
// durable in the blob store. S3 unreachable → 451 4.3.0 (RFC 3463 X.3.0, "other or undefined
// mail system status"; try again later), nothing delivered; the store back → 250 again. A full
// disk under the file store → 452 4.3.1 (RFC 5321 §4.2.3 452 "insufficient system storage",
// RFC 3463 X.3.1 "mail system full"), no partial blob visible. Sent with Python's smtplib.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startS3Server, type RunningS3Server } from '@mss/store/testing';
import { GP, PER, ORG, startSmtpWorld, type SmtpWorld } from './support/smtp-world.ts';
import { message } from './support/conversation.ts';

const SCRIPT = fileURLToPath(new URL('./support/smtplib_send.py', import.meta.url));
const run = promisify(execFile);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-blob-faults-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

async function send(w: SmtpWorld, subject: string, body: string): Promise<[number, string]> {
  const file = path.join(dir, `${subject}.eml`);
  fs.writeFileSync(file, message(PER, ORG, subject, body));
  const { stdout } = await run('python3', [SCRIPT, String(w.smtp.port), PER, await w.token(GP), file, ORG], { timeout: 60_000 });
  const out = JSON.parse(stdout) as { data: [number, string] };
  return out.data;
}

describe('S3 blob store unreachable', () => {
  let s3: RunningS3Server;
  let w: SmtpWorld;
  before(async () => {
    s3 = await startS3Server();
    w = await startSmtpWorld({}, { blobStore: s3.setting() });
  });
  after(async () => {
    await w.close();
    await s3.close();
  });

  test('250 only once the body is in the bucket; 451 4.3.0 while S3 is down, nothing delivered; 250 again once it is back', async () => {
    const [code, text] = await send(w, 'avant', 'stored in S3\r\n');
    assert.equal(code, 250, text);
    const [first] = await w.inbox(ORG);
    assert.ok(first);
    // The body is an object of the bucket, as s3rver keeps it: a file under its directory.
    const key = `sha256/${first.blob_hash.slice(0, 2)}/${first.blob_hash.slice(2, 4)}/${first.blob_hash}`;
    assert.ok(fs.existsSync(path.join(s3.directory, s3.bucket, `${key}._S3rver_object`)), 'object in the bucket');
    assert.match(await w.blob(first.blob_hash), /stored in S3/);

    await s3.stop();
    try {
      const [down, downText] = await send(w, 'pendant', 'not stored\r\n');
      assert.equal(down, 451, downText);
      assert.match(downText, /^4\.3\.0 /);
      assert.equal((await w.inbox(ORG)).length, 1, 'no message without its body');
      assert.deepEqual(w.blobTemporaries(), [], 'nothing left in the spool');
    } finally {
      await s3.restart();
    }
    const [again, againText] = await send(w, 'apres', 'stored again\r\n');
    assert.equal(again, 250, againText);
    assert.equal((await w.inbox(ORG)).length, 2);
  });
});

/** A tmpfs of `size` mounted on `dir`; undefined where this process may not mount (not root). */
function mountTmpfs(dir: string, size: string): (() => void) | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return () => execFileSync('umount', [dir], { stdio: 'ignore' });
}

describe('file blob store full', () => {
  let w: SmtpWorld;
  let unmount: (() => void) | undefined;
  before(async () => {
    w = await startSmtpWorld();
    // The blobs directory on a tiny file system of its own (the database stays where it was).
    const blobs = path.join(w.dataDir, 'blobs');
    unmount = mountTmpfs(blobs, '128k');
    if (unmount) fs.mkdirSync(path.join(blobs, 'tmp'));
  });
  after(async () => {
    unmount?.();
    await w.close();
  });

  test('452 4.3.1 when the body does not fit, no partial blob visible; a small one still fits', async (t) => {
    if (!unmount) return t.skip('needs root to mount a small tmpfs (CI runs as root)');
    const before = (await w.inbox(ORG)).length;
    const [code, text] = await send(w, 'trop-gros', `${'x'.repeat(998)}\r\n`.repeat(300));
    assert.equal(code, 452, text);
    assert.match(text, /^4\.3\.1 Insufficient system storage/);
    assert.equal((await w.inbox(ORG)).length, before, 'nothing delivered');
    assert.deepEqual(w.blobTemporaries(), [], 'no temporary file left');
    const stored = path.join(w.dataDir, 'blobs', 'sha256');
    const files = fs.existsSync(stored) ? fs.readdirSync(stored, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()) : [];
    assert.deepEqual(files, [], 'no blob in place');
    const [small, smallText] = await send(w, 'petit', 'fits\r\n');
    assert.equal(small, 250, smallText);
    assert.equal((await w.inbox(ORG)).length, before + 1);
  });
});
