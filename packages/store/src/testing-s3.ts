import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { BlobStoreSetting } from '@mss/runtime';

/** s3rver's fixed credentials (it accepts no others). */
const KEY = 'S3RVER';

export interface RunningS3Server {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  bucket: string;
  /** Where s3rver keeps the objects (real files: what it stores survives its restart). */
  directory: string;
  /** The store setting that uses this server (as MSS_BLOB_STORE=s3://… would give). */
  setting(prefix?: string): Extract<BlobStoreSetting, { kind: 's3' }>;
  /** For an independent client (`curl --aws-sigv4`): key and secret. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Stops the server (the store becomes unreachable: connection refused), keeping its objects. */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory. */
  restart(): Promise<void>;
  /** Stops it and removes its objects. */
  close(): Promise<void>;
}

/**
 * A real S3 server for the tests: s3rver (npm), an HTTP server implementing the S3 REST API
 * over files, run as a child process on loopback with one bucket. Not a mock of the SDK: the
 * store's requests go over a socket, signed, and the objects are files that outlive a restart.
 */
export async function startS3Server(bucket = 'mss-blobs'): Promise<RunningS3Server> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-s3-'));
  const bin = path.join(path.dirname(createRequire(import.meta.url).resolve('s3rver/package.json')), 'bin', 's3rver.js');
  let child: ChildProcess | undefined;
  let port = 0;

  const launch = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const c = spawn(process.execPath, [bin, '-d', directory, '-a', '127.0.0.1', '-p', String(port), '-s', '--configure-bucket', bucket], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = c;
      let out = '';
      let err = '';
      c.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
      });
      c.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on [^:]+:(\d+)/.exec(out);
        if (m) {
          port = Number(m[1]);
          resolve();
        }
      });
      c.once('exit', (code) => reject(new Error(`s3rver exited (${code}) before listening: ${err.trim()}`)));
      c.once('error', reject);
    });

  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  };

  await launch();
  const endpoint = (): string => `http://127.0.0.1:${port}`;
  return {
    get endpoint() {
      return endpoint();
    },
    bucket,
    directory,
    credentials: { accessKeyId: KEY, secretAccessKey: KEY },
    setting: (prefix = '') => ({
      kind: 's3',
      bucket,
      prefix,
      endpoint: endpoint(),
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: KEY, secretAccessKey: KEY },
    }),
    stop,
    restart: async () => {
      await stop();
      // The same port: while it was down, a short-lived outgoing connection of another process may
      // hold it as its local port, so a launch that fails is tried again for a while.
      for (const end = Date.now() + 15_000; ; ) {
        try {
          await launch();
          return;
        } catch (err) {
          if (Date.now() > end) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    close: async () => {
      await stop();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
