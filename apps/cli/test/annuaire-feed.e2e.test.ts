// The national directory in `mss sandbox`, end to end: a mailbox created at operator A with
// `mss bal create` reaches the Annuaire through A's outbox and feed, and Anne Lambert's PER at
// operator B through B's full declaration at start; both are then found over the Annuaire's
// FHIR API and with OpenLDAP's ldapsearch. Clients run asynchronously.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exitOf, firstLine, freePortBase, isolatedDatabaseEnv, MSS_BIN, spawnMss } from './run-mss.ts';

const LDAPSEARCH = '/usr/bin/ldapsearch';
const API_KEY = 'mss-sandbox-esante-api-key';
const A = 'operateur-a.mssante.fr';
const GP = '810000001056';
const ANNE = '810000001635';

let child: ChildProcessWithoutNullStreams;
let base: number;
let env: NodeJS.ProcessEnv;
let endpoints: Record<string, string>;

function run(file: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, ...extraEnv }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** Asks again until `check` holds: the feed and the LDAP snapshot run on their own clocks. */
async function eventually<T>(what: string, probe: () => Promise<T>, check: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const v = await probe();
    if (check(v)) return v;
    if (Date.now() > deadline) assert.fail(`${what}: still not so after 60 s (last: ${JSON.stringify(v).slice(0, 500)})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function practitionerMailboxes(idnat: string): Promise<string[]> {
  const res = await fetch(`${endpoints.annuaireHttp}/fhir/v2/Practitioner/${idnat}`, { headers: { 'ESANTE-API-KEY': API_KEY } });
  assert.equal(res.status, 200);
  return (((await res.json()) as { telecom?: { value: string }[] }).telecom ?? []).map((t) => t.value);
}

function ldap(filter: string) {
  return run(LDAPSEARCH, ['-x', '-LLL', '-H', endpoints.annuaireLdap!, '-b', 'ou=bal,o=mssante,c=fr', filter, 'mail', 'typeBAL']);
}

before(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-annuaire-e2e-'));
  base = await freePortBase();
  env = isolatedDatabaseEnv();
  child = spawnMss(['sandbox', '--json', '--data-dir', dataDir, '--port-base', String(base), '--professionals', '400'], env);
  endpoints = (JSON.parse(await firstLine(child)) as { endpoints: Record<string, string> }).endpoints;
});
after(async () => {
  child.kill('SIGINT');
  assert.equal(await exitOf(child), 0);
});

test('the Annuaire listens on annuaireHttp with its FHIR base and LDAP on annuaireLdap', () => {
  assert.equal(endpoints.annuaireHttp, `http://127.0.0.1:${base + 2}`);
  assert.equal(endpoints.annuaireLdap, `ldap://127.0.0.1:${base + 5}`);
});

test('a PER created at operator A with mss bal create is found over FHIR and LDAP', async () => {
  const address = `paul.martin.bagnolet@${A}`;
  const created = await run(
    process.execPath,
    [MSS_BIN, 'bal', 'create', address, '--type', 'PER', '--as', 'gp', '--port-base', String(base), '--json'],
    env,
  );
  assert.equal(created.code, 0, created.stderr);
  await eventually(
    'FHIR shows the new PER on Dr Martin',
    () => practitionerMailboxes(GP),
    (m) => m.includes(address),
  );
  if (!fs.existsSync(LDAPSEARCH)) return;
  const found = await eventually(
    'ldapsearch finds it',
    () => ldap(`(mail=${address})`),
    (r) => r.stdout.includes(`mail: ${address}`),
  );
  assert.match(found.stdout, /typeBAL: PER/);
});

test("Anne Lambert's PER at operator B, declared at start, is found over FHIR and LDAP", async () => {
  const anne = 'anne.lambert@operateur-b.mssante.fr';
  assert.ok((await practitionerMailboxes(ANNE)).includes(anne));
  const res = await fetch(`${endpoints.annuaireHttp}/fhir/v2/PractitionerRole?mailbox-mss=${encodeURIComponent(anne)}`, {
    headers: { 'ESANTE-API-KEY': API_KEY },
  });
  assert.equal(((await res.json()) as { total: number }).total, 1);
  if (!fs.existsSync(LDAPSEARCH)) return;
  await eventually(
    "ldapsearch finds Anne's PER",
    () => ldap('(sn=Lambert)'),
    (r) => r.stdout.includes(`mail: ${anne}`),
  );
});

