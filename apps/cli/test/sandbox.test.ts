import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PORT_BASE_ORDER } from '@mss/runtime';
import { MIGRATIONS } from '@mss/store';
import { exitOf, firstLine, freePortBase, isolatedDatabaseEnv, mss, spawnMss } from './run-mss.ts';

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mss-sandbox-test-'));

interface Ready {
  ready: boolean;
  endpoints: Record<string, string>;
  personas: { key: string; role: string; idnat: string; name: string; mailboxes: string[] }[];
}

test('mss sandbox --json prints one ready line, serves, and stops cleanly on SIGINT', async () => {
  const dataDir = tmpDir();
  const base = await freePortBase();
  const child = spawnMss(
    ['sandbox', '--json', '--data-dir', dataDir, '--port-base', String(base), '--professionals', '300'],
    isolatedDatabaseEnv(),
  );
  try {
    const line = await firstLine(child);
    const ready = JSON.parse(line) as Ready;
    assert.equal(ready.ready, true);
    assert.equal(ready.endpoints.adminApi, `http://127.0.0.1:${base}`);
    for (const url of Object.values(ready.endpoints)) assert.match(url, /^[a-z]+:\/\/127\.0\.0\.1:\d+(\/[\w./-]*)?$/);
    // The webmail (issue #16) on the operator's HTTP server: its login page, in French.
    assert.equal(ready.endpoints.webmail, `http://127.0.0.1:${base}/webmail`);
    const webmail = await fetch(ready.endpoints.webmail as string);
    assert.equal(webmail.status, 200);
    assert.match(await webmail.text(), /<html lang="fr">[\s\S]*Se connecter avec Pro Santé Connect/);
    assert.equal(ready.endpoints.jmap, `${ready.endpoints.adminApi}/.well-known/jmap`);
    const keys = ready.personas.map((p) => p.key);
    for (const k of ['gp', 'cab-owner', 'cab-cotitulaire', 'secretary', 'hospital-admin', 'patient'])
      assert.ok(keys.includes(k), `persona ${k}`);
    for (const p of ready.personas) {
      assert.equal(typeof p.idnat, 'string');
      assert.ok(Array.isArray(p.mailboxes));
    }
    const health = await fetch(`${ready.endpoints.adminApi}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), {
      status: 'ok',
      database: process.env.MSS_DATABASE_URL ? 'postgres' : 'sqlite',
      operatorDomain: 'operateur-a.mssante.fr',
    });
    const missing = await fetch(`${ready.endpoints.adminApi}/no-such-thing`);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    const info = (await (await fetch(`${ready.endpoints.adminApi}/sandbox`)).json()) as Ready;
    assert.deepEqual(info.endpoints, ready.endpoints);
    // The trust space's CA for the demo's TLS clients, in the data dir (README "Try it").
    const ca = await (await fetch(`${ready.endpoints.trust}/pki/ca.pem`)).text();
    assert.match(ca, /^-----BEGIN CERTIFICATE-----/);
    assert.equal(fs.readFileSync(path.join(dataDir, 'ca.pem'), 'utf8'), ca);
    child.kill('SIGINT');
    assert.equal(await exitOf(child), 0);
    // The first start seeded the directory once; a marker says so, with its figures.
    const marker = JSON.parse(fs.readFileSync(path.join(dataDir, 'seeded.json'), 'utf8')) as { persons: number };
    assert.ok(marker.persons > 300);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('a port in use: one clear line and a non-zero exit', async () => {
  const base = await freePortBase();
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(base, '127.0.0.1', r));
  try {
    const child = spawnMss(
      ['sandbox', '--json', '--data-dir', tmpDir(), '--port-base', String(base), '--professionals', '0'],
      isolatedDatabaseEnv(),
    );
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await exitOf(child);
    assert.equal(code, 1);
    assert.equal(stdout, '', 'no ready line');
    const lines = stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('mss: '));
    assert.deepEqual(lines, [
      `mss: port ${base} on 127.0.0.1 is already in use (adminApi); stop the other program or pick other ports with --port-base`,
    ]);
    assert.doesNotMatch(stderr, / {4}at /, 'no stack trace');
  } finally {
    blocker.close();
  }
});

test('a port of the second operator in use: its own name, one line, and nothing seeded or logged before', async () => {
  const base = await freePortBase();
  const imapB = base + PORT_BASE_ORDER.indexOf('imapB');
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(imapB, '127.0.0.1', r));
  const dataDir = path.join(tmpDir(), 'not-yet');
  try {
    const r = mss(
      ['sandbox', '--json', '--data-dir', dataDir, '--port-base', String(base), '--professionals', '300'],
      isolatedDatabaseEnv(),
    );
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      `mss: port ${imapB} on 127.0.0.1 is already in use (imapB); stop the other program or pick other ports with --port-base\n`,
    );
    assert.equal(fs.existsSync(dataDir), false, 'the data directory was not even created, let alone seeded');
  } finally {
    blocker.close();
  }
});

test('an unwritable data directory: one clear line and a non-zero exit', () => {
  const file = path.join(tmpDir(), 'a-file');
  fs.writeFileSync(file, '');
  const r = mss(['sandbox', '--data-dir', file, '--port-base', '1'], { MSS_DATABASE_URL: '' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^mss: data directory .*a-file is not writable \((EEXIST|ENOTDIR)\)$/m);
  assert.doesNotMatch(r.stderr, / {4}at /);
});

test('a bad MSS_DATABASE_URL: one clear line and a non-zero exit', () => {
  const r = mss(['db', 'migrate', '--data-dir', tmpDir()], { MSS_DATABASE_URL: 'mysql://x@127.0.0.1/y' });
  assert.equal(r.status, 2);
  assert.equal(
    r.stderr,
    'mss: MSS_DATABASE_URL scheme "mysql:" is not supported: use postgres://… for PostgreSQL, or leave it unset for the embedded SQLite\n',
  );
  const down = mss(['db', 'migrate', '--data-dir', tmpDir()], { MSS_DATABASE_URL: 'postgres://u:secret@127.0.0.1:1/db' });
  assert.equal(down.status, 1);
  assert.match(down.stderr, /^mss: cannot use PostgreSQL at 127\.0\.0\.1:1\/db: connection refused/);
  assert.doesNotMatch(down.stderr, /secret/);
});

test('mss db migrate applies once, then reports up to date', () => {
  const dir = tmpDir();
  const env = { MSS_DATABASE_URL: '' };
  const first = mss(['db', 'migrate', '--data-dir', dir], env);
  assert.equal(first.status, 0, first.stderr);
  const names = MIGRATIONS.map((m) => m.name);
  assert.match(first.stdout, new RegExp(`applied ${names.length} migration\\(s\\) .*${names.join(', ')}`));
  const second = mss(['db', 'migrate', '--data-dir', dir], env);
  assert.match(second.stdout, new RegExp(`is up to date \\(${names.at(-1)}\\)`));
});
