// docs/problems.md is the problem table a client developer reads: it must list every problem type
// the API answers with, in the words `/problems/{code}` serves (PROBLEMS), and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PROBLEMS } from '../src/problems.ts';

test('docs/problems.md lists every problem type with the text the API serves', () => {
  // The admin API's table is the first section; other services' tables follow under their own `##`.
  const doc = readFileSync(new URL('../../../docs/problems.md', import.meta.url), 'utf8').split(/^## /m)[0]!;
  const rows = new Map([...doc.matchAll(/^\| `([a-z-]+)` \| (.*) \|$/gm)].map((m) => [m[1]!, m[2]!.replaceAll('\\|', '|')] as const));
  assert.deepEqual([...rows.keys()].sort(), Object.keys(PROBLEMS).sort());
  for (const [code, { doc: text }] of Object.entries(PROBLEMS)) assert.equal(rows.get(code), text, code);
});
