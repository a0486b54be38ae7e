import { PORT_BASE_ORDER } from '@mss/runtime';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { MssRequest, MssResult } from './support/mss-thread.ts';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import fs, { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const MSS_BIN = fileURLToPath(new URL('../bin/mss.js', import.meta.url));

const COMMAND_TIMEOUT_MS = 120_000;
/** Commands that run until a signal, or read stdin: a process of their own (but for their --help). */
const PROCESS_ONLY = new Set(['sandbox', 'serve', 'conformance']);

/**
 * Runs `mss …` to completion: the CLI's own entry point (runMss, what bin/mss.js runs) on one worker
 * thread per test file, in the environment a child process would get, with what it printed and its
 * exit status. A Node process per command cost most of the CLI tests' time (issue: CI budget,
 * docs/ci.md); that bin/mss.js starts, exits with the status and prints to the process's streams is
 * tested through `mssProcess` (lazy-commands.test.ts, first-use.test.ts, id-check.test.ts).
 * Blocks like spawnSync did, so the tests read the same; `sandbox`, `serve` and `conformance` still
 * get a process (they run until a signal).
 */
export function mss(args: string[], env: NodeJS.ProcessEnv = {}): MssResult {
  if (PROCESS_ONLY.has(args[0] ?? '') && !args.includes('--help')) return mssProcess(args, env);
  const thread = mssThread();
  Atomics.store(thread.done, 0, 0);
  thread.worker.postMessage({ args, env: { ...process.env, ...env } } satisfies MssRequest);
  if (Atomics.wait(thread.done, 0, 0, COMMAND_TIMEOUT_MS) === 'timed-out') {
    void thread.worker.terminate();
    current = undefined;
    return { status: null, stdout: '', stderr: `mss ${args.join(' ')}: no answer within ${COMMAND_TIMEOUT_MS} ms (test thread)` };
  }
  return receiveMessageOnPort(thread.replies)!.message as MssResult;
}

/** Runs `mss …` as a process of its own, with the Node running the tests (the pinned Node 24). */
export function mssProcess(args: string[], env: NodeJS.ProcessEnv = {}): MssResult {
  const r = spawnSync(process.execPath, [MSS_BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: COMMAND_TIMEOUT_MS,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let current: { worker: Worker; replies: MessagePort; done: Int32Array } | undefined;
function mssThread(): { worker: Worker; replies: MessagePort; done: Int32Array } {
  if (current) return current;
  const { port1, port2 } = new MessageChannel();
  const done = new SharedArrayBuffer(4);
  const worker = new Worker(new URL('./support/mss-thread.ts', import.meta.url), {
    workerData: { replies: port2, done },
    transferList: [port2],
  });
  // Idle between commands: it must not keep the test file's process alive.
  worker.unref();
  port1.unref();
  current = { worker, replies: port1, done: new Int32Array(done) };
  return current;
}

export function spawnMss(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [MSS_BIN, ...args], { env: { ...process.env, ...env } });
}

/**
 * A free range of `count` consecutive loopback ports (probed, so collisions are unlikely). The range
 * lies below the kernel's ephemeral ports: there, an outgoing connection of another test (or of the
 * sandbox itself) can take a port between our probe and the sandbox's listen, which CI once met.
 */
export async function freePortBase(count = PORT_BASE_ORDER.length): Promise<number> {
  const ceiling = ephemeralFloor() - count;
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 10_000 + Math.floor(Math.random() * (ceiling - 10_000));
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await portFree(p);
    if (ok) return base;
  }
  throw new Error('no free port range found');
}

function ephemeralFloor(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > 12_000) return low;
  } catch {
    // not Linux: the IANA dynamic range starts at 49152
  }
  return 32_768;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** Resolves with the first complete stdout line of a child, or rejects if it exits first. */
export function firstLine(child: ChildProcessWithoutNullStreams, timeoutMs = 90_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no line on stdout within ${timeoutMs} ms; stderr: ${err.slice(-2000)}`)), timeoutMs);
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(buf.slice(0, nl));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before printing a line; stderr: ${err.slice(-2000)}`));
    });
  });
}

export function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

/** Under PostgreSQL, a schema of its own for one test's `mss` processes; under SQLite, nothing. */
export function isolatedDatabaseEnv(): NodeJS.ProcessEnv {
  const base = process.env.MSS_DATABASE_URL;
  if (!base) return {};
  const url = new URL(base);
  url.searchParams.set('schema', `cli_${Math.random().toString(16).slice(2, 10)}`);
  return { MSS_DATABASE_URL: url.toString() };
}

export interface TestSandbox {
  dataDir: string;
  /** `--data-dir` and `--port-base` of this sandbox, for commands that take them. */
  where: string[];
  env: NodeJS.ProcessEnv;
  /** Runs `mss …` against this sandbox to completion. */
  run(...args: string[]): MssResult;
  /** Stops the sandbox (SIGINT, as Ctrl-C) and removes its data directory. */
  stop(): Promise<void>;
}

/**
 * `mss sandbox --json` for one test file: a fresh data directory, free ports, a schema of its own
 * under PostgreSQL, ready once it has printed its first line.
 */
export async function startSandbox(options: { prefix: string; env?: NodeJS.ProcessEnv; args?: string[] }): Promise<TestSandbox> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), options.prefix));
  const env = { ...isolatedDatabaseEnv(), ...options.env };
  const where = ['--data-dir', dataDir, '--port-base', String(await freePortBase())];
  const child = spawnMss(['sandbox', '--json', ...where, ...(options.args ?? [])], env);
  try {
    await firstLine(child);
  } catch (err) {
    // Not ready in time: nothing will stop it later, and a live child keeps the test file from ending.
    child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    dataDir,
    where,
    env,
    run: (...args) => mss([...args, ...where], env),
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGINT');
        await exitOf(child);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
