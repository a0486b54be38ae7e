/**
 * The README's test command's test runner: `node --test` over every test file, with the options given
 * (e.g. `--test-concurrency=2`).
 *
 * Under PostgreSQL (MSS_DATABASE_URL set) it skips the test files that never open a store: running
 * them a second time proves nothing the SQLite run did not. A file is skipped only when it is both in
 * the reviewed list (scripts/test-files-without-database.txt) and, by the import analysis of
 * scripts/test-files.ts, loads neither the store, a database driver nor the mss CLI; a listed file
 * that fails the analysis runs anyway and is named (scripts/test/run-tests.test.ts fails on it).
 *
 * A hang must cost minutes, not the whole CI: unless told otherwise, every test and every hook
 * fails after TEST_TIMEOUT_MS (hooks have no limit of their own otherwise), and a file whose tests
 * are all done exits even if something still holds its event loop (`--test-force-exit`), so a
 * stuck clean-up is reported as that hook's time-out instead of holding the run.
 */
import { spawn } from 'node:child_process';
import { testDatabaseUrl } from '@mss/runtime';
import { ROOT, selectTestFiles, WITHOUT_DATABASE_LIST } from './test-files.ts';

const selection = selectTestFiles(testDatabaseUrl());
for (const problem of selection.listProblems) console.error(`run-tests: ${problem}`);
if (testDatabaseUrl()) {
  console.error(
    `run-tests: PostgreSQL (MSS_DATABASE_URL): ${selection.files.length} of ${selection.total} test files; ` +
      `${selection.skipped.length} skipped, as listed in ${WITHOUT_DATABASE_LIST} and checked to load neither the store, ` +
      'a database driver nor the mss CLI: they never open a store, and the SQLite run covers them',
  );
} else {
  console.error(`run-tests: SQLite: all ${selection.total} test files`);
}

/** Longer than any test of the suite takes on a loaded CI machine (the longest take about a minute). */
const TEST_TIMEOUT_MS = 300_000;
const given = process.argv.slice(2);
const safety = [
  ...(given.some((a) => a.startsWith('--test-timeout')) ? [] : [`--test-timeout=${TEST_TIMEOUT_MS}`]),
  ...(given.includes('--test-force-exit') ? [] : ['--test-force-exit']),
];
const child = spawn(process.execPath, ['--test', ...safety, ...given, ...selection.files], { cwd: ROOT, stdio: 'inherit' });
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
