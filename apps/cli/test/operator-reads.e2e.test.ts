// `mss bal search` and `mss audit` (issue 20): the operator administrator lists every mailbox and
// reads or exports the audit trail through the admin API of a running sandbox; a person is refused
// (403) and the refusal is in the trail; bad filters are answered with their problem type.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSandbox, type TestSandbox } from './run-mss.ts';

let sandbox: TestSandbox;

before(async () => {
  sandbox = await startSandbox({ prefix: 'mss-operator-reads-', args: ['--professionals', '0'] });
});
after(() => sandbox.stop());

const run = (...args: string[]) => sandbox.run(...args);

/** RFC 4180 records (no quoted CRLF in these exports' fields). */
const csvRows = (text: string) =>
  text
    .split('\r\n')
    .filter((l) => l !== '')
    .map((l) => l.split(','));

test('mss bal search: every mailbox for the administrator, filtered, as a table, CSV or JSON', () => {
  const all = run('bal', 'search', '--admin', '--json');
  assert.equal(all.status, 0, all.stderr);
  const mailboxes = JSON.parse(all.stdout) as { address: string; type: string; listeRouge: boolean }[];
  assert.ok(mailboxes.some((m) => m.address === 'paul.martin@operateur-a.mssante.fr' && m.type === 'PER'));
  assert.ok(mailboxes.some((m) => m.address === 'cabinet.infirmiers-des-lilas@operateur-a.mssante.fr' && m.type === 'CAB'));

  const table = run('bal', 'search', '--admin', '--type', 'cab');
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /^ADDRESS\s+TYPE\s+STATUS\s+OWNER/);
  assert.match(table.stdout, /cabinet\.infirmiers-des-lilas@operateur-a\.mssante\.fr\s+CAB\s+active\s+810000001130/);
  assert.doesNotMatch(table.stdout, /paul\.martin/);

  // The README's example: the hospital persona's structure (FINESS 930000013) and its ORG and APP.
  const hospital = run('bal', 'search', '--admin', '--structure', '1930000013', '--json');
  assert.deepEqual((JSON.parse(hospital.stdout) as { address: string }[]).map((m) => m.address.split('@')[0]).sort(), [
    'cardiologie.ch-lilas',
    'labo-resultats.ch-lilas',
  ]);

  const csv = run('bal', 'search', '--admin', '--csv');
  assert.equal(csv.status, 0, csv.stderr);
  assert.ok(csv.stdout.endsWith('\r\n'), 'RFC 4180 records end in CRLF');
  const rows = csvRows(csv.stdout);
  assert.deepEqual(rows[0], ['address', 'type', 'status', 'owner', 'structure', 'listeRouge', 'createdAt', 'closedAt', 'releasedAt']);
  assert.deepEqual(
    rows.slice(1).map((r) => r[0]),
    mailboxes.map((m) => m.address),
  );

  // Pages of the size asked for, followed to the end: the same rows as one page.
  const limited = run('bal', 'search', '--admin', '--json', '--limit', '2');
  assert.deepEqual(
    (JSON.parse(limited.stdout) as { address: string }[]).map((m) => m.address),
    mailboxes.slice(0, 2).map((m) => m.address),
  );
});

test('mss bal search: a person is refused (403 forbidden); a bad filter is an invalid-filter problem', () => {
  const person = run('bal', 'search', '--as', 'gp');
  assert.equal(person.status, 1);
  assert.match(person.stderr, /403 forbidden/);
  const bad = run('bal', 'search', '--admin', '--created-from', '2026-02-30');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /400 invalid-filter: createdFrom: "2026-02-30" is not a calendar day/);
  const usage = run('bal', 'search', '--admin', '--liste-rouge', 'maybe');
  assert.equal(usage.status, 2);
});

test('mss audit: the trail read and exported (CSV, JSON) with filters; the refusal above is in it', () => {
  const json = run('audit', '--admin', '--format', 'json', '--principal', '810000001056', '--action', 'list-mailboxes');
  assert.equal(json.status, 0, json.stderr);
  const entries = JSON.parse(json.stdout) as { principal: string; outcome: string; channel: string; reason: string }[];
  assert.ok(entries.length >= 1);
  for (const e of entries) assert.deepEqual([e.principal, e.outcome, e.channel], ['810000001056', 'denied', 'admin-api']);

  const csv = run('audit', '--admin', '--format', 'csv', '--outcome', 'denied', '--channel', 'admin-api');
  assert.equal(csv.status, 0, csv.stderr);
  const rows = csvRows(csv.stdout);
  assert.deepEqual(rows[0], ['at', 'principal', 'mailbox', 'action', 'channel', 'outcome', 'reason', 'role', 'clientId', 'id']);
  assert.ok(rows.slice(1).some((r) => r[1] === '810000001056' && r[3] === 'list-mailboxes'));
  assert.ok(rows.slice(1).every((r) => r[4] === 'admin-api' && r[5] === 'denied'));

  // Reading the trail is itself in the trail.
  const table = run('audit', '--admin', '--principal', 'operator-admin:admin', '--action', 'read-audit');
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /operator-admin:admin\s+read-audit\s+admin-api\s+allowed/);

  const bad = run('audit', '--admin', '--channel', 'fax');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /400 invalid-filter: channel/);
  assert.equal(run('audit', '--admin', '--format', 'xml').status, 2);
});
