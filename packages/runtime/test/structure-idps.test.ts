// MSS_STRUCTURE_IDPS (issue #20 rule 6): the identity providers of FINESS structures the operator
// trusts for their own staff, each bound to one structure. Mistakes stop the start with the entry,
// the structure and the field named.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { MssError, describeConfig, loadConfig, loadStructureIdps } from '../src/index.ts';

const OK = { finess: '930000013', issuer: 'https://idp.ch-lilas.example/realms/staff' };
const load = (v: unknown) => loadStructureIdps({ MSS_STRUCTURE_IDPS: typeof v === 'string' ? v : JSON.stringify(v) });

function refused(v: unknown, message: RegExp): void {
  assert.throws(
    () => load(v),
    (err: unknown) => err instanceof MssError && err.code === 'CONFIG_INVALID' && err.exitCode === 2 && message.test(err.message),
  );
}

test('none configured: an empty list, shown on the start-up line', () => {
  assert.deepEqual(loadStructureIdps({}), []);
  assert.match(describeConfig(loadConfig({}, {})), / structureIdps=none/);
});

test('inline JSON or a file; audience as a string or a list; the effective setting is printed', () => {
  assert.deepEqual(load([{ ...OK, audience: 'mss-operator', subjectClaim: 'preferred_username' }]), [
    { ...OK, audience: ['mss-operator'], subjectClaim: 'preferred_username' },
  ]);
  const dir = mkdtempSync(path.join(tmpdir(), 'mss-idps-'));
  const file = path.join(dir, 'idps.json');
  writeFileSync(file, JSON.stringify([OK]));
  assert.deepEqual(loadStructureIdps({ MSS_STRUCTURE_IDPS: file }), [OK]);
  assert.match(describeConfig(loadConfig({}, { MSS_STRUCTURE_IDPS: file })), / structureIdps=930000013:https:\/\/idp\.ch-lilas/);
});

test('clear errors: bad FINESS, issuer, audience, unknown field, duplicates, unreadable file, not JSON', () => {
  refused([{ ...OK, finess: '930000014' }], /entry 1: finess "930000014" is not a FINESS/);
  refused([{ ...OK, issuer: 'ftp://x' }], /entry 1 \(FINESS 930000013\): issuer "ftp:\/\/x" is not an http\(s\) URL/);
  refused([{ ...OK, audience: [] }], /audience must be a non-empty string/);
  refused([{ ...OK, claim: 'sub' }], /unknown field "claim"/);
  refused([OK, { ...OK, issuer: 'https://other.example' }], /entry 2: FINESS 930000013 is configured twice/);
  refused([OK, { finess: '750000002', issuer: OK.issuer }], /configured for two structures/);
  refused('/nonexistent/idps.json', /cannot read \/nonexistent\/idps\.json \(ENOENT\)/);
  refused('[{', /not JSON/);
  refused({ finess: OK.finess }, /must be a JSON array/);
});
