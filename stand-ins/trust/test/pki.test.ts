import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { MssError } from '@mss/runtime';
import { CA_COMMON_NAME, loadOrCreatePki } from '../src/index.ts';
import { NO_OPENSSL, mutualTls, openssl, run, serverVerdict, tempDir } from './support.ts';

const A = 'operateur-a.mssante.fr';
const B = 'operateur-b.mssante.fr';
const DAY = 24 * 60 * 60 * 1000;

test('a server and a client certificate of the test CA complete a mutual-TLS handshake; the server sees the operator', async (t) => {
  const pki = await loadOrCreatePki(await tempDir(t));
  const serverB = await pki.issueServerCertificate({ commonName: B, dnsNames: [B, 'localhost'] });
  // Operators present their server certificate when they connect to each other.
  const serverA = await pki.issueServerCertificate({ commonName: A, dnsNames: [A] });
  const r = await mutualTls({
    server: serverB,
    client: serverA,
    serverTrusts: [pki.caCertPem],
    clientTrusts: [pki.caCertPem],
    servername: B,
  });
  assert.equal(r.ok, true, `handshake failed: server ${r.serverError}, client ${r.clientError}`);
  assert.ok(r.peer);
  assert.equal(pki.operatorOf(r.peer), A);
  assert.equal(pki.operatorOf(r.peer.toString()), A);

  const operatorClient = await pki.issueClientCertificate({ commonName: A, kind: 'operator' });
  const r2 = await mutualTls({
    server: serverB,
    client: operatorClient,
    serverTrusts: [pki.caCertPem],
    clientTrusts: [pki.caCertPem],
    servername: B,
  });
  assert.equal(r2.ok, true, `handshake failed: server ${r2.serverError}, client ${r2.clientError}`);
  assert.equal(pki.operatorOf(r2.peer as X509Certificate), A);
  assert.equal(pki.describe(r2.peer as X509Certificate).kind, 'operator');

  const app = await pki.issueClientCertificate({
    commonName: 'Automate labo CH A',
    kind: 'app',
    mailbox: 'Labo.Resultats@operateur-a.mssante.fr',
  });
  const r3 = await mutualTls({ server: serverB, client: app, serverTrusts: [pki.caCertPem], clientTrusts: [pki.caCertPem], servername: B });
  assert.equal(r3.ok, true, `handshake failed: server ${r3.serverError}, client ${r3.clientError}`);
  const info = pki.describe(r3.peer as X509Certificate);
  assert.equal(info.kind, 'app');
  assert.deepEqual(info.emails, ['labo.resultats@operateur-a.mssante.fr']);
  assert.deepEqual(info.extendedKeyUsage, ['clientAuth']);
  assert.equal(pki.operatorOf(app.certPem), A);

  // The name check of the client side is real: a certificate for B does not pass as A.
  const wrongName = await mutualTls({
    server: serverB,
    client: serverA,
    serverTrusts: [pki.caCertPem],
    clientTrusts: [pki.caCertPem],
    servername: A,
  });
  assert.equal(wrongName.ok, false);
  assert.equal(wrongName.clientError, 'ERR_TLS_CERT_ALTNAME_INVALID');
});

test('server certificates carry both purposes, the names asked for and 127.0.0.1', async (t) => {
  const pki = await loadOrCreatePki(await tempDir(t));
  const server = await pki.issueServerCertificate({ commonName: A, dnsNames: ['MX.Operateur-A.mssante.fr.', 'localhost'] });
  const info = pki.describe(server.certPem);
  assert.equal(info.kind, 'server');
  assert.equal(info.commonName, A);
  assert.deepEqual(info.dnsNames.sort(), [A, 'localhost', 'mx.operateur-a.mssante.fr'].sort());
  assert.ok(info.ipAddresses.includes('127.0.0.1'));
  assert.deepEqual(info.extendedKeyUsage.sort(), ['clientAuth', 'serverAuth']);
  assert.ok(info.notAfter.getTime() - Date.now() > 360 * DAY);
  assert.match(info.issuer, /AC RACINE IGC-SANTE TEST/);
  const check = pki.verifyChain(server.certPem, { purpose: 'server' });
  assert.equal(check.ok, true);
  // Node checks the IP address too, for clients that connect without a name.
  assert.equal(new X509Certificate(server.certPem).checkIP('127.0.0.1'), '127.0.0.1');
});

