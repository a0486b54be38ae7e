// A bad setting in the environment stops a command with one line naming the variable and what
// it accepts (issue #19), before anything is opened or created.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mss } from './run-mss.ts';

for (const [name, value, accepted] of [
  ['MSS_PG_POOL_SIZE', 'ten', 'an integer from 1 to 1000'],
  ['MSS_BLOB_WORKERS', '-2', 'an integer from 0 to 64'],
  ['MSS_LOG_LEVEL', 'loud', 'a log level (fatal, error, warn, info, debug, trace, silent)'],
] as const) {
  test(`mss db migrate with ${name}=${value}: exit 2, one line, nothing created`, () => {
    const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mss-config-')), 'data');
    try {
      const r = mss(['db', 'migrate', '--data-dir', dir], { [name]: value, MSS_DATABASE_URL: '' });
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stderr, `mss: ${name}: "${value}" is not ${accepted}\n`);
      assert.equal(fs.existsSync(dir), false, 'no store was created');
    } finally {
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });
}
