// Revocation in the test PKI and the operator's copy of the CRL (RFC 5280 §5): what the CA
// publishes, judged by openssl independently, and what an operator accepts from the network.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { MssError, silentLogger } from '@mss/runtime';
import { RevocationListCache } from '@mss/trust-client';
import { CRL_PATH, CRL_PEM_PATH, loadOrCreatePki, normaliseSerial, startTrust, type RunningTrust } from '../src/index.ts';
import { NO_OPENSSL, openssl, run, tempDir } from './support.ts';

type T = { after(fn: () => Promise<void> | void): void };
const APP = 'labo-resultats.ch-lilas@operateur-a.mssante.fr';

async function trust(t: T, dataDir?: string): Promise<RunningTrust> {
  const running = await startTrust({ host: '127.0.0.1', port: 0, dataDir: dataDir ?? (await tempDir(t, 'ans')), logger: silentLogger() });
  t.after(() => running.stop());
  return running;
}

function crlCache(
  t: T,
  url: string,
  caCertPem: string,
  cacheDir: string,
  extra: { fetch?: typeof fetch; now?: () => Date } = {},
): RevocationListCache {
  // No test here waits on the timeout: it is generous so that a loaded machine never turns a slow answer into a failed refresh.
  const c = new RevocationListCache({ url, caCertPem, cacheDir, logger: silentLogger(), timeoutMs: 15_000, ...extra });
  t.after(() => c.stop());
  return c;
}

const serialOf = (pem: string): string => new X509Certificate(pem).serialNumber;

test('normaliseSerial: upper-case hex without leading zeros, as openssl prints it; anything else is refused', () => {
  assert.equal(normaliseSerial('00a1:b2'), 'A1B2');
  assert.equal(normaliseSerial('0x0F'), 'F');
  assert.equal(normaliseSerial('0'), '0');
  assert.equal(normaliseSerial('labo'), undefined);
  assert.equal(normaliseSerial(''), undefined);
});

test('a revoked certificate is listed once in the CA-signed CRL, and a new one is issued for the same mailbox', async (t) => {
  const pki = await loadOrCreatePki(await tempDir(t));
  const app = await pki.issueClientCertificate({ commonName: 'Automate labo', kind: 'app', mailbox: APP });
  const serial = serialOf(app.certPem);
  // Cached by name while valid (a restart keeps the vendor's certificate)…
  assert.equal((await pki.issueClientCertificate({ commonName: 'Automate labo', kind: 'app', mailbox: APP })).certPem, app.certPem);
  const empty = await pki.crl();
  assert.equal(empty.entries.length, 0);

  const first = await pki.revoke(serial.toLowerCase(), 'keyCompromise');
  assert.equal(first.created, true);
  assert.equal(first.entry.serial, serial);
  const again = await pki.revoke(serial);
  assert.deepEqual(again, { created: false, entry: first.entry }, 'the first revocation (date, reason) is kept');
  assert.deepEqual(
    (await pki.revocations()).map((e) => e.serial),
    [serial],
  );

  // …but never once revoked: the vendor gets a new key and serial.
  const renewed = await pki.issueClientCertificate({ commonName: 'Automate labo', kind: 'app', mailbox: APP });
  assert.notEqual(serialOf(renewed.certPem), serial);

  const crl = await pki.crl();
  assert.deepEqual(
    crl.entries.map((e) => e.serial),
    [serial],
  );
  assert.ok(crl.nextUpdate.getTime() > crl.thisUpdate.getTime());
  assert.equal(crl.thisUpdate.getMilliseconds(), 0);
  assert.strictEqual(await pki.crl(), crl, 'unchanged list: the same document (HTTP caches hold)');

  await assert.rejects(pki.revoke('not-hex'), (err: unknown) => err instanceof MssError && err.code === 'TRUST_REVOCATION_INVALID');
  await assert.rejects(
    pki.revoke(serial, 'bored' as 'unspecified'),
    (err: unknown) => err instanceof MssError && err.code === 'TRUST_REVOCATION_INVALID',
  );

  // Another process (mss trust revoke) sees the same list: it is the file.
  const reloaded = await loadOrCreatePki(pki.dir);
  assert.deepEqual(
    (await reloaded.revocations()).map((e) => e.serial),
    [serial],
  );
});

