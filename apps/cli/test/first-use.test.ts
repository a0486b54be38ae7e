// The rough edges a new user met (issue 19), each as the user met it: the `mss` command run in a
// fresh directory, without a sandbox unless the edge needs one (those are in sandbox.test.ts and
// trust-space.e2e.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PORT_BASE_ORDER, SERVICE_PORTS } from '@mss/runtime';
import { MSS_BIN, freePortBase, isolatedDatabaseEnv, mss } from './run-mss.ts';

/** `mss …` in a new empty working directory, with no MSS_DATA_DIR: the defaults a newcomer gets. */
function mssIn(cwd: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, ...isolatedDatabaseEnv() };
  delete env.MSS_DATA_DIR;
  const r = spawnSync(process.execPath, [MSS_BIN, ...args], { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const emptyDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mss-first-use-'));

test('mss access check with no sandbox: one "mss:" line, exit 1, and no store is created', () => {
  const cwd = emptyDir();
  const r = mssIn(cwd, ['access', 'check', '--token', 'x.y.z', '--mailbox', 'paul.martin@operateur-a.mssante.fr']);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(
    r.stderr,
    /^mss: there is no store at .+ \(nothing was created\): start "mss sandbox" first, or point --data-dir \(or --database-url\) at its store\n$/,
  );
  if (!process.env.MSS_DATABASE_URL) assert.ok(r.stderr.includes(path.join(cwd, '.mss-data', 'mss.sqlite')), r.stderr);
  assert.deepEqual(fs.readdirSync(cwd), [], 'nothing written in the working directory');
});

test('mss queue list with no sandbox: the same line, nothing created, for either operator', () => {
  const cwd = emptyDir();
  for (const operator of ['a', 'b']) {
    const r = mssIn(cwd, ['queue', 'list', '--operator', operator]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^mss: there is no store at .+ \(nothing was created\)/);
    assert.equal(r.stderr.split('\n').length, 2, 'one line');
  }
  assert.deepEqual(fs.readdirSync(cwd), []);
});

test("--data-dir /proc/x fails in one line instead of hanging (Node's recursive mkdir loops there)", {
  skip: !fs.existsSync('/proc/self'),
}, async () => {
  const migrate = mss(['db', 'migrate', '--data-dir', '/proc/x'], isolatedDatabaseEnv());
  assert.equal(migrate.status, 1, `status ${migrate.status}: ${migrate.stderr}`);
  assert.match(migrate.stderr, /^mss: (data|blob) directory \/proc\/x\S* is not writable \(ENOENT\)\n$/);
  const sandbox = mss(['sandbox', '--data-dir', '/proc/x', '--port-base', String(await freePortBase())], isolatedDatabaseEnv());
  assert.equal(sandbox.status, 1, `status ${sandbox.status}: ${sandbox.stderr}`);
  assert.match(sandbox.stderr, /^mss: (data|blob) directory \/proc\/x\S* is not writable \(ENOENT\)\n$/, 'one line, no log before it');
});

test('mss psc token checks the IdNat before asking Pro Santé Connect, and says what is wrong (R-ID-1)', () => {
  // Port 1: nothing listens there, so any answer below was given without the PSC.
  const cases: [string, string][] = [
    ['123', 'mss: --idnat: IdNat PS 123: must start with 8 (RPPS), 0 (ADELI) or 3 (FINESS staff)\n'],
    ['810000001057', 'mss: --idnat: IdNat PS 810000001057: RPPS 10000001057: check digit should be 6 (Luhn)\n'],
    ['8100000010a6', 'mss: --idnat: IdNat PS 8100000010a6: RPPS 100000010a6: must contain digits only\n'],
    ['279035121518989', "mss: --idnat: 279035121518989 is a patient's INS; Pro Santé Connect knows professionals, by IdNat\n"],
  ];
  for (const [idnat, line] of cases) {
    const r = mss(['psc', 'token', '--idnat', idnat, '--psc', 'http://127.0.0.1:1']);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, line);
  }
  const valid = mss(['psc', 'token', '--idnat', '810000001056', '--psc', 'http://127.0.0.1:1']);
  assert.equal(valid.status, 1);
  assert.match(valid.stderr, /^mss: cannot reach Pro Santé Connect at http:\/\/127\.0\.0\.1:1/, 'a valid IdNat goes on to the PSC');
});

test('mss bal … --as <IdNat> checks the IdNat the same way', () => {
  const r = mss(['bal', 'list', '--as', '810000001057', '--api', 'http://127.0.0.1:1']);
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'mss: --as: IdNat PS 810000001057: RPPS 10000001057: check digit should be 6 (Luhn)\n');
});

test('mss sandbox --help lists every default port, from the one table of ports', () => {
  const r = mss(['sandbox', '--help']);
  assert.equal(r.status, 0);
  const help = r.stdout.replace(/\s+/g, ' ');
  assert.equal(PORT_BASE_ORDER.length, Object.keys(SERVICE_PORTS).length);
  for (const key of PORT_BASE_ORDER)
    assert.ok(help.includes(` ${key} ${SERVICE_PORTS[key]}`), `${key} ${SERVICE_PORTS[key]} in: ${r.stdout}`);
});
