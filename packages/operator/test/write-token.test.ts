// The write token of the workers of one SQLite file (issue #17): real processes under a real
// node:cluster primary, on one store file, with SQLite's busy timeout at 0 so that two writers
// meeting in SQLite would fail at once (SQLITE_BUSY) rather than wait — every write landing shows
// the token kept them apart; a worker killed while it holds the token does not block the others.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import cluster, { type Worker } from 'node:cluster';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { Store } from '@mss/store';
import { WriteTokenGranter } from '../src/write-token.ts';

const FIXTURE = fileURLToPath(new URL('./support/write-token-worker.ts', import.meta.url));
let dir: string;
let store: Store;
const granter = new WriteTokenGranter();

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-write-token-'));
  // Always SQLite: the token is for the processes of one SQLite file (PostgreSQL ignores it).
  store = await Store.open({ dataDir: dir, databaseUrl: undefined });
  cluster.setupPrimary({ exec: FIXTURE, execArgv: [], silent: false });
});
after(async () => {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function fork(env: Record<string, string>): Worker {
  const worker = cluster.fork({ WRITE_TOKEN_DIR: dir, ...env });
  granter.attach(worker);
  return worker;
}

function message<T>(worker: Worker, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: Record<string, unknown>) => {
      if (!(key in m)) return;
      worker.off('message', onMessage);
      resolve(m as T);
    };
    worker.on('message', onMessage);
    worker.once('exit', (code) => reject(new Error(`worker exited (${code}) before "${key}"`)));
  });
}

async function rows(prefix: string): Promise<number> {
  const r = await sql<{ n: number }>`select count(*) as n from bus_events where payload like ${`${prefix}%`}`.execute(store.kysely);
  return Number(r.rows[0]?.n);
}

function stop(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    if (worker.isDead()) return resolve();
    worker.once('exit', () => resolve());
    worker.process.kill('SIGKILL');
  });
}

test('two worker processes writing at once through the token: every write lands, none meets SQLITE_BUSY', { timeout: 60_000 }, async () => {
  const workers = [
    fork({ WRITE_TOKEN_ROLE: 'writer', WRITES: '60', TAG: 'a' }),
    fork({ WRITE_TOKEN_ROLE: 'writer', WRITES: '60', TAG: 'b' }),
  ];
  try {
    await Promise.all(workers.map((w) => message(w, 'ready')));
    const done = workers.map((w) => message<{ ok: number; errors: string[] }>(w, 'done'));
    for (const w of workers) w.send({ go: true });
    const [a, b] = await Promise.all(done);
    assert.deepEqual(a!.errors, []);
    assert.deepEqual(b!.errors, []);
    assert.equal(a!.ok + b!.ok, 120);
    // Two rows per transaction, all committed.
    assert.equal(await rows('a:'), 120);
    assert.equal(await rows('b:'), 120);
    assert.ok(granter.granted >= 2, `the token passed between the workers (${granter.granted} grants)`);
  } finally {
    await Promise.all(workers.map(stop));
  }
});

test('a worker killed while it holds the token: the next in line gets it, and the dead one’s write is not there', {
  timeout: 60_000,
}, async () => {
  const holder = fork({ WRITE_TOKEN_ROLE: 'holder' });
  const writer = fork({ WRITE_TOKEN_ROLE: 'writer', WRITES: '10', TAG: 'after-kill' });
  try {
    await Promise.all([message(holder, 'holding'), message(writer, 'ready')]);
    // The writer asks for the token (held by the holder) before the holder dies.
    const asked = new Promise<void>((resolve) =>
      writer.on('message', (m: { type?: string; op?: string }) => m.type === 'mss:write-token' && m.op === 'ask' && resolve()),
    );
    const done = message<{ ok: number; errors: string[] }>(writer, 'done');
    writer.send({ go: true });
    await asked;
    await stop(holder);
    const outcome = await done;
    assert.deepEqual(outcome.errors, []);
    assert.equal(await rows('after-kill:'), 20);
    assert.equal(await rows('holder'), 0, 'the killed holder’s transaction was never committed');
  } finally {
    await Promise.all([holder, writer].map(stop));
  }
});