test("openssl agrees: the CRL is the CA's, and `verify -crl_check` refuses the revoked certificate only", {
  skip: openssl() ? false : NO_OPENSSL,
}, async (t) => {
  const dir = await tempDir(t);
  const pki = await loadOrCreatePki(path.join(dir, 'pki'));
  const revoked = await pki.issueClientCertificate({ commonName: 'Automate A', kind: 'app', mailbox: APP });
  const kept = await pki.issueClientCertificate({ commonName: 'Automate B', kind: 'app', mailbox: 'autre-app@operateur-a.mssante.fr' });
  await pki.revoke(serialOf(revoked.certPem), 'superseded');
  const crl = await pki.crl();
  const files = {
    ca: path.join(dir, 'ca.pem'),
    crl: path.join(dir, 'crl.pem'),
    revoked: path.join(dir, 'r.pem'),
    kept: path.join(dir, 'k.pem'),
  };
  await fs.writeFile(files.ca, pki.caCertPem);
  await fs.writeFile(files.crl, crl.pem);
  await fs.writeFile(files.revoked, revoked.certPem);
  await fs.writeFile(files.kept, kept.certPem);

  const text = await run('openssl', ['crl', '-inform', 'DER', '-noout', '-text', '-CAfile', files.ca], crl.der);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout + text.stderr, /verify OK/);
  assert.match(text.stdout, /X509v3 CRL Number/);
  assert.match(text.stdout, /X509v3 Authority Key Identifier/);
  assert.match(text.stdout, new RegExp(`Serial Number: ${serialOf(revoked.certPem)}`));
  assert.match(text.stdout, /Superseded/);

  const bad = await run('openssl', ['verify', '-crl_check', '-CAfile', files.ca, '-CRLfile', files.crl, files.revoked]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stdout + bad.stderr, /certificate revoked/);
  const good = await run('openssl', ['verify', '-crl_check', '-CAfile', files.ca, '-CRLfile', files.crl, files.kept]);
  assert.equal(good.code, 0, good.stdout + good.stderr);
});

test('the trust service serves the CRL (DER and PEM) with ETag; a revocation made on disk is served at the next request', async (t) => {
  const running = await trust(t);
  const res = await fetch(`${running.url}${CRL_PATH}`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/pkix-crl');
  const etag = res.headers.get('etag') as string;
  assert.ok(etag);
  assert.equal((await fetch(`${running.url}${CRL_PATH}`, { headers: { 'if-none-match': etag } })).status, 304);
  const pem = await (await fetch(`${running.url}${CRL_PEM_PATH}`)).text();
  assert.match(pem, /^-----BEGIN X509 CRL-----/);
  assert.equal((await fetch(`${running.url}${CRL_PATH}`, { method: 'POST' })).status, 405);

  // As `mss trust revoke` does it: another Pki over the same directory.
  const app = await running.pki.issueClientCertificate({ commonName: 'Automate', kind: 'app', mailbox: APP });
  await (await loadOrCreatePki(running.pki.dir)).revoke(serialOf(app.certPem));
  const changed = await fetch(`${running.url}${CRL_PATH}`, { headers: { 'if-none-match': etag } });
  assert.equal(changed.status, 200);
  assert.notEqual(changed.headers.get('etag'), etag);
});

test('RevocationListCache: unknown before any CRL, then good/revoked; new revocations are announced and kept across a restart', async (t) => {
  const running = await trust(t);
  const cacheDir = await tempDir(t, 'operator');
  const app = await running.pki.issueClientCertificate({ commonName: 'Automate', kind: 'app', mailbox: APP });
  const serial = serialOf(app.certPem);

  const cache = crlCache(t, running.url, running.pki.caCertPem, cacheDir);
  assert.equal(cache.status(serial), 'unknown', 'no CRL yet: the caller must fail closed');
  await cache.start();
  assert.equal(cache.status(serial), 'good');
  assert.equal(cache.state().source, 'network');

  const announced: string[][] = [];
  cache.onRevoked((serials) => announced.push(serials));
  await running.pki.revoke(serial);
  assert.equal(await cache.refresh(), true);
  assert.equal(cache.status(serial), 'revoked');
  assert.equal(cache.status(serial.toLowerCase()), 'revoked');
  assert.deepEqual(announced, [[serial]]);
  assert.equal(await cache.refresh(), true, 'not modified');
  assert.deepEqual(announced, [[serial]], 'announced once');

  // The trust service is gone: a new operator process still knows the revocation from its disk copy.
  await running.stop();
  const restarted = crlCache(t, running.url, running.pki.caCertPem, cacheDir);
  await restarted.start();
  assert.equal(restarted.status(serial), 'revoked');
  assert.equal(restarted.state().source, 'disk');
  assert.match(restarted.state().lastError ?? '', /ca\.crl/);
});

/** Serves whatever the test puts in `body` as the CRL. */
async function fakeCrlServer(t: T): Promise<{ url: string; set(body: Uint8Array | string, status?: number): void }> {
  let body: Uint8Array | string = '';
  let status = 200;
  const server = http.createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/pkix-crl' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}${CRL_PATH}`,
    set(b, s = 200) {
      body = b;
      status = s;
    },
  };
}