test('mss annuaire resolve: the mailbox to use, with why; errors are one clear line', async () => {
  const mssRun = (...args: string[]) => run(process.execPath, [MSS_BIN, 'annuaire', 'resolve', ...args, '--port-base', String(base)], env);
  const anne = await mssRun('--professional', ANNE, '--city', 'bagnolet');
  assert.equal(anne.code, 0, anne.stderr);
  assert.match(anne.stdout, /→ anne\.lambert@operateur-b\.mssante\.fr \(PER\)/);
  assert.match(anne.stdout, /why: /);
  const json = await mssRun('--professional', ANNE, '--json');
  assert.equal(JSON.parse(json.stdout).mailbox.address, 'anne.lambert@operateur-b.mssante.fr');
  const elsewhere = await mssRun('--professional', ANNE, '--postal-code', '13001');
  assert.equal(elsewhere.code, 1);
  assert.match(elsewhere.stdout, /no mailbox chosen \(no-match\)[\s\S]*anne\.lambert@/);
  const unknown = await mssRun('--professional', '899999999999');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^mss: the Annuaire answered 404: /);
  const usage = await run(process.execPath, [MSS_BIN, 'annuaire', 'resolve', '--port-base', String(base)], env);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--professional is required/);
});

test('issue 8, done when: a CAB made through the admin API shows on its owner (FHIR, LDAP, extraction), never on its cotitulaire; liste rouge takes it out of all three', async () => {
  const CLAIRE = '810000001130';
  const SOPHIE = '810000001395';
  const cab = `cabinet.soins-bagnolet@${A}`;
  const bal = (...args: string[]) => run(process.execPath, [MSS_BIN, 'bal', ...args, '--port-base', String(base)], env);
  const created = await bal('create', cab, '--type', 'CAB', '--as', 'cab-owner', '--description', 'Cabinet de soins de Bagnolet');
  assert.equal(created.code, 0, created.stderr);
  const added = await bal('cotitulaire', 'add', cab, SOPHIE, '--as', 'cab-owner');
  assert.equal(added.code, 0, added.stderr);

  const extractionLines = async (): Promise<string[]> => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-extraction-'));
    try {
      const res = await fetch(`${endpoints.annuaireHttp}/extractions/latest`, { headers: { 'ESANTE-API-KEY': API_KEY } });
      assert.equal(res.status, 200);
      const zip = path.join(dir, 'e.zip');
      fs.writeFileSync(zip, Buffer.from(await res.arrayBuffer()));
      const out = await run('unzip', ['-p', zip]);
      assert.equal(out.code, 0, out.stderr);
      return out.stdout.split(/\r?\n/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  const canUnzip = fs.existsSync('/usr/bin/unzip');

  await eventually(
    'FHIR shows the CAB on Claire, its owner',
    () => practitionerMailboxes(CLAIRE),
    (m) => m.includes(cab),
  );
  assert.ok(!(await practitionerMailboxes(SOPHIE)).includes(cab), 'never on the cotitulaire');
  if (fs.existsSync(LDAPSEARCH)) {
    const found = await eventually(
      'ldapsearch finds the CAB',
      () => ldap(`(mail=${cab})`),
      (r) => r.stdout.includes(`mail: ${cab}`),
    );
    assert.match(found.stdout, /typeBAL: CAB/);
    assert.equal(found.stdout.split('dn: ').length - 1, 1, 'one entry');
  }
  if (canUnzip) {
    const rows = (await extractionLines()).filter((l) => l.includes(cab));
    assert.equal(rows.length, 1, 'one line in the extraction');
    assert.ok(rows[0]!.includes(CLAIRE.slice(1)) || rows[0]!.includes(CLAIRE), 'on the owner’s identification');
    assert.ok(!rows[0]!.includes(SOPHIE.slice(1)), 'not on the cotitulaire’s');
  }

  const red = await bal('liste-rouge', cab, 'on', '--as', 'cab-owner');
  assert.equal(red.code, 0, red.stderr);
  await eventually(
    'FHIR no longer shows it',
    () => practitionerMailboxes(CLAIRE),
    (m) => !m.includes(cab),
  );
  if (fs.existsSync(LDAPSEARCH))
    await eventually(
      'ldapsearch no longer finds it',
      () => ldap(`(mail=${cab})`),
      (r) => r.code === 0 && !r.stdout.includes(cab),
    );
  if (canUnzip)
    assert.deepEqual(
      (await extractionLines()).filter((l) => l.includes(cab)),
      [],
      'not in the next extraction',
    );
});

test('issue 8, done when: (sn=Martin) over LDAP stops at 100 entries with sizeLimitExceeded when there are more', async () => {
  if (!fs.existsSync(LDAPSEARCH)) return;
  // The sandbox here holds 400 professionals: a filter that matches every mailbox stands in for a common name.
  const r = await run(LDAPSEARCH, ['-x', '-LLL', '-H', endpoints.annuaireLdap!, '-b', 'ou=bal,o=mssante,c=fr', '(mail=*)', 'mail']);
  assert.equal(r.code, 4, `ldapsearch exit 4 = sizeLimitExceeded (${r.stderr.trim()})`);
  assert.match(r.stderr, /Size limit exceeded/i);
  assert.equal(r.stdout.split('dn: ').length - 1, 100);
});
