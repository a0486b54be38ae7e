import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { GENERATED_FILE, generateAdminApiTypes } from '../scripts/gen-api.ts';

// The CLI talks to the admin API only through types generated from the API's OpenAPI document.
// If a route, a parameter or a schema changes without `npm run gen:api`, this test fails (and
// usually the type-check too), instead of a command failing in a user's hands.
test('the committed admin API client types are what `npm run gen:api` gives from the API today', async () => {
  const committed = fs.readFileSync(GENERATED_FILE, 'utf8').split('\n');
  const today = (await generateAdminApiTypes()).split('\n');
  const first = today.findIndex((line, i) => line !== committed[i]);
  const at = first < 0 && today.length !== committed.length ? Math.min(today.length, committed.length) : first;
  assert.equal(
    at,
    -1,
    `${GENERATED_FILE} differs from the API at line ${at + 1}: run "npm run gen:api"\n- ${committed[at]}\n+ ${today[at]}`,
  );
});
