// `mss conformance` judged on known clients (issue #18): our own clients — the SDK's example LPS
// and examples, the Python demo scripts with ldapsearch and `mss psc token` — pass every shipped
// scenario, and a deliberately wrong LPS fails on exactly its five mistakes, no more, with the
// protocol excerpt that proves each, and no token anywhere in the report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PORT_BASE_ORDER } from '@mss/runtime';
import { freePortBase, isolatedDatabaseEnv, MSS_BIN } from '../../../apps/cli/test/run-mss.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const NODE = process.execPath;
const example = (name: string) => `"${NODE}" "${path.join(REPO, 'packages/client/examples', name)}"`;

interface Requirement {
  id: string;
  status: string;
  detail: string;
  evidence: string[];
}
interface Report {
  passed: boolean;
  scenarios: {
    scenario: { id: string };
    passed: boolean;
    failed: string[];
    requirements: Requirement[];
    expectations: { status: string }[];
  }[];
}

async function conformance(scenario: string, command: string): Promise<{ code: number | null; out: string; report: Report; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-conformance-'));
  const base = await freePortBase(PORT_BASE_ORDER.length + 5);
  const args = [MSS_BIN, 'conformance', '--scenario', scenario, '--run', command, '--data-dir', path.join(dir, 'data')];
  args.push('--port-base', String(base), '--proxy-port-base', String(base + PORT_BASE_ORDER.length), '--professionals', '200');
  args.push('--report-dir', path.join(dir, 'report'));
  const child = spawn(NODE, args, { env: { ...process.env, ...isolatedDatabaseEnv() } });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const report = JSON.parse(fs.readFileSync(path.join(dir, 'report', 'report.json'), 'utf8')) as Report;
  return { code, out, report, dir };
}

function noTokens(dir: string): void {
  for (const f of fs.readdirSync(path.join(dir, 'report'))) {
    assert.doesNotMatch(fs.readFileSync(path.join(dir, 'report', f), 'utf8'), /eyJ[A-Za-z0-9_-]{10,}\.eyJ/, `${f} holds a JWT`);
  }
}

test('the example LPS of @mss/client passes send-discharge-letter: exit 0, every expectation met, no requirement failed', async () => {
  const r = await conformance('send-discharge-letter', example('send-discharge-letter.ts'));
  assert.equal(r.code, 0, r.out);
  const s = r.report.scenarios[0]!;
  assert.equal(s.passed, true);
  assert.deepEqual(s.failed, []);
  assert.ok(s.expectations.every((e) => e.status === 'pass'));
  const pass = new Set(s.requirements.filter((q) => q.status === 'pass').map((q) => q.id));
  for (const id of ['TLS-1', 'AUTH-1', 'AUTH-2', 'SMTP-1', 'DOC-1', 'DOC-2', 'LDAP-1', 'FHIR-1', 'PSC-1', 'PSC-2'])
    assert.ok(pass.has(id), `${id} passes`);
  assert.ok(fs.existsSync(path.join(r.dir, 'report', 'send-discharge-letter.html')));
  noTokens(r.dir);
});

test('a deliberately wrong LPS is reported on exactly its mistakes (PLAIN, XOAUTH2 without Bearer, another mailbox, CODECDA mismatch and no X-MSS-INS, LDAP without limits)', async () => {
  const r = await conformance('send-discharge-letter', `"${NODE}" "${path.join(REPO, 'packages/conformance/test/support/wrong-lps.ts')}"`);
  assert.equal(r.code, 1, r.out);
  const s = r.report.scenarios[0]!;
  assert.deepEqual([...s.failed].sort(), ['AUTH-1', 'AUTH-2', 'DOC-1', 'LDAP-1', 'SMTP-1']);
  const req = (id: string) => s.requirements.find((q) => q.id === id)!;
  assert.match(req('AUTH-1').detail, /AUTH PLAIN/);
  assert.match(req('AUTH-2').detail, /auth= is not "Bearer <token>"/);
  assert.ok(
    req('AUTH-2').evidence.some((l) => l.includes('auth=<PSC token>')),
    'the offending response, token withheld',
  );
  assert.ok(req('SMTP-1').evidence.some((l) => l.includes('MAIL FROM:<cabinet.infirmiers-des-lilas@operateur-a.mssante.fr>')));
  assert.ok(req('DOC-1').evidence.some((l) => l.includes('codecda-mismatch')));
  assert.ok(req('DOC-1').evidence.some((l) => l.includes('ins-missing')));
  assert.ok(req('LDAP-1').evidence.some((l) => l.includes('sizeLimit=0 timeLimit=0')));
  assert.equal(req('TLS-1').status, 'pass');
  assert.equal(req('DOC-2').status, 'pass');
  assert.ok(
    s.expectations.every((e) => e.status === 'pass'),
    'it did the steps, wrongly',
  );
  const html = fs.readFileSync(path.join(r.dir, 'report', 'send-discharge-letter.html'), 'utf8');
  assert.match(html, /<tr id="AUTH-1"><td><span class="s fail">fail<\/span>/);
  noTokens(r.dir);
});

test('the demo clients (ldapsearch, mss psc token, mss xdm build, scripts/demo/send.py and read.py) pass send-discharge-letter', async () => {
  const r = await conformance('send-discharge-letter', path.join(REPO, 'packages/conformance/test/support/demo-send-discharge-letter.sh'));
  assert.equal(r.code, 0, r.out);
  assert.deepEqual(r.report.scenarios[0]!.failed, []);
});

for (const [scenario, file] of [
  ['cab-cotitulaire', 'read-cab-mailbox.ts'],
  ['reply-to-patient', 'reply-to-patient.ts'],
  ['delegated-mailbox', 'delegated-mailbox.ts'],
] as const) {
  test(`the SDK example ${file} passes ${scenario}`, async () => {
    const r = await conformance(scenario, example(file));
    assert.equal(r.code, 0, r.out);
    assert.deepEqual(r.report.scenarios[0]!.failed, []);
  });
}

test('a client that does nothing fails every expectation of the scenario, and the report says so', async () => {
  const r = await conformance('delegated-mailbox', 'true');
  assert.equal(r.code, 1);
  assert.deepEqual(r.report.scenarios[0]!.failed, ['expect:psc-token', 'expect:imap-login', 'expect:imap-read', 'expect:smtp-send']);
});
