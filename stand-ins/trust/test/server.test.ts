import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { MssError, silentLogger } from '@mss/runtime';
import {
  CA_COMMON_NAME,
  PATIENT_DOMAIN,
  parseRoutes,
  parseWhitelistXml,
  startTrust,
  type RunningTrust,
  type WhitelistOperator,
} from '../src/index.ts';
import { tempDir } from './support.ts';

const OPERATOR_A: WhitelistOperator = { name: 'Opérateur A', domains: ['operateur-a.mssante.fr'], mx: { host: '127.0.0.1', port: 10025 } };
const OPERATOR_B: WhitelistOperator = { name: 'Opérateur B', domains: ['operateur-b.mssante.fr'], mx: { host: '127.0.0.1', port: 11025 } };

async function start(t: { after(fn: () => Promise<void>): void }, dataDir: string, operators = [OPERATOR_A]): Promise<RunningTrust> {
  const trust = await startTrust({ host: '127.0.0.1', port: 0, dataDir, logger: silentLogger(), operators });
  t.after(() => trust.stop());
  return trust;
}

const post = (trust: RunningTrust, body: unknown, type = 'application/json') =>
  fetch(`${trust.url}/operators`, {
    method: 'POST',
    headers: { 'content-type': type },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

test('serves the whitelist as XML with ETag and Last-Modified, and 304 when unchanged', async (t) => {
  const trust = await start(t, await tempDir(t));
  const res = await fetch(`${trust.url}/listeblanchemssante.xml`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/xml/);
  const etag = res.headers.get('etag');
  const lastModified = res.headers.get('last-modified');
  assert.match(etag ?? '', /^"[\w-]+"$/);
  assert.ok(lastModified && Number.isFinite(Date.parse(lastModified)));
  assert.deepEqual(parseWhitelistXml(await res.text()), ['operateur-a.mssante.fr', PATIENT_DOMAIN]);

  const again = await fetch(`${trust.url}/listeblanchemssante.xml`, { headers: { 'if-none-match': etag as string } });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), '');
  assert.equal(again.headers.get('etag'), etag);
  assert.equal((await fetch(`${trust.url}/listeblanchemssante.xml`, { headers: { 'if-none-match': `"other", W/${etag}` } })).status, 304);
  assert.equal(
    (await fetch(`${trust.url}/listeblanchemssante.xml`, { headers: { 'if-modified-since': lastModified as string } })).status,
    304,
  );
  assert.equal(
    (
      await fetch(`${trust.url}/listeblanchemssante.xml`, {
        headers: { 'if-none-match': '"stale"', 'if-modified-since': lastModified as string },
      })
    ).status,
    200,
  );
  const head = await fetch(`${trust.url}/listeblanchemssante.xml`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('etag'), etag);

  // A registration changes the list: the old ETag no longer matches.
  assert.equal((await post(trust, OPERATOR_B)).status, 201);
  const changed = await fetch(`${trust.url}/listeblanchemssante.xml`, { headers: { 'if-none-match': etag as string } });
  assert.equal(changed.status, 200);
  assert.notEqual(changed.headers.get('etag'), etag);
  assert.deepEqual(parseWhitelistXml(await changed.text()), ['operateur-a.mssante.fr', 'operateur-b.mssante.fr', PATIENT_DOMAIN]);
});

test('serves routes.json, the CA and the PKCS#7 bundle', async (t) => {
  const trust = await start(t, await tempDir(t), [OPERATOR_A, OPERATOR_B]);
  const routesRes = await fetch(`${trust.url}/routes.json`);
  assert.equal(routesRes.status, 200);
  assert.match(routesRes.headers.get('content-type') ?? '', /^application\/json/);
  const routes = parseRoutes(await routesRes.json());
  assert.deepEqual(routes.routes['operateur-b.mssante.fr'], { operator: 'Opérateur B', mx: { host: '127.0.0.1', port: 11025 } });
  assert.deepEqual(routes.routes[PATIENT_DOMAIN]?.mx, null);
  assert.equal(
    (await fetch(`${trust.url}/routes.json`, { headers: { 'if-none-match': routesRes.headers.get('etag') as string } })).status,
    304,
  );

  const ca = await fetch(`${trust.url}/pki/ca.pem`);
  assert.equal(ca.status, 200);
  assert.equal(await ca.text(), trust.pki.caCertPem);

  const p7b = await fetch(`${trust.url}/pki/chain.p7b`);
  assert.equal(p7b.status, 200);
  const bundle = new x509.X509Certificates(new Uint8Array(await p7b.arrayBuffer()));
  assert.equal(bundle.length, 1);
  assert.equal(bundle[0]?.subjectName.getField('CN')[0], CA_COMMON_NAME);

  assert.equal((await fetch(`${trust.url}/nothing`)).status, 404);
  const wrongMethod = await fetch(`${trust.url}/listeblanchemssante.xml`, { method: 'DELETE' });
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get('allow'), 'GET, HEAD');
});

