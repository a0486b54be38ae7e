// Issue #17's topology as plain processes: two `mss serve` nodes (same configuration, their own
// ports and data directories) on one PostgreSQL and one S3 server (s3rver on loopback), with the
// national services they need played by the stand-ins in this test process (trust space, PSC).
// A message submitted to node 1 is seen by IDLE on node 2 (RFC 2177; RFC 9051 §7.4.1 EXISTS) and
// its body is an object of the bucket, not a file of either node; a mailbox suspended through
// node 1's admin API ends node 2's session with `* BYE` (R-AUTH-4). With S3 stopped, /readyz says
// 503 naming the blob store while /healthz stays 200, and submission answers 451 4.3.0 with
// nothing delivered (no 250 without the blob); both come back by themselves with S3.
// PostgreSQL only (several nodes share a database only there): skipped on SQLite.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { cibaToken, startPsc, type RunningPsc } from '@mss/psc';
import { silentLogger } from '@mss/runtime';
import { demoPersonas, seedDemo } from '@mss/seed';
import { Store } from '@mss/store';
import { startS3Server, type RunningS3Server } from '@mss/store/testing';
import { startTrust, type RunningTrust } from '@mss/trust';
import { isolatedDatabaseEnv } from './run-mss.ts';
import { ImapSession } from './support/imap-session.ts';
import { ADMIN_PASSWORD, startServeNode, writeOperatorFiles, type ServeNode } from './support/serve-node.ts';

const DOMAIN = 'operateur-n.mssante.fr';
const LOAD = fileURLToPath(new URL('./support/smtp_load.py', import.meta.url));
const run = promisify(execFile);
const personas = demoPersonas(DOMAIN).personas;
const persona = (key: string) => personas.find((p) => p.key === key)!;
const GP = persona('gp');
const SOPHIE = persona('cab-cotitulaire-2');
const PER = GP.mailboxes[0]!;
const CAB = SOPHIE.mailboxes[0]!;

const databaseUrl = isolatedDatabaseEnv().MSS_DATABASE_URL;
const skip = databaseUrl?.startsWith('postgres')
  ? false
  : 'several nodes share a database on PostgreSQL only (run under scripts/test-postgres.sh)';

