// One `mss sandbox` per test file, on ports chosen by freePortBase, with a small directory; the
// environments of its two operators as the SDK sees them.

import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type MssEnvironment, sandboxEnvironment } from '@mss/client';
import { exitOf, firstLine, freePortBase, isolatedDatabaseEnv, spawnMss } from '../../../../apps/cli/test/run-mss.ts';

export interface TestSandbox {
  readonly portBase: number;
  readonly dataDir: string;
  readonly endpoints: Record<string, string>;
  /** Operator A (`operateur-a.mssante.fr`). */
  readonly env: MssEnvironment;
  /** Operator B (`operateur-b.mssante.fr`): its own submission and IMAP, the same PSC and directory. */
  readonly envB: MssEnvironment;
  /** Environment variables for child processes (examples, the CLI). */
  readonly childEnv: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export const PSC_LPS = { clientId: 'mss-lps-sandbox', clientSecret: 'mss-lps-sandbox-secret' } as const;

export async function startSandbox(): Promise<TestSandbox> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-client-'));
  const portBase = await freePortBase();
  const dbEnv = isolatedDatabaseEnv();
  const child: ChildProcessWithoutNullStreams = spawnMss(
    ['sandbox', '--json', '--data-dir', dataDir, '--port-base', String(portBase), '--professionals', '200'],
    dbEnv,
  );
  const endpoints = (JSON.parse(await firstLine(child, 120_000)) as { endpoints: Record<string, string> }).endpoints;
  const env = sandboxEnvironment({ portBase, dataDir });
  assert.ok(env.ca, 'the sandbox wrote its CA');
  const envB: MssEnvironment = { ...env, smtp: endpoints.smtpSubmissionB!, imap: endpoints.imapB! };
  return {
    portBase,
    dataDir,
    endpoints,
    env,
    envB,
    childEnv: { ...dbEnv, MSS_PORT_BASE: String(portBase), MSS_DATA_DIR: dataDir },
    async stop() {
      child.kill('SIGINT');
      assert.equal(await exitOf(child), 0);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
