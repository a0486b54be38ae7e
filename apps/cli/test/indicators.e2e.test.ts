// The Ségur indicators end to end (R-IND-1, R-CAB-8, §12 story 1): messages exchanged in the
// sandbox through the API LPS with Python's smtplib (scripts/demo/send.py), then `mss indicators
// export` (CSV and JSON) and `GET /api/v1/indicators` with curl must give exactly the rows those
// messages make — for the operator's administrator every row, for a professional their own.
// Runs on SQLite, and on PostgreSQL under scripts/test-postgres.sh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { indicatorPeriod, indicatorsCsv, type IndicatorRow } from '@mss/domain';
import { exitOf, firstLine, freePortBase, isolatedDatabaseEnv, mss, spawnMss } from './run-mss.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const D = 'operateur-a.mssante.fr';
const GP = '810000001056';
const CLAIRE = '810000001130';
const SOPHIE = '810000001395';
const JULIE = '810000001478';
const CAB = `cabinet.infirmiers-des-lilas@${D}`;
const PER = `paul.martin@${D}`;
const ORG = `cardiologie.ch-lilas@${D}`;
const PATIENT = '279035121518989@patient.mssante.fr';

let child: ChildProcessWithoutNullStreams;
let base: number;
let dataDir: string;
let env: NodeJS.ProcessEnv;
let endpoints: Record<string, string>;
let personas: { key: string; idnat: string }[];
const cli = (...args: string[]) => mss([...args, '--port-base', String(base), '--data-dir', dataDir], env);
const psc = (...args: string[]) => mss([...args, '--port-base', String(base)], env);

