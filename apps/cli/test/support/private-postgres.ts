// A PostgreSQL cluster of one test's own, for a test that stops and starts the server: the
// suite's cluster (scripts/test-postgres.sh) is shared by the test files running beside it. The
// same binaries and settings as that script (Debian's newest, trust auth for user mss, fsync off).
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePortBase } from '../run-mss.ts';

const run = promisify(execFile);

export interface PrivatePostgres {
  /** `postgres://mss@127.0.0.1:<port>/mss` */
  url: string;
  /** Fast shutdown (`pg_ctl stop -m fast`): sessions are ended, as a restart for maintenance does. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data (resolves once it accepts connections). */
  start(): Promise<void>;
  /** Stops it and removes its files. */
  remove(): void;
}

/** The directory of Debian's newest PostgreSQL server binaries, or undefined when none is installed. */
export function postgresBinaries(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const versions = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(a) - Number(b));
  const newest = versions.at(-1);
  return newest === undefined ? undefined : path.join(root, newest, 'bin');
}

export async function startPrivatePostgres(bin: string): Promise<PrivatePostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-pg-own-'));
  fs.chmodSync(dir, 0o755);
  // initdb refuses to run as root: the cluster then belongs to the postgres user.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
  const command = (tool: string, args: string[]): [string, string[]] => {
    const argv = [path.join(bin, tool), ...args];
    return asRoot ? ['runuser', ['-u', 'postgres', '--', ...argv]] : [argv[0]!, argv.slice(1)];
  };
  // Asynchronous: the test process goes on serving what it runs (the PSC stand-in) meanwhile.
  const pg = async (tool: string, args: string[]): Promise<void> => {
    await run(...command(tool, args));
  };
  const port = await freePortBase(1);
  const data = path.join(dir, 'data');
  await pg('initdb', ['-D', data, '-U', 'mss', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  const start = (): Promise<void> =>
    pg('pg_ctl', [
      '-D',
      data,
      '-l',
      path.join(dir, 'server.log'),
      '-w',
      '-o',
      `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${dir} -c fsync=off`,
      'start',
    ]);
  const stop = (): Promise<void> => pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  await start();
  await run(path.join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'mss', 'mss']);
  return {
    url: `postgres://mss@127.0.0.1:${port}/mss`,
    stop,
    start,
    remove() {
      try {
        execFileSync(...command('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']), { stdio: 'ignore' });
      } catch {
        // already stopped
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
