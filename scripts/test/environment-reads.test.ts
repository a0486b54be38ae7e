// Environment variables are read only by the configuration loader (issue #19): shipped code
// gets typed, validated settings from @mss/runtime's config.ts and env.ts, never `process.env`
// on its own (where a bad MSS_PG_POOL_SIZE used to become a NaN pool size).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const READERS = new Set(['packages/runtime/src/config.ts', 'packages/runtime/src/env.ts']);

function shippedFiles(): string[] {
  const out: string[] = [];
  for (const group of ['packages', 'stand-ins', 'apps']) {
    for (const pkg of fs.readdirSync(path.join(ROOT, group))) {
      for (const sub of ['src', 'bin']) {
        const dir = path.join(ROOT, group, pkg, sub);
        if (!fs.existsSync(dir)) continue;
        for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
          if (e.isFile() && /\.(ts|js)$/.test(e.name)) out.push(path.relative(ROOT, path.join(e.parentPath, e.name)));
        }
      }
    }
  }
  return out;
}

test('no shipped module but the configuration loader reads process.env', () => {
  const files = shippedFiles();
  assert.ok(files.length > 100, 'the scan sees the code base');
  const readers = files.filter((f) =>
    /\bprocess\.env\b/.test(fs.readFileSync(path.join(ROOT, f), 'utf8').replace(/^\s*(\/\/|\*).*$/gm, '')),
  );
  assert.deepEqual(
    readers.filter((f) => !READERS.has(f)),
    [],
  );
  assert.deepEqual(readers.sort(), [...READERS].sort(), 'the loader itself is found by the same scan');
});
