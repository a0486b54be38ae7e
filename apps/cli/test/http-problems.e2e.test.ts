// Every error of the project's HTTP APIs is application/problem+json (RFC 9457, issue #19),
// including the ones Node's HTTP parser answers before any route runs: 431 for a query string
// or headers over 16 KiB, 400 for a request that is not HTTP. Checked with curl (and a raw
// socket for what curl will not send) on each HTTP service of a running sandbox.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { exitOf, firstLine, freePortBase, isolatedDatabaseEnv, spawnMss } from './run-mss.ts';

const SERVICES = ['adminApi', 'psc', 'annuaireHttp', 'trust'] as const;
let child: ChildProcessWithoutNullStreams;
let dataDir: string;
let endpoints: Record<string, string>;

before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-http-problems-'));
  const base = await freePortBase();
  child = spawnMss(
    ['sandbox', '--json', '--data-dir', dataDir, '--port-base', String(base), '--professionals', '0'],
    isolatedDatabaseEnv(),
  );
  endpoints = (JSON.parse(await firstLine(child)) as { endpoints: Record<string, string> }).endpoints;
});

after(async () => {
  if (child.exitCode === null) {
    child.kill('SIGINT');
    await exitOf(child);
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

function curl(args: string[]): Promise<Answer> {
  return new Promise((resolve, reject) => {
    execFile(
      'curl',
      ['-sS', '-g', '-o', '-', '-w', '\n%{http_code} %{content_type}', ...args],
      { timeout: 30_000, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`curl ${args.join(' ').slice(0, 200)}: ${stderr || err.message}`));
        const nl = stdout.lastIndexOf('\n');
        const [code, ...type] = stdout.slice(nl + 1).split(' ');
        resolve({ status: Number(code), contentType: type.join(' '), body: stdout.slice(0, nl) });
      },
    );
  });
}

/** Sends raw bytes and returns the whole answer (the server closes after an error). */
function raw(url: string, request: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), u.hostname);
    let got = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (got += d));
    socket.on('error', reject);
    socket.on('close', () => resolve(got));
    socket.setTimeout(30_000, () => socket.destroy(new Error('no answer')));
    socket.write(request);
  });
}

function assertProblem(a: Answer, status: number, where: string): { type: string; title: string; status: number; detail?: string } {
  assert.equal(a.status, status, `${where}: ${a.body.slice(0, 200)}`);
  assert.match(a.contentType, /^application\/problem\+json\b/, `${where}: content type`);
  const p = JSON.parse(a.body) as { type: string; title: string; status: number; detail?: string };
  assert.equal(p.status, status, `${where}: the body says the status`);
  assert.equal(typeof p.type, 'string');
  assert.equal(typeof p.title, 'string');
  return p;
}

for (const service of SERVICES) {
  test(`${service}: a query string over 16 KiB gets 431 as problem+json (RFC 6585 §5, RFC 9457)`, async () => {
    const a = await curl([`${endpoints[service]}/anything?q=${'a'.repeat(20_000)}`]);
    const p = assertProblem(a, 431, service);
    assert.match(p.detail ?? '', /16 KiB/);
    if (service === 'adminApi') assert.equal(p.type, '/problems/request-too-large', 'the admin API’s own problem type');
  });

  test(`${service}: headers over 16 KiB get 431 as problem+json`, async () => {
    assertProblem(await curl(['-H', `X-Big: ${'b'.repeat(20_000)}`, `${endpoints[service]}/`]), 431, service);
  });

  test(`${service}: a request that is not HTTP gets 400 as problem+json`, async () => {
    const answer = await raw(endpoints[service]!, 'GET / HTTP/1.1\r\nHost: x\r\nthis is not a header\r\n\r\n');
    const [head, body] = answer.split('\r\n\r\n');
    assert.match(head ?? '', /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(head ?? '', /\r\nContent-Type: application\/problem\+json\r\n/i);
    assert.equal((JSON.parse(body ?? '') as { status: number }).status, 400);
  });

  test(`${service}: an unknown path gets 404 as problem+json`, async () => {
    assertProblem(await curl([`${endpoints[service]}/no-such-thing`]), 404, service);
  });
}