test('a certificate from another CA is refused at the handshake, both ways', async (t) => {
  const pki = await loadOrCreatePki(await tempDir(t, 'ca-1'));
  const other = await loadOrCreatePki(await tempDir(t, 'ca-2'));
  assert.notEqual(pki.caCertPem, other.caCertPem);
  const server = await pki.issueServerCertificate({ commonName: B, dnsNames: [B] });
  const intruder = await other.issueServerCertificate({ commonName: A, dnsNames: [A] });

  const asClient = await mutualTls({
    server,
    client: intruder,
    serverTrusts: [pki.caCertPem],
    clientTrusts: [pki.caCertPem],
    servername: B,
  });
  assert.equal(asClient.ok, false);
  assert.equal(asClient.peer, undefined, 'the server must not accept the connection');
  assert.ok(asClient.serverError, 'the server reports the refused handshake');
  assert.equal(await serverVerdict({ server, client: intruder, serverTrusts: [pki.caCertPem] }), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');

  const asServer = await mutualTls({
    server: intruder,
    client: server,
    serverTrusts: [other.caCertPem],
    clientTrusts: [pki.caCertPem],
    servername: A,
  });
  assert.equal(asServer.ok, false);
  // Node's server sends its root along when it has it in `ca`; either way the client finds no trusted issuer.
  assert.ok(['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN'].includes(asServer.clientError ?? ''), asServer.clientError);

  const check = pki.verifyChain(intruder.certPem);
  assert.equal(check.ok, false);
  assert.match(check.ok ? '' : check.reason, /not issued by AC RACINE IGC-SANTE TEST/);
});

test('no client certificate, or one without the client purpose, is refused', async (t) => {
  const pki = await loadOrCreatePki(await tempDir(t));
  const server = await pki.issueServerCertificate({ commonName: B, dnsNames: [B] });
  const none = await mutualTls({ server, serverTrusts: [pki.caCertPem], clientTrusts: [pki.caCertPem], servername: B });
  assert.equal(none.ok, false);
  assert.equal(none.peer, undefined);

  // A client-only certificate cannot serve: the TLS client checks the purpose.
  const clientOnly = await pki.issueClientCertificate({ commonName: A, kind: 'operator' });
  const r = await mutualTls({
    server: clientOnly,
    client: server,
    serverTrusts: [pki.caCertPem],
    clientTrusts: [pki.caCertPem],
    servername: A,
  });
  assert.equal(r.ok, false);
  assert.equal(r.clientError, 'INVALID_PURPOSE');
  const check = pki.verifyChain(clientOnly.certPem, { purpose: 'server' });
  assert.equal(check.ok, false);
});

test('an expired certificate is refused at the handshake', async (t) => {
  const dir = await tempDir(t);
  const pki = await loadOrCreatePki(dir);
  const server = await pki.issueServerCertificate({ commonName: B, dnsNames: [B] });
  // The same CA, with a clock ten days back: what it issues for one day is long expired now.
  const past = await loadOrCreatePki(dir, { now: new Date(Date.now() - 10 * DAY) });
  assert.equal(past.caCertPem, pki.caCertPem);
  const expired = await past.issueClientCertificate({ commonName: A, kind: 'operator', days: 1 });
  assert.ok(pki.describe(expired.certPem).notAfter.getTime() < Date.now() - 8 * DAY);

  const r = await mutualTls({ server, client: expired, serverTrusts: [pki.caCertPem], clientTrusts: [pki.caCertPem], servername: B });
  assert.equal(r.ok, false);
  assert.equal(r.peer, undefined);
  assert.ok(r.serverError);
  assert.equal(await serverVerdict({ server, client: expired, serverTrusts: [pki.caCertPem] }), 'CERT_HAS_EXPIRED');
  const check = pki.verifyChain(expired.certPem);
  assert.equal(check.ok, false);
  assert.match(check.ok ? '' : check.reason, /^expired on /);

  // Asked again at today's date, the cached certificate is not reused.
  const fresh = await pki.issueClientCertificate({ commonName: A, kind: 'operator', days: 1 });
  assert.notEqual(fresh.certPem, expired.certPem);
  assert.equal(pki.verifyChain(fresh.certPem, { purpose: 'client' }).ok, true);
});

test('the CA and the certificates persist: keys 0600, the same CA and certificates on the next load', async (t) => {
  const dir = await tempDir(t);
  const first = await loadOrCreatePki(dir);
  const server = await first.issueServerCertificate({ commonName: A, dnsNames: [A, 'localhost'] });
  const app = await first.issueClientCertificate({ commonName: 'Robot', kind: 'app', mailbox: 'robot@operateur-a.mssante.fr' });

  for (const key of ['ca/ca.key.pem', `servers/${A}.key.pem`, 'clients/app-robot@operateur-a.mssante.fr.key.pem']) {
    const st = await fs.stat(path.join(dir, key));
    assert.equal(st.mode & 0o777, 0o600, `${key} must be readable by its owner only`);
  }
  assert.equal(await fs.readFile(path.join(dir, 'ca', 'ca.pem'), 'utf8'), first.caCertPem);
  assert.equal(await fs.readFile(path.join(dir, 'servers', `${A}.pem`), 'utf8'), server.certPem);

  const second = await loadOrCreatePki(dir);
  assert.equal(second.caCertPem, first.caCertPem);
  assert.deepEqual(await second.issueServerCertificate({ commonName: A, dnsNames: ['localhost', A] }), server);
  assert.deepEqual(await second.issueClientCertificate({ commonName: 'Robot', kind: 'app', mailbox: 'ROBOT@operateur-a.mssante.fr' }), app);
  // Other names: a new certificate, replacing the cached one.
  const renamed = await second.issueServerCertificate({ commonName: A, dnsNames: [A, 'mx.operateur-a.mssante.fr'] });
  assert.notEqual(renamed.certPem, server.certPem);
  assert.ok(second.describe(renamed.certPem).dnsNames.includes('mx.operateur-a.mssante.fr'));
  assert.equal(second.verifyChain(server.certPem).ok, true, 'the replaced certificate stays valid');
});

test('concurrent first starts on an empty directory agree on one CA', async (t) => {
  const dir = await tempDir(t);
  const [a, b, c] = await Promise.all([loadOrCreatePki(dir), loadOrCreatePki(dir), loadOrCreatePki(dir)]);
  assert.equal(a.caCertPem, b.caCertPem);
  assert.equal(b.caCertPem, c.caCertPem);
  const issued = await a.issueServerCertificate({ commonName: A, dnsNames: [A] });
  assert.equal(c.verifyChain(issued.certPem).ok, true);
  assert.deepEqual((await fs.readdir(dir)).sort(), ['ca', 'servers']);
});

test('a damaged CA directory is reported, not silently replaced', async (t) => {
  const dir = await tempDir(t);
  await loadOrCreatePki(dir);
  await fs.rm(path.join(dir, 'ca', 'ca.key.pem'));
  await assert.rejects(
    loadOrCreatePki(dir),
    (err: unknown) => err instanceof MssError && err.code === 'TRUST_PKI_CORRUPT' && /ca\.key\.pem is missing/.test(err.message),
  );
  await fs.writeFile(path.join(dir, 'ca', 'ca.key.pem'), 'garbage');
  await assert.rejects(loadOrCreatePki(dir), (err: unknown) => err instanceof MssError && err.code === 'TRUST_PKI_CORRUPT');
});

test('bad certificate requests are refused with a clear error', async (t) => {
  const pki = await loadOrCreatePki(await tempDir(t));
  const refused = (fn: () => Promise<unknown>, pattern: RegExp) =>
    assert.rejects(
      fn(),
      (err: unknown) => err instanceof MssError && err.code === 'TRUST_CERT_REQUEST_INVALID' && pattern.test(err.message),
    );
  await refused(() => pki.issueClientCertificate({ commonName: 'Robot', kind: 'app' }), /APP certificate needs the mailbox/);
  await refused(() => pki.issueClientCertificate({ commonName: 'Robot', kind: 'app', mailbox: 'not-an-address' }), /mailbox/);
  await refused(() => pki.issueClientCertificate({ commonName: 'Opérateur A', kind: 'operator' }), /not a DNS name/);
  await refused(() => pki.issueServerCertificate({ commonName: A, dnsNames: ['bad name'] }), /not a DNS name/);
  await refused(() => pki.issueServerCertificate({ commonName: A, dnsNames: [A], ipAddresses: ['localhost'] }), /not an IP address/);
  await refused(() => pki.issueServerCertificate({ commonName: A, dnsNames: [A], days: 0 }), /days/);
  await refused(() => pki.issueServerCertificate({ commonName: 'x'.repeat(65), dnsNames: [A] }), /64 characters/);
  assert.equal(pki.verifyChain('not a certificate').ok, false);
  assert.throws(
    () => pki.operatorOf('not a certificate'),
    (err: unknown) => err instanceof MssError && err.code === 'TRUST_CERT_INVALID',
  );
  assert.equal(pki.verifyChain(pki.caCertPem).ok, false);
});

test('openssl agrees: verify, purposes, names, expiry, the PKCS#7 bundle', async (t) => {
  const bin = openssl();
  if (!bin) return t.skip(NO_OPENSSL);
  const dir = await tempDir(t);
  const pki = await loadOrCreatePki(dir);
  const other = await loadOrCreatePki(await tempDir(t, 'other'));
  const server = await pki.issueServerCertificate({ commonName: A, dnsNames: [A, 'localhost'] });
  const app = await pki.issueClientCertificate({ commonName: 'Robot', kind: 'app', mailbox: 'robot@operateur-a.mssante.fr' });
  const past = await loadOrCreatePki(dir, { now: new Date(Date.now() - 10 * DAY) });
  const expired = await past.issueClientCertificate({ commonName: B, kind: 'operator', days: 1 });
  const foreign = await other.issueServerCertificate({ commonName: B, dnsNames: [B] });
  const caFile = path.join(dir, 'ca', 'ca.pem');
  const write = async (name: string, pem: string) => {
    const f = path.join(dir, name);
    await fs.writeFile(f, pem);
    return f;
  };

  const ok = await run(bin, ['verify', '-x509_strict', '-CAfile', caFile, '-purpose', 'sslserver', await write('s.pem', server.certPem)]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /: OK/);
  const asClient = await run(bin, [
    'verify',
    '-x509_strict',
    '-CAfile',
    caFile,
    '-purpose',
    'sslclient',
    await write('s.pem', server.certPem),
  ]);
  assert.equal(asClient.code, 0, asClient.stderr);
  const appOk = await run(bin, ['verify', '-x509_strict', '-CAfile', caFile, '-purpose', 'sslclient', await write('a.pem', app.certPem)]);
  assert.equal(appOk.code, 0, appOk.stderr);
  const appAsServer = await run(bin, ['verify', '-CAfile', caFile, '-purpose', 'sslserver', await write('a.pem', app.certPem)]);
  assert.notEqual(appAsServer.code, 0);
  assert.match(appAsServer.stdout + appAsServer.stderr, /(unsuitable|unsupported) certificate purpose/);

  const exp = await run(bin, ['verify', '-CAfile', caFile, await write('e.pem', expired.certPem)]);
  assert.notEqual(exp.code, 0);
  assert.match(exp.stdout + exp.stderr, /certificate has expired/);
  const alien = await run(bin, ['verify', '-CAfile', caFile, await write('f.pem', foreign.certPem)]);
  assert.notEqual(alien.code, 0);
  assert.match(alien.stdout + alien.stderr, /unable to get local issuer certificate/);

  const text = await run(bin, ['x509', '-noout', '-text', '-in', path.join(dir, 'servers', `${A}.pem`)]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /DNS:operateur-a\.mssante\.fr/);
  assert.match(text.stdout, /IP Address:127\.0\.0\.1/);
  assert.match(text.stdout, /TLS Web Server Authentication, TLS Web Client Authentication/);
  assert.match(text.stdout, /ASN1 OID: prime256v1/);
  const appText = await run(bin, ['x509', '-noout', '-text', '-in', await write('a.pem', app.certPem)]);
  assert.match(appText.stdout, /email:robot@operateur-a\.mssante\.fr/);
  const caText = await run(bin, ['x509', '-noout', '-text', '-in', caFile]);
  assert.match(caText.stdout, /CA:TRUE, pathlen:0/);
  assert.match(caText.stdout, /Certificate Sign, CRL Sign/);
  const caEnd = /Not After : (.*)/.exec(caText.stdout)?.[1];
  assert.ok(caEnd && Date.parse(caEnd) - Date.now() > 9.9 * 365 * DAY, `CA valid ~10 years, got ${caEnd}`);

  // The key files are what openssl (and swaks, s_client) will load.
  const key = await run(bin, ['pkey', '-noout', '-in', path.join(dir, 'servers', `${A}.key.pem`)]);
  assert.equal(key.code, 0, key.stderr);

  const p7 = await run(bin, ['pkcs7', '-inform', 'DER', '-print_certs', '-noout'], pki.chainP7b());
  assert.equal(p7.code, 0, p7.stderr);
  assert.ok(p7.stdout.includes(CA_COMMON_NAME), p7.stdout);
});
