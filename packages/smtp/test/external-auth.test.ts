// AUTH EXTERNAL on submission (domain reference §5, our choice; RFC 4954, RFC 4422 appendix A):
// the software of an APP mailbox sends with nothing but its TLS client certificate, presented in
// the STARTTLS handshake. Three independent clients: openssl s_client, curl --cert and Python's
// ssl + smtplib; every refusal is checked with its exact reply and its audit row.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadOrCreatePki, type IssuedCertificate } from '@mss/trust';
import type { RunningSubmissionServer } from '../src/index.ts';
import { APP, CAB, D, ORG, PER, eventually, startSmtpWorld, type SmtpWorld } from './support/smtp-world.ts';

const SCRIPT = fileURLToPath(new URL('./support/smtplib_external.py', import.meta.url));
const OTHER_APP = `imagerie.ch-lilas@${D}`;
const DAY = 86_400_000;

let w: SmtpWorld;
let smtp: RunningSubmissionServer;
let dir: string;
/** PEM files of each certificate the tests present, and its serial as the audit writes it. */
const certs: Record<string, { cert: string; key: string; serial: string }> = {};

function save(name: string, issued: IssuedCertificate): void {
  const cert = path.join(dir, `${name}.pem`);
  const key = path.join(dir, `${name}.key.pem`);
  fs.writeFileSync(cert, issued.certPem);
  fs.writeFileSync(key, issued.keyPem, { mode: 0o600 });
  certs[name] = { cert, key, serial: new X509Certificate(issued.certPem).serialNumber.replace(/^0+/, '').toUpperCase() };
}

