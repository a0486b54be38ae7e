// Shared by the trust stand-in's tests: scratch directories, a real mutual-TLS handshake with
// node:tls, and the openssl CLI as an independent judge of the certificates.

import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { execFile, execFileSync } from 'node:child_process';
import type { X509Certificate } from 'node:crypto';
import type { IssuedCertificate } from '../src/index.ts';

export async function tempDir(t: { after(fn: () => Promise<void>): void }, label = 'trust'): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `mss-${label}-`));
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface HandshakeResult {
  /** The client read the server's greeting: both sides accepted each other. */
  ok: boolean;
  /** What the server saw of the client, when it accepted it. */
  peer: X509Certificate | undefined;
  serverError: string | undefined;
  clientError: string | undefined;
}

/**
 * One connection between a TLS server that requires a client certificate chained to
 * `serverTrusts` and a client that verifies the server against `clientTrusts` and the name.
 */
export async function mutualTls(options: {
  server: IssuedCertificate;
  client?: IssuedCertificate;
  serverTrusts: string[];
  clientTrusts: string[];
  servername: string;
}): Promise<HandshakeResult> {
  let peer: X509Certificate | undefined;
  let serverError: string | undefined;
  let clientError: string | undefined;
  let serverDone!: () => void;
  const serverSide = new Promise<void>((resolve) => (serverDone = resolve));
  const server = tls.createServer(
    { key: options.server.keyPem, cert: options.server.certPem, ca: options.serverTrusts, requestCert: true, rejectUnauthorized: true },
    (socket) => {
      peer = socket.getPeerX509Certificate();
      socket.end('hello\n');
      serverDone();
    },
  );
  server.on('tlsClientError', (err: NodeJS.ErrnoException) => {
    serverError = err.code ?? err.message;
    serverDone();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    let received = '';
    await new Promise<void>((resolve) => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port,
        servername: options.servername,
        ca: options.clientTrusts,
        ...(options.client ? { key: options.client.keyPem, cert: options.client.certPem } : {}),
      });
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (received += chunk));
      socket.on('error', (err: NodeJS.ErrnoException) => (clientError ??= err.code ?? err.message));
      socket.on('close', () => resolve());
    });
    await Promise.race([serverSide, new Promise((r) => setTimeout(r, 2000))]);
    return { ok: received === 'hello\n' && clientError === undefined, peer, serverError, clientError };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * Why a server would refuse this client certificate. With `rejectUnauthorized: true` Node's TLS
 * server drops a refused client without saying why (the socket is destroyed, the server sees
 * ECONNRESET); a server that wants to log or answer the reason accepts the handshake and reads
 * `authorizationError`, which is what this does.
 */
export async function serverVerdict(options: {
  server: IssuedCertificate;
  client: IssuedCertificate;
  serverTrusts: string[];
}): Promise<string | undefined> {
  let verdict: string | undefined;
  const server = tls.createServer(
    { key: options.server.keyPem, cert: options.server.certPem, ca: options.serverTrusts, requestCert: true, rejectUnauthorized: false },
    (socket) => {
      verdict = socket.authorized ? undefined : String(socket.authorizationError);
      socket.destroy();
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    await new Promise<void>((resolve) => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port,
        rejectUnauthorized: false,
        key: options.client.keyPem,
        cert: options.client.certPem,
      });
      socket.on('error', () => {});
      socket.on('close', () => resolve());
    });
    return verdict;
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

let opensslPath: string | null | undefined;
/** The openssl binary, or null when absent (tests then skip with a message). */
export function openssl(): string | null {
  if (opensslPath === undefined) {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
      opensslPath = 'openssl';
    } catch {
      opensslPath = null;
    }
  }
  return opensslPath;
}
export const NO_OPENSSL = 'openssl CLI not found: install it (Debian: apt-get install openssl) to check the certificates independently';

export function run(cmd: string, args: string[], input?: string | Uint8Array): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { encoding: 'buffer' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: stdout.toString('utf8'), stderr: stderr.toString('utf8') });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}