test('POST /operators registers, updates, and refuses what it must', async (t) => {
  const trust = await start(t, await tempDir(t));
  const created = await post(trust, OPERATOR_B);
  assert.equal(created.status, 201);
  assert.deepEqual(await created.json(), OPERATOR_B);
  const updated = await post(trust, { ...OPERATOR_B, mx: { host: '127.0.0.1', port: 11026 } });
  assert.equal(updated.status, 200);
  assert.equal(trust.whitelist().operators.find((o) => o.name === 'Opérateur B')?.mx?.port, 11026);

  const conflict = await post(trust, { name: 'Intrus', domains: ['operateur-a.mssante.fr'], mx: null });
  assert.equal(conflict.status, 409);
  assert.match(((await conflict.json()) as { detail: string }).detail, /already belongs to operator "Opérateur A"/);
  assert.equal((await post(trust, { name: 'X', domains: ['example.com'], mx: null })).status, 400);
  assert.equal((await post(trust, '{ nope')).status, 400);
  assert.equal((await post(trust, JSON.stringify(OPERATOR_B), 'text/plain')).status, 415);
  assert.equal((await post(trust, 'x'.repeat(70 * 1024))).status, 413);

  const list = await fetch(`${trust.url}/operators`);
  assert.deepEqual(
    ((await list.json()) as WhitelistOperator[]).map((o) => o.name),
    ['Mon Espace Santé', 'Opérateur A', 'Opérateur B'],
  );
});

test('POST /operators is refused from another machine', async (t) => {
  const address = Object.values(os.networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  if (!address) return t.skip('no non-loopback IPv4 address on this machine to call from');
  const trust = await startTrust({ host: '0.0.0.0', port: 0, dataDir: await tempDir(t), logger: silentLogger() });
  t.after(() => trust.stop());
  const port = new URL(trust.url).port;
  const res = await fetch(`http://${address}:${port}/operators`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(OPERATOR_B),
  });
  assert.equal(res.status, 403);
  assert.equal((await fetch(`http://${address}:${port}/listeblanchemssante.xml`)).status, 200);
});

test('the list, its dates and the CA survive a restart', async (t) => {
  const dataDir = await tempDir(t);
  const first = await startTrust({ host: '127.0.0.1', port: 0, dataDir, logger: silentLogger(), operators: [OPERATOR_A] });
  await first.registerOperator(OPERATOR_B);
  const before = await fetch(`${first.url}/listeblanchemssante.xml`);
  const ca = first.pki.caCertPem;
  await first.stop();

  const stored = JSON.parse(await fs.readFile(path.join(dataDir, 'trust', 'whitelist.json'), 'utf8')) as { operators: WhitelistOperator[] };
  assert.deepEqual(
    stored.operators.map((o) => o.name),
    ['Mon Espace Santé', 'Opérateur A', 'Opérateur B'],
  );
  await fs.access(path.join(dataDir, 'trust', 'pki', 'ca', 'ca.pem'));

  // Started again with the same operators: nothing changed, so nothing to refetch.
  const second = await start(t, dataDir, [OPERATOR_A]);
  assert.equal(second.pki.caCertPem, ca);
  const after = await fetch(`${second.url}/listeblanchemssante.xml`, {
    headers: { 'if-none-match': before.headers.get('etag') as string },
  });
  assert.equal(after.status, 304);
  assert.equal(after.headers.get('last-modified'), before.headers.get('last-modified'));
});

test('a port in use gives the one-line error', async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const { port } = blocker.address() as net.AddressInfo;
  await assert.rejects(
    startTrust({ host: '127.0.0.1', port, dataDir: await tempDir(t), logger: silentLogger() }),
    (err: unknown) =>
      err instanceof MssError &&
      err.code === 'PORT_IN_USE' &&
      err.message === `port ${port} on 127.0.0.1 is already in use (trust); stop the other program or pick other ports with --port-base`,
  );
});
