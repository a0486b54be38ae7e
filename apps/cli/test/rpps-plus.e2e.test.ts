// The RPPS+ portal in `mss sandbox` (endpoint `rppsPlus`), scripted with `mss rpps` as the
// README's "Try it" plays story 2's first half (domain reference §7, R-ENR-1): a request, a
// validation by someone else refused, the employer's validation (an RPPS), the notice delay, the
// e-CPS after which `mss psc token --idnat 8<RPPS>` works, an end date in the past refused, and
// the situation ended; the Annuaire's FHIR API shows her. Delays: 1 s each (MSS_RPPS_PLUS_*).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkRpps } from '@mss/domain';
import { PORT_BASE_ORDER } from '@mss/runtime';
import { exitOf, firstLine, freePortBase, isolatedDatabaseEnv, mss, spawnMss } from './run-mss.ts';

const GP = '810000001056';
const NURSE = '810000001130';

let child: ChildProcessWithoutNullStreams;
let base: number;
let env: NodeJS.ProcessEnv;
let endpoints: Record<string, string>;
const port = (key: (typeof PORT_BASE_ORDER)[number]) => base + PORT_BASE_ORDER.indexOf(key);
const cli = (...args: string[]) => mss([...args, '--port-base', String(base)], env);

before(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-rpps-e2e-'));
  base = await freePortBase();
  env = { ...isolatedDatabaseEnv(), MSS_RPPS_PLUS_NOTICE_DELAY: '1s', MSS_RPPS_PLUS_ECPS_DELAY: '1s' };
  child = spawnMss(['sandbox', '--json', '--data-dir', dataDir, '--port-base', String(base), '--professionals', '100'], env);
  endpoints = (JSON.parse(await firstLine(child)) as { endpoints: Record<string, string> }).endpoints;
});
after(async () => {
  child.kill('SIGINT');
  assert.equal(await exitOf(child), 0);
});

/** Polls a CLI command until its output matches (the portal's delays run on the clock). */
async function until(args: string[], re: RegExp): Promise<string> {
  const end = Date.now() + 60_000;
  for (;;) {
    const r = cli(...args);
    if (re.test(r.stdout)) return r.stdout;
    if (Date.now() > end) assert.fail(`mss ${args.join(' ')} never matched ${re}:\n${r.stdout}${r.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

test('the sandbox runs the RPPS+ portal at its --port-base place; its home page is French', async () => {
  assert.equal(endpoints.rppsPlus, `http://127.0.0.1:${port('rppsPlus')}`);
  const home = await fetch(endpoints.rppsPlus as string);
  assert.equal(home.status, 200);
  assert.match(await home.text(), /S'identifier avec FranceConnect[\s\S]*Se connecter avec Pro Santé Connect/);
});

test('mss rpps: request, validate (only by her employer), RPPS, e-CPS, PSC token, end date in the past refused, end now', async () => {
  const made = cli(
    'rpps',
    'request',
    '--employer',
    GP.slice(1),
    '--last-name',
    'SANTONI',
    '--first-names',
    'Marie-Ange',
    '--birth-date',
    '1985-06-30',
  );
  assert.equal(made.status, 0, made.stderr);
  const id = /^request (\d+) pending \(Cabinet du Dr Martin, employer 810000001056\)$/m.exec(made.stdout)?.[1];
  assert.ok(id, made.stdout);

  const again = cli(
    'rpps',
    'request',
    '--employer',
    GP,
    '--last-name',
    'SANTONI',
    '--first-names',
    'Marie-Ange',
    '--birth-date',
    '1985-06-30',
  );
  assert.equal(again.status, 1);
  assert.match(again.stderr, /déjà une demande en attente auprès de Paul Martin.*\(duplicate-request\)/);
  const unknown = cli(
    'rpps',
    'request',
    '--employer',
    '19999999998',
    '--last-name',
    'X',
    '--first-names',
    'Y',
    '--birth-date',
    '1990-01-01',
  );
  assert.match(unknown.stderr, /\(unknown-professional\)/);

  const other = cli('rpps', 'validate', id, '--idnat', NURSE);
  assert.equal(other.status, 1);
  assert.match(other.stderr, /seul l’employeur qu’elle désigne peut la traiter\. \(not-your-request\)/);

  const validated = cli('rpps', 'validate', id, '--idnat', GP);
  assert.equal(validated.status, 0, validated.stderr);
  const rpps = /validated: RPPS (\d{11}) \(IdNat 8\1\)/.exec(validated.stdout)?.[1];
  assert.ok(rpps && checkRpps(rpps).ok, validated.stdout);
  const idnat = `8${rpps}`;

  // The Annuaire's FHIR API knows her.
  const fhir = await fetch(`${endpoints.annuaireHttp}/fhir/v2/Practitioner?identifier=${idnat}`, {
    headers: { 'ESANTE-API-KEY': 'mss-sandbox-esante-api-key' },
  });
  assert.match(await fhir.text(), /"family":"SANTONI"/);

  await until(['rpps', 'show', id], new RegExp(`validated: IdNat ${idnat}`));
  const activated = cli('rpps', 'activate-ecps', id);
  assert.equal(activated.status, 0, activated.stderr);
  const token = await until(['psc', 'token', '--idnat', idnat], /^eyJ/);
  const claims = JSON.parse(Buffer.from(token.trim().split('.')[1] as string, 'base64url').toString()) as { SubjectNameID: string };
  assert.equal(claims.SubjectNameID, idnat);

  const past = cli('rpps', 'end-situation', id, '--idnat', GP, '--date', '2020-01-01');
  assert.equal(past.status, 1);
  assert.match(past.stderr, /La date de fin \(2020-01-01\) est passée.*\(end-date-in-past\)/);
  const ended = cli('rpps', 'end-situation', id, '--idnat', GP);
  assert.equal(ended.status, 0, ended.stderr);
  assert.match(ended.stdout, new RegExp(`situation rpps-plus-${id} of ${idnat} ends \\d{4}-\\d{2}-\\d{2}`));
  const history = cli('rpps', 'show', id, '--idnat', GP);
  assert.match(history.stdout, /requested[\s\S]*validated[\s\S]*rpps-assigned[\s\S]*ecps-requested[\s\S]*ended/);
});
