// Scenario files (docs/conformance.md): the shipped ones are valid and cover the four cases of
// issue #18; a malformed file is refused with its name and the field at fault.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findScenario, loadScenarioFile, ScenarioError, shippedScenarios } from '@mss/conformance';

test('the shipped scenarios', () => {
  assert.deepEqual(
    shippedScenarios().map((s) => s.id),
    ['cab-cotitulaire', 'delegated-mailbox', 'reply-to-patient', 'send-discharge-letter'],
  );
  assert.equal(findScenario('cab-cotitulaire').persona.idnat, '810000001395');
  assert.throws(
    () => findScenario('nope'),
    (e: unknown) => e instanceof ScenarioError && /shipped: cab-cotitulaire/.test(e.message),
  );
});

test('a malformed scenario file is refused, naming the file and the field', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-scenario-'));
  const write = (name: string, value: unknown) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
    return file;
  };
  const good = JSON.parse(
    fs.readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), '../scenarios/delegated-mailbox.json'), 'utf8'),
  );
  assert.equal(loadScenarioFile(write('ok.json', { ...good, id: 'mine' })).id, 'mine');
  const refused = (file: string, re: RegExp) =>
    assert.throws(
      () => loadScenarioFile(file),
      (e: unknown) => e instanceof ScenarioError && e.message.startsWith(file) && re.test(e.message),
    );
  refused(write('a.json', '{ not json'), /not JSON/);
  refused(write('b.json', { ...good, persona: { name: 'x' } }), /"persona" needs name, idnat and mailbox/);
  refused(write('c.json', { ...good, id: 'Bad Id' }), /"id" must be lower-case/);
  refused(write('d.json', { ...good, expect: [{ observe: 'telepathy' }] }), /expect\[0\]\.observe must be one of/);
  refused(write('e.json', { ...good, setup: [{ action: 'format-disk' }] }), /setup\[0\]\.action must be one of/);
  refused(write('f.json', { ...good, steps: [] }), /"steps" must be a non-empty list/);
  refused(path.join(dir, 'missing.json'), /cannot be read/);
});
