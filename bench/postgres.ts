/**
 * A private, throw-away PostgreSQL cluster on loopback for the protocol benchmarks
 * (`BENCH_DATABASE=postgres`), made as scripts/test-postgres.sh makes the test suite's (initdb and
 * pg_ctl from Debian's /usr/lib/postgresql/<version>/bin, as the postgres user when we are root),
 * with one difference: **fsync stays on** (and synchronous_commit), so that a 250 after our commit
 * is as durable as Postfix's after its queue file's fsync. Each measured setup gets a fresh
 * database of its own (`createDatabase`); the cluster is stopped and deleted with the process.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './procs.ts';

export interface BenchPostgres {
  version: string;
  /** A new, empty database; its URL (user `mss`, no password: trust on loopback). */
  createDatabase(name: string): string;
  /** The postmaster's pid (its backends, one per connection, and its background processes are its children). */
  pid(): number;
  stop(): void;
}

function serverBinaries(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(a) - Number(b));
  const latest = versions.at(-1);
  if (!latest) throw new Error('BENCH_DATABASE=postgres: no PostgreSQL server in /usr/lib/postgresql (apt-get install postgresql)');
  return path.join(root, latest, 'bin');
}

function must(cmd: string, args: string[], what: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`bench postgres: ${what} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout || '').trim()}`);
  return r.stdout;
}

export async function startBenchPostgres(): Promise<BenchPostgres> {
  const bin = serverBinaries();
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-bench-pg-'));
  fs.chmodSync(dir, 0o755);
  // initdb refuses to run as root: the cluster then belongs to the postgres user.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) must('chown', ['postgres:postgres', dir], 'chown');
  const as = (cmd: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const data = path.join(dir, 'data');
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    spawnSync(...as(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']), { stdio: 'ignore', timeout: 60_000 });
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      stop();
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    });
  try {
    must(...as(path.join(bin, 'initdb'), ['-D', data, '-U', 'mss', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']), 'initdb');
    // Several listener processes (nodes × workers), each with its pool (MSS_PG_POOL_SIZE), plus the bench's own.
    // BENCH_PG_SETTINGS: more `name=value` settings, space-separated (e.g. `commit_delay=100 log_statement=all`);
    // BENCH_PG_LOG: the server's log file, kept after the run (by default in the cluster's dir, deleted with it).
    const extra = (process.env.BENCH_PG_SETTINGS ?? '').split(/\s+/).filter(Boolean);
    const settings = ['listen_addresses=127.0.0.1', `port=${port}`, `unix_socket_directories=${dir}`, 'max_connections=500', ...extra];
    const logFile = process.env.BENCH_PG_LOG ? path.resolve(process.env.BENCH_PG_LOG) : path.join(dir, 'server.log');
    if (process.env.BENCH_PG_LOG && asRoot) {
      fs.writeFileSync(logFile, '');
      must('chown', ['postgres:postgres', logFile], 'chown log');
    }
    must(
      ...as(path.join(bin, 'pg_ctl'), ['-D', data, '-l', logFile, '-w', '-o', settings.map((s) => `-c ${s}`).join(' '), 'start']),
      'pg_ctl start',
    );
  } catch (err) {
    stop();
    throw err;
  }
  const version = /\d+(\.\d+)+/.exec(must(path.join(bin, 'postgres'), ['--version'], 'postgres --version'))?.[0] ?? '?';
  return {
    version,
    createDatabase(name) {
      must(path.join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'mss', name], `createdb ${name}`);
      return `postgres://mss@127.0.0.1:${port}/${name}`;
    },
    pid() {
      // postmaster.pid's first line (readable by its owner, or by root).
      return Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    },
    stop,
  };
}
