import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, silentLogger, type Logger } from '@mss/runtime';
import { PATIENT_DOMAIN, startTrust, type RunningTrust, type WhitelistOperator } from '@mss/trust';
import { WHITELIST_NAMESPACE, WhitelistCache, parseWhitelistXml } from '../src/index.ts';
import { onCleanup, tempDir } from './support.ts';

const OPERATOR_A: WhitelistOperator = { name: 'Opérateur A', domains: ['operateur-a.mssante.fr'], mx: { host: '127.0.0.1', port: 10025 } };
const OPERATOR_B: WhitelistOperator = {
  name: 'Opérateur B',
  domains: ['operateur-b.mssante.fr', 'ch-b.mssante.fr'],
  mx: { host: '127.0.0.1', port: 11025 },
};
const OPERATOR_C: WhitelistOperator = { name: 'Opérateur C', domains: ['operateur-c.mssante.fr'], mx: { host: '127.0.0.1', port: 12025 } };
type T = { after(fn: () => Promise<void> | void): void };

async function trustWith(t: T, operators: WhitelistOperator[]): Promise<RunningTrust> {
  const trust = await startTrust({ host: '127.0.0.1', port: 0, dataDir: await tempDir(t, 'ans'), logger: silentLogger(), operators });
  onCleanup(t, () => trust.stop());
  return trust;
}

function cache(
  t: T,
  url: string,
  cacheDir: string,
  extra: { logger?: Logger; fetch?: typeof fetch; refreshIntervalMs?: number } = {},
): WhitelistCache {
  // No test here waits on the timeout: it is generous so that a loaded machine never turns a slow answer into a failed refresh.
  const c = new WhitelistCache({ url, cacheDir, logger: extra.logger ?? silentLogger(), timeoutMs: 15_000, ...extra });
  onCleanup(t, () => c.stop());
  return c;
}

/** A logger whose warnings the test can read. */
function capturingLogger(): { logger: Logger; entries: { level: number; msg: string }[] } {
  const entries: { level: number; msg: string }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        entries.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), entries };
}
const warnings = (entries: { level: number; msg: string }[]) => entries.filter((e) => e.level === 40);

/**
 * Stands between the cache and the trust service: passes requests through, or answers what the
 * test wants instead (an outage, an error page, a broken document).
 */
