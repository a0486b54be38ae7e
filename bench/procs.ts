/**
 * Process helpers shared by the protocol benchmarks: free loopback ports, bounded commands, and
 * server children started, waited for and stopped.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
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
  opts: { env?: NodeJS.ProcessEnv; timeoutMs: number; echoStderr?: boolean; onLine?: (line: string) => void },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let seen = 0;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      // Each whole line of stdout as it comes, if asked.
      for (let end = stdout.indexOf('\n', seen); opts.onLine && end >= 0; end = stdout.indexOf('\n', seen)) {
        opts.onLine(stdout.slice(seen, end));
        seen = end + 1;
      }
    });
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

let python: string | undefined;
/**
 * The interpreter `python3` resolves to (`sys.executable`), for the Python load drivers. A version
 * manager's `python3` may be a shim (pyenv's is a bash script that spends ~0.4 s of CPU and up to a
 * second in children of its own on each start, before it execs Python): the drivers' figures, and
 * the CPU split's "driver" group, are then Python's alone. `python3` itself if it cannot be resolved.
 */
export function python3(): string {
  if (python === undefined) {
    const r = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
    const exe = r.status === 0 ? (r.stdout ?? '').trim() : '';
    python = exe && path.isAbsolute(exe) ? exe : 'python3';
  }
  return python;
}
