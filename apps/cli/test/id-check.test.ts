import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mss, mssProcess } from './run-mss.ts';

test('mss id check: a valid RPPS exits 0 and says so', () => {
  const r = mss(['id', 'check', '10000001916']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /✔ RPPS/);
});

test('mss id check: a wrong RPPS check digit exits 1 and names the rule', () => {
  const r = mss(['id', 'check', '10000001917']);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /RPPS 10000001917: check digit should be 6 \(Luhn\)/);
});

test('mss id check: INS, including Corsica, and patient addresses', () => {
  assert.equal(mss(['id', 'check', '279035121518989']).status, 0);
  assert.equal(mss(['id', 'check', '279035121518988']).status, 1);
  const ok = mss(['id', 'check', '279035121518989@patient.mssante.fr', '--json']);
  assert.equal(ok.status, 0);
  const parsed = JSON.parse(ok.stdout) as { valid: boolean; interpretations: { kind: string; valid: boolean }[] };
  assert.equal(parsed.valid, true);
  assert.equal(parsed.interpretations[0]?.kind, 'PATIENT_ADDRESS');
  assert.equal(mss(['id', 'check', '279035121518988@patient.mssante.fr']).status, 1);
  // Corsica: 2B counts as 18 in the key arithmetic.
  const corsica = mss(['id', 'check', '185032B03312354']);
  assert.equal(corsica.status, 0, corsica.stdout);
  assert.match(corsica.stdout, /✔ INS/);
  const corsicaBad = mss(['id', 'check', '185032B03312355']);
  assert.equal(corsicaBad.status, 1);
  assert.match(corsicaBad.stdout, /key should be 54/);
});

test('mss id check: a Corsican FINESS', () => {
  const r = mss(['id', 'check', '--json', '2A0000016']);
  const parsed = JSON.parse(r.stdout) as { interpretations: { kind: string; valid: boolean }[] };
  assert.ok(
    parsed.interpretations.some((i) => i.kind === 'FINESS' && i.valid),
    r.stdout,
  );
  const bad = mss(['id', 'check', '2A0000017']);
  assert.match(bad.stdout, /FINESS 2A0000017: check digit should be 6/);
});

test('mss id check: FINESS and MSSanté addresses', () => {
  const fin = mss(['id', 'check', '--json', '010000016']);
  const parsed = JSON.parse(fin.stdout) as { interpretations: { kind: string; valid: boolean }[] };
  assert.ok(
    parsed.interpretations.some((i) => i.kind === 'FINESS'),
    fin.stdout,
  );
  assert.equal(mss(['id', 'check', 'paul.martin@operateur-a.mssante.fr']).status, 0);
  const gmail = mss(['id', 'check', 'paul.martin@gmail.com']);
  assert.equal(gmail.status, 1);
  assert.match(gmail.stdout, /mssante\.fr/);
});

test('mss id check: garbage is "not a known identifier", exit 1', () => {
  const r = mss(['id', 'check', 'hello']);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /not a known identifier/);
});

test('usage errors are one line with exit 2, help exits 0', () => {
  const none = mss(['id', 'check']);
  assert.equal(none.status, 2);
  assert.equal(none.stderr.trim().split('\n').length, 1);
  const unknown = mss(['frobnicate']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /^mss: unknown command "frobnicate"/);
  const badOpt = mss(['seed', '--bogus']);
  assert.equal(badOpt.status, 2);
  assert.match(badOpt.stderr, /--bogus/);
  for (const args of [
    ['--help'],
    ['sandbox', '--help'],
    ['seed', '--help'],
    ['db', '--help'],
    ['db', 'migrate', '--help'],
    ['id', 'check', '--help'],
  ]) {
    const h = mss(args);
    assert.equal(h.status, 0, args.join(' '));
    assert.match(h.stdout, /^Usage: mss/);
  }
});

test('as a process, bin/mss.js exits with the command’s status and prints to its own streams', () => {
  const valid = mssProcess(['id', 'check', '10000001916']);
  assert.equal(valid.status, 0, valid.stderr);
  assert.match(valid.stdout, /valid/);
  const garbage = mssProcess(['id', 'check', 'hello']);
  assert.equal(garbage.status, 1);
  assert.match(garbage.stdout, /not a known identifier/);
  const unknown = mssProcess(['frobnicate']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /^mss: unknown command "frobnicate"/);
});