async function switchable(t: T, upstream: string): Promise<{ url: string; set(mode: Mode): void }> {
  let mode: Mode = { kind: 'pass' };
  const server = http.createServer(async (req, res) => {
    if (mode.kind === 'pass') {
      const headers: Record<string, string> = {};
      if (req.headers['if-none-match']) headers['if-none-match'] = req.headers['if-none-match'];
      const up = await fetch(`${upstream}${req.url}`, { headers });
      const out: Record<string, string> = {};
      for (const h of ['content-type', 'etag', 'last-modified']) if (up.headers.get(h)) out[h] = up.headers.get(h) as string;
      res.writeHead(up.status, out);
      res.end(Buffer.from(await up.arrayBuffer()));
      return;
    }
    const body = req.url?.endsWith('.xml') ? mode.xml : mode.routes;
    if (body === undefined) {
      const up = await fetch(`${upstream}${req.url}`);
      res.writeHead(up.status, { 'content-type': up.headers.get('content-type') as string });
      res.end(Buffer.from(await up.arrayBuffer()));
      return;
    }
    res.writeHead(mode.status ?? 200, { 'content-type': 'text/plain', etag: '"garbage"' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(t, () => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, set: (m) => (mode = m) };
}
type Mode = { kind: 'pass' } | { kind: 'serve'; status?: number; xml?: string; routes?: string };

test('answers from the trust service: exact domains, case-insensitive, with their routes', async (t) => {
  const trust = await trustWith(t, [OPERATOR_A, OPERATOR_B]);
  const c = cache(t, trust.url, await tempDir(t, 'op'));
  await c.start();
  assert.deepEqual(c.domains(), ['ch-b.mssante.fr', 'operateur-a.mssante.fr', 'operateur-b.mssante.fr', PATIENT_DOMAIN]);
  assert.equal(c.isWhitelisted('operateur-b.mssante.fr'), true);
  assert.equal(c.isWhitelisted('OPERATEUR-B.MSSante.FR'), true);
  assert.equal(c.isWhitelisted('operateur-b.mssante.fr.'), true);
  assert.equal(c.isWhitelisted(PATIENT_DOMAIN), true);
  // Not listed: refused. Sub-domains and parents of listed domains are not listed.
  assert.equal(c.isWhitelisted('gmail.com'), false);
  assert.equal(c.isWhitelisted('operateur-z.mssante.fr'), false);
  assert.equal(c.isWhitelisted('mx.operateur-b.mssante.fr'), false);
  assert.equal(c.isWhitelisted('mssante.fr'), false);
  assert.equal(c.isWhitelisted(''), false);
  assert.equal(c.isWhitelisted('operateur-b.mssante.fr\r\nRCPT TO'), false);

  assert.deepEqual(c.routeFor('CH-B.mssante.fr'), { host: '127.0.0.1', port: 11025 });
  assert.equal(c.operatorFor('ch-b.mssante.fr'), 'Opérateur B');
  assert.equal(c.routeFor('gmail.com'), undefined);
  // Listed but served by nobody yet: no route, so mail to it waits in the queue.
  assert.equal(c.routeFor(PATIENT_DOMAIN), undefined);
  assert.equal(c.status().source, 'network');
  assert.equal(c.status().lastError, undefined);
});

test('refreshes with conditional requests and picks up registrations, also on its own', async (t) => {
  const trust = await trustWith(t, [OPERATOR_A]);
  const statuses: number[] = [];
  const counting: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    statuses.push(res.status);
    return res;
  };
  const c = cache(t, trust.url, await tempDir(t, 'op'), { fetch: counting, refreshIntervalMs: 50 });
  await c.start();
  assert.deepEqual(statuses.slice(0, 2), [200, 200]);
  assert.equal(await c.refresh(), true);
  assert.ok(statuses.includes(304), `expected 304s after the first fetch, got ${statuses.join(',')}`);

  assert.equal(c.isWhitelisted('operateur-c.mssante.fr'), false);
  await trust.registerOperator(OPERATOR_C);
  const deadline = Date.now() + 20_000;
  while (!c.isWhitelisted('operateur-c.mssante.fr') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(c.isWhitelisted('operateur-c.mssante.fr'), true, 'the periodic refresh saw the new operator');
  assert.deepEqual(c.routeFor('operateur-c.mssante.fr'), OPERATOR_C.mx);
});

test('keeps the last good copy, in memory and on disk, when the service goes down', async (t) => {
  const trust = await startTrust({
    host: '127.0.0.1',
    port: 0,
    dataDir: await tempDir(t, 'ans'),
    logger: silentLogger(),
    operators: [OPERATOR_A, OPERATOR_B],
  });
  const cacheDir = await tempDir(t, 'op');
  const { logger, entries } = capturingLogger();
  const c = cache(t, trust.url, cacheDir, { logger });
  await c.start();
  await trust.stop();

  assert.equal(await c.refresh(), false);
  assert.equal(await c.refresh(), false);
  assert.equal(c.isWhitelisted('operateur-b.mssante.fr'), true);
  assert.deepEqual(c.routeFor('operateur-b.mssante.fr'), OPERATOR_B.mx);
  assert.match(c.status().lastError ?? '', /ECONNREFUSED/);
  await new Promise((r) => setTimeout(r, 50));
  const warned = warnings(entries);
  assert.equal(warned.length, 1, 'one warning for an outage, not one per attempt: ' + JSON.stringify(warned));
  assert.match(warned[0]?.msg ?? '', /keeping the last good copy/);

  // A restart of the operator while the service is still down starts from the disk copy.
  const restarted = cache(t, trust.url, cacheDir);
  await restarted.start();
  assert.equal(restarted.status().source, 'disk');
  assert.equal(restarted.isWhitelisted('operateur-a.mssante.fr'), true);
  assert.deepEqual(restarted.routeFor('operateur-a.mssante.fr'), OPERATOR_A.mx);
  assert.equal(restarted.isWhitelisted('gmail.com'), false);
  assert.deepEqual(parseWhitelistXml(await fs.readFile(path.join(cacheDir, 'listeblanchemssante.xml'), 'utf8')), restarted.domains());
});

test('keeps the last good copy when the service serves garbage', async (t) => {
  const trust = await trustWith(t, [OPERATOR_A, OPERATOR_B]);
  const proxy = await switchable(t, trust.url);
  const cacheDir = await tempDir(t, 'op');
  const { logger, entries } = capturingLogger();
  const c = cache(t, proxy.url, cacheDir, { logger });
  await c.start();
  const good = c.domains();
  const savedXml = await fs.readFile(path.join(cacheDir, 'listeblanchemssante.xml'), 'utf8');
  const savedRoutes = await fs.readFile(path.join(cacheDir, 'routes.json'), 'utf8');

  const garbage: Mode[] = [
    { kind: 'serve', status: 500, xml: '<html><body>Internal error</body></html>', routes: 'oops' },
    { kind: 'serve', xml: '<html><body>Maintenance en cours</body></html>' },
    { kind: 'serve', xml: savedXml.slice(0, savedXml.length / 2) },
    { kind: 'serve', xml: '<ListeBlanche xmlns="urn:wrong"><Domaine><Nom>evil.example</Nom></Domaine></ListeBlanche>' },
    { kind: 'serve', xml: `<ListeBlanche xmlns="${WHITELIST_NAMESPACE}"></ListeBlanche>` },
    { kind: 'serve', routes: '{"version":1,"routes":{"operateur-a.mssante.fr":{"operator":"A","mx":{"host":"evil","port":0}}}}' },
    { kind: 'serve', routes: '<html>not json</html>' },
  ];
  for (const mode of garbage) {
    proxy.set(mode);
    assert.equal(await c.refresh(), false, JSON.stringify(mode).slice(0, 80));
    assert.deepEqual(c.domains(), good);
    assert.deepEqual(c.routeFor('operateur-a.mssante.fr'), OPERATOR_A.mx);
    assert.equal(c.isWhitelisted('evil.example'), false);
  }
  assert.equal(await fs.readFile(path.join(cacheDir, 'listeblanchemssante.xml'), 'utf8'), savedXml);
  assert.equal(await fs.readFile(path.join(cacheDir, 'routes.json'), 'utf8'), savedRoutes);
  assert.ok(warnings(entries).length >= garbage.length - 1, 'each new kind of failure is logged');

  proxy.set({ kind: 'pass' });
  await trust.registerOperator(OPERATOR_C);
  assert.equal(await c.refresh(), true);
  assert.equal(c.isWhitelisted('operateur-c.mssante.fr'), true);
  assert.equal(c.status().lastError, undefined);
  assert.ok(entries.some((e) => e.level === 30 && /reachable again/.test(e.msg)));
});

test('with no copy at all and no service, nothing is whitelisted and start() still returns', async (t) => {
  const c = cache(t, 'http://127.0.0.1:9', await tempDir(t, 'op'));
  await c.start();
  assert.equal(c.status().source, 'none');
  assert.ok(c.status().lastError);
  assert.equal(c.isWhitelisted(PATIENT_DOMAIN), false);
  assert.equal(c.routeFor('operateur-a.mssante.fr'), undefined);
});

test('a damaged disk copy is ignored and replaced by the network one', async (t) => {
  const trust = await trustWith(t, [OPERATOR_A]);
  const cacheDir = await tempDir(t, 'op');
  await fs.writeFile(path.join(cacheDir, 'listeblanchemssante.xml'), '<broken');
  await fs.writeFile(path.join(cacheDir, 'whitelist-cache.json'), '{"xmlEtag":"\\"x\\""}');
  const c = cache(t, trust.url, cacheDir);
  await c.start();
  assert.equal(c.isWhitelisted('operateur-a.mssante.fr'), true);
  assert.deepEqual(parseWhitelistXml(await fs.readFile(path.join(cacheDir, 'listeblanchemssante.xml'), 'utf8')), c.domains());
});
