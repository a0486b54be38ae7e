// Commands are imported only when chosen: the names and summaries `mss --help` shows before that
// must be the modules' own, and a command must load only its own module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../src/root.ts';
import type { Command } from '../src/cli.ts';
import { MSS_BIN } from './run-mss.ts';

function stubs(cmd: Command, path: string[] = []): { path: string[]; stub: Command }[] {
  return (cmd.subcommands ?? []).flatMap((c) => (c.load ? [{ path: [...path, c.name], stub: c }] : stubs(c, [...path, c.name])));
}

test('every lazily loaded command has the name and summary of the module it loads, and something to run', async () => {
  const all = stubs(ROOT);
  assert.ok(all.length >= 20, `${all.length} lazy commands`);
  for (const { path, stub } of all) {
    const loaded = await stub.load!();
    assert.equal(loaded.name, stub.name, path.join(' '));
    assert.equal(loaded.summary, stub.summary, `summary of mss ${path.join(' ')}`);
    assert.ok(loaded.run || loaded.subcommands, `mss ${path.join(' ')} runs or dispatches`);
  }
});

// Every module the process resolves, written to stderr by a resolve hook.
const TRACE = `data:text/javascript,${encodeURIComponent(
  'import { registerHooks } from "node:module"; registerHooks({ resolve(s, c, next) { const r = next(s, c); if (r.url.startsWith("file:")) process.stderr.write("LOADED " + r.url + "\\n"); return r; } });',
)}`;

test('mss id check loads neither the servers nor the stand-ins', () => {
  const r = spawnSync(process.execPath, ['--import', TRACE, MSS_BIN, 'id', 'check', '810000001056'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /IdNat PS 810000001056 is valid/);
  const loaded = r.stderr.split('\n').filter((l) => l.startsWith('LOADED '));
  assert.ok(
    loaded.some((l) => l.includes('/commands/id-check.ts')),
    'the trace sees the command it ran',
  );
  assert.deepEqual(
    loaded.filter((l) => /\/(stand-ins\/|packages\/(smtp|imap|jmap|admin-api)\/)/.test(l)),
    [],
  );
});