describe('two mss serve nodes on one PostgreSQL and one S3 server', { skip }, () => {
  let dir: string;
  let s3: RunningS3Server;
  let store: Store;
  let psc: RunningPsc;
  let trust: RunningTrust;
  let node1: ServeNode;
  let node2: ServeNode;
  const token = async (idnat: string) => (await cibaToken({ pscUrl: psc.url, idnat })).access_token;

  /** One message from PER through smtplib; the reply to its last command. */
  async function submit(node: ServeNode, rcpt: string, subject: string): Promise<{ stage: string; code: number; text: string }> {
    const { stdout } = await run('python3', [LOAD, String(node.smtpSubmission), PER, await token(GP.idnat), rcpt, subject, '1'], {
      timeout: 120_000,
    });
    return JSON.parse(stdout.split('\n')[0]!) as { stage: string; code: number; text: string };
  }

  /** The bucket's keys, listed by an independent client (curl, SigV4: ListObjectsV2). */
  async function bucketKeys(): Promise<string[]> {
    const { accessKeyId, secretAccessKey } = s3.credentials;
    const { stdout } = await run('curl', [
      '-sS',
      '--fail',
      '--aws-sigv4',
      'aws:amz:us-east-1:s3',
      '--user',
      `${accessKeyId}:${secretAccessKey}`,
      // SigV4's payload hash, which S3 requires as a header: that of the empty body.
      '--header',
      `x-amz-content-sha256: ${createHash('sha256').digest('hex')}`,
      `${s3.endpoint}/${s3.bucket}?list-type=2&max-keys=1000`,
    ]);
    return [...stdout.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]!);
  }

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-two-nodes-'));
    s3 = await startS3Server();
    const blobEnv = {
      MSS_BLOB_STORE: `s3://${s3.bucket}/operator?endpoint=${s3.endpoint}&region=us-east-1&path_style=true`,
      MSS_BLOB_STORE_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      MSS_BLOB_STORE_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    };
    // The operator's database, made and seeded once (the nodes find it migrated); the PSC stand-in
    // knows the same persons from it.
    store = await Store.open({ databaseUrl, dataDir: path.join(dir, 'seed'), blobStore: s3.setting('operator/') });
    await seedDemo(store, DOMAIN);
    const logger = silentLogger();
    psc = await startPsc({ store, logger, host: '127.0.0.1', port: 0, dataDir: path.join(dir, 'psc') });
    trust = await startTrust({
      host: '127.0.0.1',
      port: 0,
      dataDir: path.join(dir, 'ans'),
      logger,
      operators: [{ name: 'Opérateur N', domains: [DOMAIN], mx: null }],
    });
    await writeOperatorFiles(dir, trust, DOMAIN);
    const config = { domain: DOMAIN, databaseUrl: databaseUrl!, trustUrl: trust.url, pscIssuer: psc.issuer };
    [node1, node2] = await Promise.all([
      startServeNode({ name: 'node1', dir, config, env: blobEnv }),
      startServeNode({ name: 'node2', dir, config, env: blobEnv }),
    ]);
  });
  after(async () => {
    const codes = await Promise.all([node1?.stop(), node2?.stop()]);
    await psc?.stop();
    await trust?.stop();
    await store?.close();
    await s3?.close();
    fs.rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(codes, [0, 0], 'both nodes drained and exited 0');
  });

  test('SMTP to node 1 → IDLE on node 2 sees EXISTS; the body is an object of the bucket, not a file of a node', async () => {
    const idler = await ImapSession.open(node2.imap, CAB, await token(SOPHIE.idnat));
    try {
      const exists = Number(/\* (\d+) EXISTS/.exec(await idler.command('s1', 'SELECT INBOX'))![1]);
      idler.send('i1 IDLE\r\n');
      await idler.until(/\+ [^\r]*\r\n/);
      const keysBefore = new Set(await bucketKeys());
      const reply = await submit(node1, CAB, 'de-node-1');
      assert.deepEqual([reply.stage, reply.code], ['data', 250], reply.text);
      await idler.until(new RegExp(`\\* ${exists + 1} EXISTS\\r\\n`));
      idler.send('DONE\r\n');
      await idler.until(/i1 OK [^\r]*\r\n/);

      // What node 2 serves is byte for byte the object node 1 put in the bucket, under its SHA-256.
      const fetched = await idler.command('f1', `FETCH ${exists + 1} BODY.PEEK[]`);
      const literal = /BODY\[\] \{(\d+)\}\r\n/.exec(fetched)!;
      const body = Buffer.from(fetched.slice(literal.index + literal[0].length).slice(0, Number(literal[1])), 'latin1');
      assert.match(body.toString('latin1'), /Subject: de-node-1-1\r\n/);
      const hash = createHash('sha256').update(body).digest('hex');
      const added = (await bucketKeys()).filter((k) => !keysBefore.has(k));
      assert.deepEqual(added, [`operator/sha256/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`]);
      for (const node of ['node1', 'node2']) {
        const blobs = path.join(dir, `data-${node}`, 'blobs', 'sha256');
        const files = fs.existsSync(blobs) ? fs.readdirSync(blobs, { recursive: true }).filter((f) => String(f).endsWith(hash)) : [];
        assert.deepEqual(files, [], `no copy of the body under ${node}'s data directory`);
      }
    } finally {
      idler.close();
    }
  });

  test('S3 stopped: /readyz 503 naming the blob store on both nodes, /healthz 200, SMTP 451 4.3.0 and nothing delivered', async () => {
    const ready = async (node: ServeNode) => {
      const res = await fetch(`${node.operations}/readyz`);
      const { workers, ...body } = (await res.json()) as {
        failing: string[];
        checks: Record<string, { status: string; error?: string }>;
        workers?: { ready: number; of: number };
      };
      // Each node runs its default number of workers (one per core): all of them serve.
      assert.ok(workers === undefined || (workers.of >= 1 && workers.ready === workers.of) || res.status !== 200, JSON.stringify(workers));
      return { status: res.status, body };
    };
    for (const node of [node1, node2])
      assert.deepEqual(await ready(node), {
        status: 200,
        body: {
          status: 'ready',
          failing: [],
          checks: {
            database: { what: 'postgres', status: 'ok' },
            blobs: { what: `s3://${s3.bucket}/operator/ at ${s3.endpoint}`, status: 'ok' },
          },
        },
      } as never);
    const reader = await ImapSession.open(node2.imap, PER, await token(GP.idnat));
    try {
      const count = async () => Number(/MESSAGES (\d+)/.exec(await reader.command('st', 'STATUS INBOX (MESSAGES)'))![1]);
      const before = await count();
      await s3.stop();
      try {
        for (const node of [node1, node2]) {
          const r = await ready(node);
          assert.equal(r.status, 503);
          assert.deepEqual(r.body.failing, ['blobs']);
          assert.equal(r.body.checks.database?.status, 'ok');
          assert.match(r.body.checks.blobs?.error ?? '', /^blob store s3:\/\/mss-blobs\/operator\/ at http:\/\/127\.0\.0\.1:\d+ failed/);
          assert.equal((await fetch(`${node.operations}/healthz`)).status, 200, 'liveness does not depend on S3');
        }
        const down = await submit(node1, PER, 'pendant');
        assert.deepEqual([down.stage, down.code], ['data', 451], down.text);
        assert.match(down.text, /^4\.3\.0 /, 'RFC 3463 X.3.0: try again later');
        assert.equal(await count(), before, 'no message without its body');
      } finally {
        await s3.restart();
      }
      for (const node of [node1, node2]) assert.equal((await ready(node)).status, 200, `${node.name} ready again once S3 is back`);
      const again = await submit(node2, PER, 'apres');
      assert.deepEqual([again.stage, again.code], ['data', 250], again.text);
      assert.equal(await count(), before + 1);
    } finally {
      reader.close();
    }
  });

  test('R-AUTH-4: a mailbox suspended through node 1 ends the IDLE session on node 2 with * BYE, unasked', async () => {
    const idler = await ImapSession.open(node2.imap, CAB, await token(SOPHIE.idnat));
    try {
      await idler.command('s1', 'SELECT INBOX');
      idler.send('i1 IDLE\r\n');
      await idler.until(/\+ [^\r]*\r\n/);
      const start = Date.now();
      const res = await fetch(`${node1.adminApi}/api/v1/mailboxes/${encodeURIComponent(CAB)}/status`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ status: 'suspended', reason: 'contrôle' }),
      });
      assert.equal(res.status, 200, await res.text());
      // No command is sent after IDLE: only the revocation notice crossing nodes can bring the BYE.
      const bye = await idler.until(/\* BYE [^\r]*\r\n/);
      assert.match(bye, /\* BYE [^\r]*suspend/i);
      console.log(`# BYE on node 2 ${Date.now() - start} ms after the suspension was asked of node 1`);
    } finally {
      idler.close();
    }
  });
});