before(async () => {
  w = await startSmtpWorld();
  smtp = await w.startAnother({ certificates: w.certificates });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-smtp-app-certs-'));
  // A second APP mailbox of the same structure, to ask for with the first one's certificate.
  const lab = (await w.store.mailboxes.byAddress(APP))!;
  const other = await w.store.mailboxes.create({ address: OTHER_APP, type: 'APP', ownerIdnat: lab.owner_idnat });
  for (const h of await w.store.mailboxes.holders(lab.id)) await w.store.mailboxes.addHolder(other.id, h.person_idnat, h.role, null);
  save('app', await w.pki.issueClientCertificate({ commonName: 'Automate labo CH Lilas', kind: 'app', mailbox: APP }));
  save('per', await w.pki.issueClientCertificate({ commonName: 'Logiciel du Dr Martin', kind: 'app', mailbox: PER }));
  save('org', await w.pki.issueClientCertificate({ commonName: 'Logiciel de cardiologie', kind: 'app', mailbox: ORG }));
  save('cab', await w.pki.issueClientCertificate({ commonName: 'Logiciel du cabinet', kind: 'app', mailbox: CAB }));
  save('operator', await w.pki.issueClientCertificate({ commonName: D, kind: 'operator' }));
  save(
    'expired',
    await w.pki.issueClientCertificate({
      commonName: 'Ancien automate',
      kind: 'app',
      mailbox: `ancien@${D}`,
      days: 1,
      now: new Date(Date.now() - 10 * DAY),
    }),
  );
  save('revoked', await w.pki.issueClientCertificate({ commonName: 'Automate vole', kind: 'app', mailbox: OTHER_APP }));
  w.revocations.revoked.add(certs.revoked!.serial);
  const foreign = await loadOrCreatePki(path.join(dir, 'foreign-ca'));
  save('foreign', await foreign.issueClientCertificate({ commonName: 'Automate labo CH Lilas', kind: 'app', mailbox: APP }));
});
after(async () => {
  await w.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface PyOptions {
  cert?: string;
  authzid?: string | null;
  continuation?: boolean;
  mail_from?: string;
  rcpt?: string;
  from_header?: string;
  subject?: string;
  port?: number;
}

// Asynchronous on purpose: the server under test runs in this very process.
async function py(o: PyOptions): Promise<Record<string, any>> {
  const c = o.cert ? certs[o.cert]! : undefined;
  const args = {
    port: o.port ?? smtp.port,
    ca: w.caFile,
    ...(c ? { cert: c.cert, key: c.key } : {}),
    authzid: o.authzid ?? null,
    continuation: o.continuation ?? false,
    mail_from: o.mail_from,
    rcpt: o.rcpt,
    from_header: o.from_header,
    subject: o.subject ?? 'Resultats',
  };
  const { stdout } = await promisify(execFile)('python3', [SCRIPT, JSON.stringify(args)], { encoding: 'utf8', timeout: 30_000 });
  return JSON.parse(stdout) as Record<string, any>;
}

async function lastAudit(): Promise<{
  idnat: string | null;
  mailbox: string | null;
  action: string;
  outcome: string;
  reason: string;
  role: string | null;
  channel: string;
}> {
  return (await w.store.audit.list({ limit: 1000 })).at(-1)!;
}

test('EXTERNAL is offered after STARTTLS only where certificates are configured; elsewhere 504', async () => {
  const on = await py({ cert: 'app', authzid: null });
  assert.equal(on.auth_line, 'XOAUTH2 OAUTHBEARER EXTERNAL');
  const off = await py({ cert: 'app', port: w.smtp.port });
  assert.equal(off.auth_line, 'XOAUTH2 OAUTHBEARER');
  assert.deepEqual(off.auth, [504, '5.5.4 Unrecognized authentication type: use XOAUTH2 or OAUTHBEARER']);
});

test('Python ssl + smtplib: the APP certificate alone sends as its mailbox (empty or explicit authorization identity, initial response or not); audited by serial', async () => {
  for (const [authzid, continuation] of [
    [null, false],
    [APP, false],
    [null, true],
    [APP.toUpperCase(), true],
  ] as const) {
    const subject = `Resultats ${String(authzid)} ${continuation}`;
    const out = await py({ cert: 'app', authzid, continuation, mail_from: APP, rcpt: PER, subject });
    if (continuation) assert.deepEqual(out.challenge, [334, '']);
    assert.deepEqual(out.auth, [235, `2.7.0 Authentication successful: ${APP} as application`]);
    assert.equal(out.mail[0], 250);
    assert.equal(out.rcpt[0], 250);
    assert.equal(out.data[0], 250, JSON.stringify(out));
  }
  const inbox = await w.inbox(PER);
  const got = inbox.find((m) => m.subject === 'Resultats null false');
  assert.ok(got, 'delivered to the PER mailbox');
  // The author of what a certificate sent is the certificate (R-CAB-9: the actor is traceable).
  assert.equal(got.author_idnat, `certificate:${certs.app!.serial}`);
  const rows = (await w.store.audit.list({ idnat: `certificate:${certs.app!.serial}`, limit: 1000 })).filter((r) => r.channel === 'smtp');
  assert.ok(
    rows.some((r) => r.action === 'send' && r.outcome === 'allowed' && r.role === 'application' && r.mailbox === APP),
    'the decision',
  );
  assert.ok(
    rows.some((r) => r.action === 'smtp-send' && r.mailbox === APP),
    'the message sent',
  );
});

test('the sender binding holds: an APP session sends only as its mailbox', async () => {
  const other = await py({ cert: 'app', mail_from: PER });
  assert.deepEqual(other.mail, [550, `5.7.1 Sender address rejected: this session may only send as ${APP}`]);
  const header = await py({ cert: 'app', mail_from: APP, rcpt: PER, from_header: PER, subject: 'Usurpation' });
  assert.deepEqual(header.data, [550, `5.7.1 Message rejected: the From: header must be ${APP} alone, the mailbox this session opened`]);
});

const refusals: {
  name: string;
  options: PyOptions;
  auth: [number, string];
  audit: { principal: 'serial' | null; reason: string; mailbox: string | null };
}[] = [
  {
    name: 'no certificate',
    options: { authzid: APP },
    auth: [535, '5.7.0 Authentication failed: no TLS client certificate was presented'],
    audit: { principal: null, reason: 'invalid-certificate:no-certificate', mailbox: APP },
  },
  {
    name: 'a certificate of another CA (same name, same mailbox)',
    options: { cert: 'foreign' },
    auth: [535, '5.7.8 Authentication credentials invalid: the client certificate is not issued by the MSSante trust space CA'],
    audit: { principal: 'serial', reason: 'invalid-certificate:untrusted', mailbox: null },
  },
  {
    name: 'an expired certificate',
    options: { cert: 'expired' },
    auth: [535, '5.7.8 Authentication credentials invalid: the client certificate has expired'],
    audit: { principal: 'serial', reason: 'invalid-certificate:expired', mailbox: null },
  },
  {
    name: 'a revoked certificate',
    options: { cert: 'revoked', authzid: OTHER_APP },
    auth: [535, '5.7.8 Authentication credentials invalid: the client certificate has been revoked'],
    audit: { principal: 'serial', reason: 'invalid-certificate:revoked', mailbox: OTHER_APP },
  },
  {
    name: 'an operator certificate (no mailbox in it)',
    options: { cert: 'operator' },
    auth: [535, '5.7.8 Authentication credentials invalid: the client certificate names no mailbox (subject alternative name rfc822Name)'],
    audit: { principal: 'serial', reason: 'invalid-certificate:no-mailbox', mailbox: null },
  },
  {
    name: 'the certificate of one APP mailbox asking for another',
    options: { cert: 'app', authzid: OTHER_APP },
    auth: [535, '5.7.8 This client certificate may not send from this mailbox'],
    audit: { principal: 'serial', reason: 'no-right', mailbox: OTHER_APP },
  },
  {
    name: 'a certificate naming a PER mailbox',
    options: { cert: 'per' },
    auth: [535, '5.7.8 A client certificate may only send from an APP mailbox'],
    audit: { principal: 'serial', reason: 'action-not-allowed', mailbox: PER },
  },
  {
    name: 'a certificate naming an ORG mailbox',
    options: { cert: 'org', authzid: ORG },
    auth: [535, '5.7.8 A client certificate may only send from an APP mailbox'],
    audit: { principal: 'serial', reason: 'action-not-allowed', mailbox: ORG },
  },
  {
    name: 'a certificate naming a CAB mailbox',
    options: { cert: 'cab' },
    auth: [535, '5.7.8 A client certificate may only send from an APP mailbox'],
    audit: { principal: 'serial', reason: 'action-not-allowed', mailbox: CAB },
  },
];

for (const r of refusals) {
  test(`refused, nothing opened: ${r.name} → ${r.auth[0]} ${r.auth[1].slice(0, 5)}; audited`, async () => {
    const out = await py({ ...r.options, mail_from: APP });
    assert.deepEqual(out.auth, r.auth);
    assert.deepEqual(out.mail, [
      530,
      '5.7.0 Authentication required: AUTH XOAUTH2 or OAUTHBEARER with a Pro Sante Connect token, or EXTERNAL with an APP certificate',
    ]);
    const row = await lastAudit();
    const serial = r.options.cert ? certs[r.options.cert]!.serial : null;
    assert.equal(row.idnat, r.audit.principal === 'serial' ? `certificate:${serial}` : null);
    assert.equal(row.reason, r.audit.reason);
    assert.equal(row.mailbox, r.audit.mailbox);
    assert.equal(row.outcome, 'denied');
    assert.equal(row.channel, 'smtp');
  });
}

test('no revocation list yet: 454 4.7.0 (temporary), nothing opened', async () => {
  w.revocations.known = false;
  try {
    const out = await py({ cert: 'app', mail_from: APP });
    assert.deepEqual(out.auth, [
      454,
      '4.7.0 Temporary authentication failure: the revocation list of the trust space is not available; try again later',
    ]);
    assert.equal(out.mail[0], 530);
  } finally {
    w.revocations.known = true;
  }
});

/** openssl s_client as a line-oriented client, presenting the APP certificate. */
function opensslClient(cert: string): {
  write(s: string): void;
  until(re: RegExp, ms?: number): Promise<string>;
  exited: Promise<number | null>;
} {
  const c = certs[cert]!;
  const child = spawn(
    'openssl',
    [
      's_client',
      '-starttls',
      'smtp',
      '-connect',
      `127.0.0.1:${smtp.port}`,
      '-quiet',
      '-ign_eof',
      '-CAfile',
      w.caFile,
      '-verify_return_error',
      '-cert',
      c.cert,
      '-key',
      c.key,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    write: (s) => child.stdin.write(s),
    async until(re, ms = 15_000) {
      await eventually(() => re.test(out), ms);
      return out;
    },
    exited,
  };
}

test('openssl s_client -cert: AUTH EXTERNAL =, a message delivered; a malformed message is 501; then a revocation ends the session (R-AUTH-4)', async () => {
  const c = opensslClient('app');
  await c.until(/250 [^\r\n]*\r\n/);
  c.write('EHLO lab-robot.example\r\n');
  await c.until(/250-AUTH XOAUTH2 OAUTHBEARER EXTERNAL\r\n/);
  c.write('AUTH EXTERNAL %%%\r\n');
  await c.until(/501 5\.5\.2 Cannot Base64-decode client response\r\n/);
  c.write('AUTH EXTERNAL =\r\n');
  await c.until(/235 2\.7\.0 Authentication successful: labo-resultats\.ch-lilas@operateur-a\.mssante\.fr as application\r\n/);
  c.write(`MAIL FROM:<${APP}>\r\nRCPT TO:<${PER}>\r\nDATA\r\n`);
  await c.until(/354 /);
  c.write(`From: <${APP}>\r\nTo: <${PER}>\r\nSubject: Par openssl\r\n\r\nResultats.\r\n.\r\n`);
  await c.until(/250 2\.0\.0 Ok: accepted as [0-9a-f]+ \(1 local mailbox\)\r\n/);
  assert.ok((await w.inbox(PER)).some((m) => m.subject === 'Par openssl'));

  // The CA revokes the certificate: the operator's CRL copy announces it, the session stops sending.
  w.access.bus.publish({ kind: 'certificate-revoked', serial: certs.app!.serial });
  c.write(`MAIL FROM:<${APP}>\r\n`);
  await c.until(/421 4\.7\.0 Client certificate revoked; reconnect with a valid one; closing connection\r\n/);
  await c.exited;
});

test('curl --cert --login-options AUTH=EXTERNAL sends a message as the APP mailbox (a second independent client)', async () => {
  const c = certs.app!;
  const message = path.join(dir, 'curl-message.eml');
  fs.writeFileSync(message, `From: <${APP}>\r\nTo: <${PER}>\r\nSubject: Par curl\r\n\r\nResultats.\r\n`);
  const { stdout, stderr } = await promisify(execFile)(
    'curl',
    [
      '-sS',
      '-v',
      '--ssl-reqd',
      '--cacert',
      w.caFile,
      '--cert',
      c.cert,
      '--key',
      c.key,
      '--login-options',
      'AUTH=EXTERNAL',
      '--mail-from',
      APP,
      '--mail-rcpt',
      PER,
      '-T',
      message,
      `smtp://localhost:${smtp.port}`,
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  const log = stdout + stderr;
  assert.match(log, /> AUTH EXTERNAL/);
  assert.match(log, /< 235 2\.7\.0 Authentication successful/);
  assert.match(log, /< 250 2\.0\.0 Ok: accepted as/);
  assert.ok((await w.inbox(PER)).some((m) => m.subject === 'Par curl'));
});