before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-indicators-e2e-'));
  base = await freePortBase();
  env = isolatedDatabaseEnv();
  child = spawnMss(['sandbox', '--json', '--data-dir', dataDir, '--port-base', String(base), '--professionals', '200'], env);
  const ready = JSON.parse(await firstLine(child)) as { endpoints: Record<string, string>; personas: { key: string; idnat: string }[] };
  endpoints = ready.endpoints;
  personas = ready.personas;
});
after(async () => {
  child.kill('SIGINT');
  assert.equal(await exitOf(child), 0);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** One message through the API LPS, as an LPS sends it: STARTTLS, XOAUTH2 with the person's PSC token. */
async function send(
  idnat: string,
  from: string,
  to: string,
  subject: string,
  headers: string[] = [],
  attach: string[] = [],
): Promise<void> {
  const token = psc('psc', 'token', '--idnat', idnat);
  assert.equal(token.status, 0, token.stderr);
  const smtp = endpoints.smtpSubmission!.replace('smtp://', '');
  const args = [path.join(REPO, 'scripts/demo/send.py'), '--smtp', smtp, '--ca', path.join(dataDir, 'ca.pem')];
  args.push('--token', token.stdout.trim(), '--user', from, '--to', to, '--subject', subject);
  for (const h of headers) args.push('--header', h);
  for (const f of attach) args.push('--attach', f);
  const { stdout } = await promisify(execFile)('python3', args, { encoding: 'utf8', timeout: 60_000 });
  assert.match(stdout, /accepted/);
}

type Expected = [idnat: string, mailbox: string, type: string, indicator: string, code: string, value: number];
const key = (r: IndicatorRow): Expected => [r.idnat, r.mailbox, r.mailboxType, r.indicator, r.code, r.value];

test('story 1 and a delegate: the export counts Sophie (not Claire) for the CAB’s answer, Julie (not Dr Martin) for the delegated PER', {
  timeout: 300_000,
}, async () => {
  const nathalie = personas.find((p) => p.key === 'hospital-admin')!.idnat;
  const month = indicatorPeriod(new Date());
  // The hospital (its ORG mailbox, Dr Girard acting) sends a discharge letter, a CDA in IHE_XDM, announced by the Ref. #2 headers.
  // The archive is built as a vendor would, with `mss xdm build` from the shipped synthetic letter (R-DOC-2 checks it).
  const xdm = path.join(dataDir, 'IHE_XDM.ZIP');
  const built = mss(['xdm', 'build', '--cda', path.join(REPO, 'packages/xdm/samples/lettre-de-liaison-11490-0.xml'), '--out', xdm]);
  assert.equal(built.status, 0, built.stderr);
  await send(nathalie, ORG, CAB, 'Lettre de liaison de sortie', ['X-MSS-CODECDA: 11490-0', 'X-MSS-INS: O', 'X-MSS-NIL: DEV935997'], [xdm]);
  // Sophie answers from the practice's CAB mailbox; Julie writes from Dr Martin's PER (his delegate); Dr Martin writes to a patient.
  await send(SOPHIE, CAB, ORG, 'Re: Lettre de liaison de sortie');
  await send(JULIE, PER, CAB, 'Rendez-vous de suivi');
  await send(GP, PER, PATIENT, 'Vos résultats');

  const hospital = (JSON.parse(cli('bal', 'show', ORG, '--admin', '--json').stdout) as { ownerIdnat: string }).ownerIdnat;
  const expected: Expected[] = [
    [nathalie, ORG, 'ORG', 'messages-sent', '', 1],
    [nathalie, ORG, 'ORG', 'messages-sent-with-cda', '', 1],
    [nathalie, ORG, 'ORG', 'messages-sent-by-document-type', '11490-0', 1],
    [nathalie, ORG, 'ORG', 'messages-sent-with-qualified-ins', '', 1],
    [SOPHIE, CAB, 'CAB', 'messages-sent', '', 1],
    [SOPHIE, CAB, 'CAB', 'messages-sent-without-cda', '', 1],
    [JULIE, PER, 'PER', 'messages-sent', '', 1],
    [JULIE, PER, 'PER', 'messages-sent-without-cda', '', 1],
    [GP, PER, 'PER', 'messages-sent', '', 1],
    [GP, PER, 'PER', 'messages-sent-without-cda', '', 1],
    [GP, PER, 'PER', 'messages-sent-to-mes', '', 1],
    // Received: once per copy, for the mailbox's holder of record (the CAB's owner, the hospital).
    [CLAIRE, CAB, 'CAB', 'messages-received', '', 2],
    [CLAIRE, CAB, 'CAB', 'messages-received-with-cda', '', 1],
    [CLAIRE, CAB, 'CAB', 'messages-received-without-cda', '', 1],
    [CLAIRE, CAB, 'CAB', 'messages-received-by-document-type', '11490-0', 1],
    [CLAIRE, CAB, 'CAB', 'messages-received-with-qualified-ins', '', 1],
    [hospital, ORG, 'ORG', 'messages-received', '', 1],
    [hospital, ORG, 'ORG', 'messages-received-without-cda', '', 1],
  ];
  const sortKey = (e: Expected): string => e.join('\u0000');
  const sorted = (rows: Expected[]): Expected[] => [...rows].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));

  // The operator's administrator: every row, in JSON…
  const json = cli('indicators', 'export', '--month', month, '--format', 'json', '--admin');
  assert.equal(json.status, 0, json.stderr);
  const report = JSON.parse(json.stdout) as { period: string; operator: string; scope: string; rows: IndicatorRow[] };
  assert.deepEqual([report.period, report.operator, report.scope], [month, D, 'operator']);
  assert.deepEqual(sorted(report.rows.map(key)), sorted(expected), 'exactly the rows of the messages exchanged');
  assert.ok(
    report.rows.every((r) => r.period === month && r.operator === D),
    'each row names its period and operator',
  );
  assert.ok(!report.rows.some((r) => r.idnat === CLAIRE && r.indicator.startsWith('messages-sent')), 'R-CAB-8: never the owner');
  // …and in CSV, the same rows in the same order.
  const csv = cli('indicators', 'export', '--month', month, '--format', 'csv', '--admin');
  assert.equal(csv.status, 0, csv.stderr);
  assert.equal(csv.stdout, indicatorsCsv(report.rows));
  assert.equal(csv.stdout.split('\r\n')[0], 'period,operator,idnat,mailbox,mailbox_type,indicator,code,value');

  // A professional sees their own rows: Sophie her answer; Claire, the owner, only what the CAB received.
  const own = (who: string): Expected[] => {
    const r = cli('indicators', 'export', '--month', month, '--format', 'json', '--as', who);
    assert.equal(r.status, 0, r.stderr);
    const rep = JSON.parse(r.stdout) as { scope: string; rows: IndicatorRow[] };
    assert.equal(rep.scope, 'own');
    return sorted(rep.rows.map(key));
  };
  assert.deepEqual(own('cab-cotitulaire-2'), sorted(expected.filter((e) => e[0] === SOPHIE)));
  assert.deepEqual(own('cab-owner'), sorted(expected.filter((e) => e[0] === CLAIRE)));
  // Another month is empty.
  const empty = cli('indicators', 'export', '--month', '2020-01', '--format', 'csv', '--admin');
  assert.equal(empty.stdout, 'period,operator,idnat,mailbox,mailbox_type,indicator,code,value\r\n');
});

test('GET /api/v1/indicators with curl: a bad month is 400 problem+json, no credentials 401', async () => {
  const curl = async (...args: string[]) =>
    (await promisify(execFile)('curl', ['-sS', '-w', '\\n%{http_code} %{content_type}', ...args], { encoding: 'utf8' })).stdout;
  const anonymous = await curl(`${endpoints.adminApi}/api/v1/indicators?month=2026-11`);
  assert.match(anonymous, /\n401 application\/problem\+json/);
  const password = fs.readFileSync(path.join(dataDir, 'admin-password'), 'utf8').trim();
  const badMonth = await curl('-u', `admin:${password}`, `${endpoints.adminApi}/api/v1/indicators?month=2026-13`);
  assert.match(badMonth, /"type":"\/problems\/invalid-input"/);
  assert.match(badMonth, /\n400 application\/problem\+json/);
  const ok = await curl('-u', `admin:${password}`, `${endpoints.adminApi}/api/v1/indicators?month=2026-11`);
  assert.match(ok, /\n200 application\/json/);
});
