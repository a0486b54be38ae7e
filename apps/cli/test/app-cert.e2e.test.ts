// The APP certificate story on a running sandbox, as a vendor would play it (domain reference §5,
// our choice: SASL EXTERNAL over mutual TLS): `mss trust issue-app-cert` gives the software a
// certificate and key; with nothing else, curl sends from the APP mailbox (submission) and reads
// it (IMAP); `mss trust revoke` puts it in the trust stand-in's CRL, the operator's copy picks it
// up, and the same certificate is refused; a new one works.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { X509Certificate } from 'node:crypto';
import { exitOf, firstLine, freePortBase, isolatedDatabaseEnv, mss, spawnMss } from './run-mss.ts';

const APP = 'labo-resultats.ch-lilas@operateur-a.mssante.fr';
const PER = 'paul.martin@operateur-a.mssante.fr';

let child: ChildProcessWithoutNullStreams;
let base: number;
let dataDir: string;
let env: NodeJS.ProcessEnv;
let endpoints: Record<string, string>;
const cli = (...args: string[]) => mss([...args, '--data-dir', dataDir], env);

before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-e2e-app-'));
  base = await freePortBase();
  env = isolatedDatabaseEnv();
  child = spawnMss(['sandbox', '--json', '--data-dir', dataDir, '--port-base', String(base), '--professionals', '200'], env);
  endpoints = (JSON.parse(await firstLine(child)) as { endpoints: Record<string, string> }).endpoints;
});
after(async () => {
  child.kill('SIGINT');
  assert.equal(await exitOf(child), 0);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

interface Issued {
  mailbox: string;
  serial: string;
  notAfter: string;
  certificate: string;
  key: string;
  ca: string;
}

function issue(): Issued {
  const r = cli('trust', 'issue-app-cert', APP, '--json');
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Issued;
}

const hostPort = (url: string): string => url.replace(/^[a-z]+:\/\//, '').replace('127.0.0.1', 'localhost');

async function curl(args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('curl', ['-sS', '-v', '--ssl-reqd', ...args], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? -1, out: x.stdout ?? '', err: x.stderr ?? '' };
  }
}

function send(c: Issued, to: string, subject: string): Promise<{ code: number; out: string; err: string }> {
  const file = path.join(dataDir, `${subject.replace(/\W+/g, '-')}.eml`);
  fs.writeFileSync(file, `From: <${APP}>\r\nTo: <${to}>\r\nSubject: ${subject}\r\n\r\nResultats d'analyse.\r\n`);
  return curl([
    '--cacert',
    c.ca,
    '--cert',
    c.certificate,
    '--key',
    c.key,
    '--login-options',
    'AUTH=EXTERNAL',
    '--mail-from',
    APP,
    '--mail-rcpt',
    to,
    '-T',
    file,
    `smtp://${hostPort(endpoints.smtpSubmission!)}`,
  ]);
}

test('issue-app-cert: the certificate names the APP mailbox (SAN rfc822Name), chains to the trust CA; the key is private', () => {
  const c = issue();
  assert.equal(c.mailbox, APP);
  assert.equal(c.certificate, path.join(dataDir, 'app-certs', `${APP}.pem`));
  const cert = new X509Certificate(fs.readFileSync(c.certificate));
  assert.equal(cert.subjectAltName, `email:${APP}`);
  assert.ok(cert.checkIssued(new X509Certificate(fs.readFileSync(c.ca))));
  assert.equal(cert.serialNumber.replace(/^0+/, ''), c.serial);
  assert.equal(fs.statSync(c.key).mode & 0o077, 0, 'key readable by its owner only');
  assert.deepEqual(issue(), c, 'asked again: the same certificate');
});

test('with only its certificate, the APP software sends (SMTP AUTH EXTERNAL) and reads (IMAP AUTHENTICATE EXTERNAL) with curl; revoked, it is refused; a new one works', async () => {
  const c = issue();
  const sent = await send(c, APP, 'Resultats 42');
  assert.equal(sent.code, 0, sent.err);
  assert.match(sent.err, /< 235 2\.7\.0 Authentication successful: labo-resultats\.ch-lilas@operateur-a\.mssante\.fr as application/);
  const toGp = await send(c, PER, 'Resultats pour le Dr Martin');
  assert.equal(toGp.code, 0, toGp.err);

  const read = await curl([
    '--cacert',
    c.ca,
    '--cert',
    c.certificate,
    '--key',
    c.key,
    '--login-options',
    'AUTH=EXTERNAL',
    `imap://${hostPort(endpoints.imap!)}/INBOX;UID=1;SECTION=HEADER.FIELDS%20(SUBJECT)`,
  ]);
  assert.equal(read.code, 0, read.err);
  assert.equal(read.out.trim(), 'Subject: Resultats 42');

  const revoked = cli('trust', 'revoke', c.certificate, '--reason', 'keyCompromise');
  assert.equal(revoked.status, 0, revoked.stderr);
  assert.match(revoked.stdout, new RegExp(`^revoked ${c.serial} \\(keyCompromise\\) at `));
  // The trust stand-in publishes it at once…
  const crl = await fetch(`${endpoints.trust}/pki/ca-crl.pem`);
  assert.equal(crl.status, 200);
  // …and the operator's copy follows within its refresh interval (5 s in the sandbox).
  const deadline = Date.now() + 60_000;
  let refused: { code: number; err: string };
  do {
    refused = await send(c, PER, 'Apres revocation');
    if (/535 5\.7\.8/.test(refused.err)) break;
    await new Promise((r) => setTimeout(r, 500));
  } while (Date.now() < deadline);
  assert.match(refused.err, /< 535 5\.7\.8 Authentication credentials invalid: the client certificate has been revoked/);
  const imapRefused = await curl([
    '--cacert',
    c.ca,
    '--cert',
    c.certificate,
    '--key',
    c.key,
    '--login-options',
    'AUTH=EXTERNAL',
    `imap://${hostPort(endpoints.imap!)}/INBOX;UID=1`,
  ]);
  assert.notEqual(imapRefused.code, 0);
  assert.match(imapRefused.err, /NO \[AUTHENTICATIONFAILED\] Authentication failed: the client certificate has been revoked/);

  const renewed = issue();
  assert.notEqual(renewed.serial, c.serial, 'a revoked certificate is never handed out again');
  const again = await send(renewed, PER, 'Avec le nouveau certificat');
  assert.equal(again.code, 0, again.err);
});
