// The README's test command skips, under PostgreSQL, the test files listed as never opening a store
// (scripts/run-tests.ts). A file skipped wrongly is a hole in CI: the list must stay true, and the
// analysis that checks it must see every way a test reaches the database.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatabaseReachAnalysis, listedWithoutDatabase, ROOT, selectTestFiles, testFiles } from '../test-files.ts';

const analysis = new DatabaseReachAnalysis();
const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-run-tests-'));
after(() => fs.rmSync(fixtures, { recursive: true, force: true }));

/** Writes the given files (name → source) in a fresh directory; the analysis of the first one. */
function reasonsFor(files: Record<string, string>): string[] {
  const dir = fs.mkdtempSync(path.join(fixtures, 'case-'));
  for (const [name, source] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), source);
  return analysis.reach(path.join(dir, Object.keys(files)[0]!)).reasons;
}

test('every listed file is a test file that loads neither the store, a driver nor the mss CLI', () => {
  const all = new Set(testFiles());
  const listed = listedWithoutDatabase();
  assert.ok(listed.length > 0);
  assert.equal(new Set(listed).size, listed.length, 'a file is listed twice');
  for (const file of listed) {
    assert.ok(all.has(file), `${file} is listed but is no test file`);
    assert.deepEqual(analysis.reach(file).reasons, [], `${file} is listed as without database`);
  }
});

test('under PostgreSQL the selection skips exactly the listed files; under SQLite it runs everything', () => {
  const all = testFiles();
  const listed = listedWithoutDatabase();
  const sqlite = selectTestFiles(undefined);
  assert.deepEqual(sqlite.files, all);
  assert.deepEqual(sqlite.skipped, []);
  const postgres = selectTestFiles('postgres://mss@127.0.0.1:1/none');
  assert.deepEqual(postgres.listProblems, []);
  assert.deepEqual([...postgres.skipped].sort(), [...listed].sort());
  assert.deepEqual([...postgres.files, ...postgres.skipped].sort(), all);
  // The store's own tests and the CLI's end-to-end tests always run on PostgreSQL.
  for (const file of ['packages/store/test/store.test.ts', 'apps/cli/test/serve.e2e.test.ts', 'scripts/test/run-tests.test.ts']) {
    assert.ok(postgres.files.includes(file), file);
  }
});

test('no test file lies outside what the test command globs (it would never run)', () => {
  const everywhere = fs
    .globSync('**/*.test.ts', { cwd: ROOT, exclude: (name) => name === 'node_modules' || name.startsWith('.') })
    .map((f) => f.split(path.sep).join('/'))
    .sort();
  assert.deepEqual(everywhere, testFiles());
});

test('the analysis finds the store behind a helper, a package and a subpath export', () => {
  assert.match(
    reasonsFor({
      'a.test.ts': "import { x } from './helper.ts';\n",
      'helper.ts': "import { openTestStore } from '@mss/store/testing';\n",
    }).join(),
    /imports @mss\/store/,
  );
  // @mss/imap's index loads the store, even for a test that only wants its parser.
  assert.match(reasonsFor({ 'a.test.ts': "import { parseSequenceSet } from '@mss/imap';\n" }).join(), /imports @mss\/store/);
  assert.match(reasonsFor({ 'a.test.ts': "export { Store } from '@mss/store';\n" }).join(), /imports @mss\/store/);
  assert.match(reasonsFor({ 'a.test.ts': "const m = await import('@mss/store');\n" }).join(), /imports @mss\/store/);
  assert.match(
    reasonsFor({ 'a.test.ts': "import {\n  a,\n  b,\n} from './helper.ts';\n", 'helper.ts': "import '@mss/store';\n" }).join(),
    /imports @mss\/store/,
  );
});

test('the analysis finds drivers, the mss CLI, the database setting, other Node processes and computed imports', () => {
  assert.match(reasonsFor({ 'a.test.ts': "import pg from 'pg';\n" }).join(), /imports pg/);
  assert.match(reasonsFor({ 'a.test.ts': "import { DatabaseSync } from 'node:sqlite';\n" }).join(), /imports node:sqlite/);
  assert.match(
    reasonsFor({ 'a.test.ts': "import { mss } from './run.ts';\n", 'run.ts': 'export const MSS_BIN = 1;\n' }).join(),
    /runs the mss CLI/,
  );
  assert.match(reasonsFor({ 'a.test.ts': 'const url = process.env.MSS_DATABASE_URL;\n' }).join(), /reads the database setting/);
  assert.match(reasonsFor({ 'a.test.ts': "spawn(process.execPath, ['x.ts']);\n" }).join(), /another Node process/);
  assert.match(reasonsFor({ 'a.test.ts': "new Worker(new URL('./w.ts', import.meta.url));\n" }).join(), /another Node process/);
  assert.match(reasonsFor({ 'a.test.ts': 'const m = await import(name);\n' }).join(), /computed module name/);
  assert.match(reasonsFor({ 'a.test.ts': "import { x } from '@mss/no-such-package';\n" }).join(), /cannot resolve/);
  assert.match(reasonsFor({ 'a.test.ts': "import { x } from './missing.ts';\n" }).join(), /cannot be read/);
});

test('type-only imports load nothing; a package that needs no store is clean', () => {
  assert.deepEqual(
    reasonsFor({ 'a.test.ts': "import type { Store } from '@mss/store';\nexport type { Person } from '@mss/store';\n" }),
    [],
  );
  assert.deepEqual(
    reasonsFor({ 'a.test.ts': "import { checkRpps } from '@mss/domain';\nimport { parseMessage } from '@mss/mime';\n" }),
    [],
  );
  // An import with inline type specifiers still loads the module.
  assert.match(reasonsFor({ 'a.test.ts': "import { type Store } from '@mss/store';\n" }).join(), /imports @mss\/store/);
});
