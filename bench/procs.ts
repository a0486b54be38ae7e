/**
 * Process helpers shared by the protocol benchmarks: free loopback ports, bounded commands, and
 * server children started, waited for and stopped.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const HOST = '127.0.0.1';

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, HOST, resolve);
  });
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export /** Runs a command to completion with a time limit; stdout and stderr are collected. */
function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs: number; echoStderr?: boolean },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (opts.echoStderr) process.stderr.write(d);
    });
    const timer = setTimeout(() => {
      stderr += `\n[bench: ${path.basename(cmd)} killed after ${opts.timeoutMs} ms]\n`;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    }, opts.timeoutMs);
    child.on('error', (err) => {
      stderr += String(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A long-running server child: started, waited for, stopped with SIGTERM (then SIGKILL). */
export interface Daemon {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  stop(): Promise<void>;
}

export function startDaemon(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: (out: string, err: string) => boolean,
  timeoutMs: number,
  what: string,
): Promise<Daemon> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let settled = false;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const daemon: Daemon = {
      child,
      stdout: () => out,
      stderr: () => err,
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(t);
      },
    };
    const check = () => {
      if (!settled && ready(out, err)) {
        settled = true;
        clearTimeout(timer);
        resolve(daemon);
      }
    };
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      check();
    });
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      check();
    });
    child.once('exit', (code, signal) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(new Error(`${what} exited (${code ?? signal}) before it was ready:\n${err.slice(-2000)}`));
      }
    });
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      void daemon.stop();
      reject(new Error(`${what} not ready after ${timeoutMs} ms:\n${err.slice(-2000)}`));
    }, timeoutMs);
  });
}

export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

let python: { exe: string; dir: string | null } | undefined;
/**
 * The interpreter `python3` resolves to (`sys.executable`), for the Python load drivers. A version
 * manager's `python3` may be a shim (pyenv's is a bash script that spends ~0.4 s of CPU and up to a
 * second in children of its own on each start, before it execs Python): the drivers' figures, and
 * the CPU split's "driver" group, are then Python's alone. `python3` itself if it cannot be resolved.
 */
function resolvedPython(): { exe: string; dir: string | null } {
  if (python) return python;
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  const exe = r.status === 0 ? (r.stdout ?? '').trim() : '';
  if (!exe || !path.isAbsolute(exe)) return (python = { exe: 'python3', dir: null });
  // For scripts that call `python3` by name (imap-bench.sh): a directory put first on their PATH.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-bench-python-'));
  fs.symlinkSync(exe, path.join(dir, 'python3'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return (python = { exe, dir });
}

export function python3(): string {
  return resolvedPython().exe;
}

/** PATH with the resolved `python3` first (see python3()), for a script's environment. */
export function pythonFirstOnPath(): { PATH: string } {
  const { dir } = resolvedPython();
  const PATH = process.env.PATH ?? '/usr/bin:/bin';
  return { PATH: dir ? `${dir}:${PATH}` : PATH };
}