test('RevocationListCache keeps its copy against a CRL of another CA, a forged or older one, garbage and errors', async (t) => {
  const ours = await loadOrCreatePki(await tempDir(t, 'ca'));
  const theirs = await loadOrCreatePki(await tempDir(t, 'other-ca'));
  const app = await ours.issueClientCertificate({ commonName: 'Automate', kind: 'app', mailbox: APP });
  const serial = serialOf(app.certPem);
  await ours.revoke(serial);
  const good = await ours.crl();
  const fake = await fakeCrlServer(t);
  const cache = crlCache(t, fake.url, ours.caCertPem, await tempDir(t, 'operator'));

  fake.set(good.der);
  await cache.start();
  assert.equal(cache.status(serial), 'revoked');

  const refusedWith = async (body: Uint8Array | string, pattern: RegExp, status = 200): Promise<void> => {
    fake.set(body, status);
    assert.equal(await cache.refresh(), false);
    assert.match(cache.state().lastError ?? '', pattern);
    assert.equal(cache.status(serial), 'revoked', 'the last good copy is still in use');
  };
  // Another CA's CRL (same name, other key), empty: accepting it would un-revoke the certificate.
  await refusedWith((await theirs.crl()).der, /bad signature \(not signed by the trust space CA\)/);
  // Same issuer name, wrong key: flip a byte of the signature.
  const forged = new Uint8Array(good.der);
  forged[forged.length - 3] = (forged[forged.length - 3] as number) ^ 0xff;
  await refusedWith(forged, /bad signature|not a DER CRL/);
  await refusedWith('<html>maintenance</html>', /not a DER CRL/);
  await refusedWith('', /not a DER CRL/, 200);
  await refusedWith(good.der, /HTTP 503/, 503);

  // A CRL older than the one in use (replayed): refused. A newer one is taken.
  const olderPki = await loadOrCreatePki(ours.dir, { now: new Date(Date.now() - 3 * 24 * 3600_000) });
  const older = await olderPki.crl();
  assert.ok(older.thisUpdate < good.thisUpdate);
  await refusedWith(older.der, /older than the CRL in use/);

  // Dated in the future (a CA clock far ahead): refused.
  const futurePki = await loadOrCreatePki(ours.dir, { now: new Date(Date.now() + 3600_000) });
  await refusedWith((await futurePki.crl()).der, /dated in the future/);
});

test('RevocationListCache ignores a disk copy of another CA (the sandbox PKI was recreated)', async (t) => {
  const old = await loadOrCreatePki(await tempDir(t, 'old-ca'));
  const current = await loadOrCreatePki(await tempDir(t, 'new-ca'));
  const cacheDir = await tempDir(t, 'operator');
  await fs.writeFile(path.join(cacheDir, 'ca.crl'), (await old.crl()).der);
  const fake = await fakeCrlServer(t);
  fake.set('', 503);
  const cache = crlCache(t, fake.url, current.caCertPem, cacheDir);
  await cache.start();
  assert.equal(cache.state().source, 'none');
  assert.equal(cache.status('01'), 'unknown');
});

test('RevocationListCache says when the CRL in use is past its nextUpdate, and still uses it', async (t) => {
  const pki = await loadOrCreatePki(await tempDir(t, 'ca'));
  await pki.revoke('0A');
  const fake = await fakeCrlServer(t);
  fake.set((await pki.crl()).der);
  let now = new Date();
  const cache = crlCache(t, fake.url, pki.caCertPem, await tempDir(t, 'operator'), { now: () => now });
  await cache.start();
  assert.equal(cache.state().stale, false);
  now = new Date(Date.now() + 8 * 24 * 3600_000);
  assert.equal(cache.state().stale, true);
  assert.equal(cache.status('0a'), 'revoked');
  assert.equal(cache.status('0b'), 'good');
});
