// AUTHENTICATE EXTERNAL (domain reference §5, our choice; RFC 3501 §6.2.2, RFC 4959 SASL-IR,
// RFC 4422 appendix A): the software of an APP mailbox reads it with nothing but its TLS client
// certificate, presented in the STARTTLS handshake. Three independent clients: Python's ssl +
// imaplib, curl --cert and openssl s_client; every refusal with its exact tagged reply
// (RFC 5530 response codes), nothing opened after it, and its audit row.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createCertificateValidator } from '@mss/access';
import { loadOrCreatePki, type IssuedCertificate, type Pki } from '@mss/trust';
import { CAB, D, PER, startImapWorld, type ImapWorld } from './support/imap-world.ts';

const SCRIPT = fileURLToPath(new URL('./support/imaplib_external.py', import.meta.url));
const APP = `labo-resultats.ch-lilas@${D}`;
const ORG = `cardiologie.ch-lilas@${D}`;
const OTHER_APP = `imagerie.ch-lilas@${D}`;
const DAY = 86_400_000;

let w: ImapWorld;
let pki: Pki;
let dir: string;
let caFile: string;
const revocations = { revoked: new Set<string>(), known: true };
const certs: Record<string, { cert: string; key: string; serial: string }> = {};

function save(name: string, issued: IssuedCertificate): void {
  const cert = path.join(dir, `${name}.pem`);
  const key = path.join(dir, `${name}.key.pem`);
  fs.writeFileSync(cert, issued.certPem);
  fs.writeFileSync(key, issued.keyPem, { mode: 0o600 });
  certs[name] = { cert, key, serial: new X509Certificate(issued.certPem).serialNumber.replace(/^0+/, '').toUpperCase() };
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-imap-app-certs-'));
  pki = await loadOrCreatePki(path.join(dir, 'pki'));
  caFile = path.join(dir, 'ca.pem');
  fs.writeFileSync(caFile, pki.caCertPem);
  const server = await pki.issueServerCertificate({ commonName: `imap.${D}`, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const validator = createCertificateValidator({
    caCertPem: pki.caCertPem,
    revocations: { status: (s) => (!revocations.known ? 'unknown' : revocations.revoked.has(s) ? 'revoked' : 'good') },
  });
  w = await startImapWorld({ tls: { cert: server.certPem, key: server.keyPem }, certificates: { ca: pki.caCertPem, validator } });

  const lab = (await w.store.mailboxes.byAddress(APP))!;
  const other = await w.store.mailboxes.create({ address: OTHER_APP, type: 'APP', ownerIdnat: lab.owner_idnat });
  for (const h of await w.store.mailboxes.holders(lab.id)) await w.store.mailboxes.addHolder(other.id, h.person_idnat, h.role, null);
  // A result waiting in the APP's INBOX (as delivered by SMTP).
  const raw = Buffer.from(`From: <${PER}>\r\nTo: <${APP}>\r\nSubject: Demande de resultats\r\n\r\nMerci.\r\n`);
  const message = await w.store.ingest(raw);
  await w.store.transaction(async (tx) => {
    const inbox = await tx.mail.ensureFolder(lab.id, 'INBOX');
    await tx.mail.appendMessage(inbox.id, message);
  });

  save('app', await pki.issueClientCertificate({ commonName: 'Automate labo CH Lilas', kind: 'app', mailbox: APP }));
  save('per', await pki.issueClientCertificate({ commonName: 'Logiciel du Dr Martin', kind: 'app', mailbox: PER }));
  save('org', await pki.issueClientCertificate({ commonName: 'Logiciel de cardiologie', kind: 'app', mailbox: ORG }));
  save('cab', await pki.issueClientCertificate({ commonName: 'Logiciel du cabinet', kind: 'app', mailbox: CAB }));
  save('operator', await pki.issueClientCertificate({ commonName: D, kind: 'operator' }));
  save(
    'expired',
    await pki.issueClientCertificate({
      commonName: 'Ancien automate',
      kind: 'app',
      mailbox: `ancien@${D}`,
      days: 1,
      now: new Date(Date.now() - 10 * DAY),
    }),
  );
  save('revoked', await pki.issueClientCertificate({ commonName: 'Automate vole', kind: 'app', mailbox: OTHER_APP }));
  revocations.revoked.add(certs.revoked!.serial);
  const foreign = await loadOrCreatePki(path.join(dir, 'foreign-ca'));
  save('foreign', await foreign.issueClientCertificate({ commonName: 'Automate labo CH Lilas', kind: 'app', mailbox: APP }));
});
after(async () => {
  await w.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

// Asynchronous on purpose: the server under test runs in this very process.
async function py(cert: string | undefined, authzid: string | null = null): Promise<Record<string, any>> {
  const c = cert ? certs[cert]! : undefined;
  const args = { port: w.imap.port, ca: caFile, ...(c ? { cert: c.cert, key: c.key } : {}), authzid };
  const { stdout } = await promisify(execFile)('python3', [SCRIPT, JSON.stringify(args)], { encoding: 'utf8', timeout: 30_000 });
  return JSON.parse(stdout) as Record<string, any>;
}

async function lastAudit() {
  return (await w.store.audit.list({ limit: 1000 })).at(-1)!;
}

test('Python ssl + imaplib: AUTH=EXTERNAL announced after STARTTLS; the certificate alone opens the APP mailbox, audited by serial', async () => {
  for (const authzid of [null, APP]) {
    const out = await py('app', authzid);
    for (const c of ['AUTH=EXTERNAL', 'AUTH=XOAUTH2', 'AUTH=OAUTHBEARER', 'SASL-IR']) assert.ok(out.capabilities.includes(c), c);
    assert.equal(out.auth[0], 'OK');
    assert.equal(out.auth[1], `[CAPABILITY ${out.auth[1].slice(12).split(']')[0]}] Authenticated: ${APP} as application`);
    assert.equal(out.select[0], 'OK');
    assert.deepEqual(out.subjects, ['Subject: Demande de resultats']);
    const row = await lastAudit();
    assert.equal(row.idnat, `certificate:${certs.app!.serial}`);
    assert.deepEqual([row.mailbox, row.action, row.channel, row.outcome, row.role], [APP, 'read', 'imap', 'allowed', 'application']);
  }
});

const refusals: { name: string; cert?: string; authzid?: string; reply: string; reason: string; principal: boolean }[] = [
  {
    name: 'no certificate',
    reply: '[AUTHENTICATIONFAILED] Authentication failed: no TLS client certificate was presented',
    reason: 'invalid-certificate:no-certificate',
    principal: false,
  },
  {
    name: 'a certificate of another CA',
    cert: 'foreign',
    reply: '[AUTHENTICATIONFAILED] Authentication failed: the client certificate is not issued by the MSSante trust space CA',
    reason: 'invalid-certificate:untrusted',
    principal: true,
  },
  {
    name: 'an expired certificate',
    cert: 'expired',
    reply: '[AUTHENTICATIONFAILED] Authentication failed: the client certificate has expired',
    reason: 'invalid-certificate:expired',
    principal: true,
  },
  {
    name: 'a revoked certificate',
    cert: 'revoked',
    reply: '[AUTHENTICATIONFAILED] Authentication failed: the client certificate has been revoked',
    reason: 'invalid-certificate:revoked',
    principal: true,
  },
  {
    name: 'an operator certificate',
    cert: 'operator',
    reply: '[AUTHENTICATIONFAILED] Authentication failed: the client certificate names no mailbox (subject alternative name rfc822Name)',
    reason: 'invalid-certificate:no-mailbox',
    principal: true,
  },
  {
    name: 'another APP mailbox asked for',
    cert: 'app',
    authzid: OTHER_APP,
    reply: '[AUTHORIZATIONFAILED] This client certificate may not open this mailbox',
    reason: 'no-right',
    principal: true,
  },
  {
    name: 'a certificate naming a PER mailbox',
    cert: 'per',
    reply: '[AUTHORIZATIONFAILED] A client certificate may only open an APP mailbox',
    reason: 'action-not-allowed',
    principal: true,
  },
  {
    name: 'a certificate naming an ORG mailbox',
    cert: 'org',
    authzid: ORG,
    reply: '[AUTHORIZATIONFAILED] A client certificate may only open an APP mailbox',
    reason: 'action-not-allowed',
    principal: true,
  },
  {
    name: 'a certificate naming a CAB mailbox',
    cert: 'cab',
    reply: '[AUTHORIZATIONFAILED] A client certificate may only open an APP mailbox',
    reason: 'action-not-allowed',
    principal: true,
  },
];

for (const r of refusals) {
  test(`refused, nothing opened: ${r.name}; audited`, async () => {
    const out = await py(r.cert, r.authzid ?? null);
    // imaplib raises on the tagged NO with its text (the raw line is checked with openssl below).
    assert.equal(out.auth[1], r.reply);
    assert.equal(out.select_after, 'z1 NO Authenticate first');
    const row = await lastAudit();
    assert.equal(row.idnat, r.principal ? `certificate:${certs[r.cert!]!.serial}` : null);
    assert.equal(row.reason, r.reason);
    assert.equal(row.outcome, 'denied');
    assert.equal(row.channel, 'imap');
  });
}

test('no revocation list yet: NO [UNAVAILABLE], nothing opened', async () => {
  revocations.known = false;
  try {
    const out = await py('app');
    assert.equal(
      out.auth[1],
      '[UNAVAILABLE] Cannot check the certificate now: the revocation list of the trust space is not available; try again later',
    );
    assert.equal(out.select_after, 'z1 NO Authenticate first');
  } finally {
    revocations.known = true;
  }
});

test('curl --cert --login-options AUTH=EXTERNAL reads the APP mailbox (SASL-IR, a second independent client)', async () => {
  const c = certs.app!;
  const { stdout, stderr } = await promisify(execFile)(
    'curl',
    [
      '-sS',
      '-v',
      '--ssl-reqd',
      '--cacert',
      caFile,
      '--cert',
      c.cert,
      '--key',
      c.key,
      '--login-options',
      'AUTH=EXTERNAL',
      `imap://localhost:${w.imap.port}/INBOX;UID=1;SECTION=HEADER.FIELDS%20(SUBJECT)`,
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  assert.match(stderr, /> [A-Z0-9]+ AUTHENTICATE EXTERNAL =\r?\n/);
  assert.match(
    stderr,
    /< [A-Z0-9]+ OK \[CAPABILITY [^\]]+\] Authenticated: labo-resultats\.ch-lilas@operateur-a\.mssante\.fr as application/,
  );
  assert.equal(stdout.trim(), 'Subject: Demande de resultats');
});

/** openssl s_client as a line-oriented IMAP client, presenting a certificate. */
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
      'imap',
      '-connect',
      `127.0.0.1:${w.imap.port}`,
      '-quiet',
      '-ign_eof',
      '-CAfile',
      caFile,
      '-verify_return_error',
      '-cert',
      c.cert,
      '-key',
      c.key,
    ],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    write: (s) => child.stdin.write(s),
    async until(re, ms = 15_000) {
      const end = Date.now() + ms;
      while (!re.test(out)) {
        if (Date.now() > end) throw new Error(`not seen ${re}: ${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return out;
    },
    exited,
  };
}

test('openssl s_client -cert: a refused authorization identity, then `+ ` and the APP address, SELECT and FETCH; a revocation ends the session with BYE (R-AUTH-4)', async () => {
  const c = opensslClient('app');
  await c.until(/\. OK /); // s_client sends its own `. CAPABILITY` and STARTTLS
  c.write(`a AUTHENTICATE EXTERNAL ${Buffer.from(OTHER_APP).toString('base64')}\r\n`);
  await c.until(/a NO \[AUTHORIZATIONFAILED\] This client certificate may not open this mailbox\r\n/);
  c.write('b AUTHENTICATE EXTERNAL\r\n');
  await c.until(/\+ \r\n/);
  c.write(`${Buffer.from(APP).toString('base64')}\r\n`);
  await c.until(/b OK \[CAPABILITY [^\]]+\] Authenticated: labo-resultats\.ch-lilas@operateur-a\.mssante\.fr as application\r\n/);
  c.write('c SELECT INBOX\r\nd FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n');
  await c.until(/Subject: Demande de resultats\r\n\r\n\)\r\nd OK /);
  w.access.bus.publish({ kind: 'certificate-revoked', serial: certs.app!.serial });
  await c.until(/\* BYE Client certificate revoked; reconnect with a valid one\r\n/);
  await c.exited;
});

test('openssl s_client -cert: the exact tagged NO for a revoked and an expired certificate, and SELECT refused after it', async () => {
  for (const [cert, why] of [
    ['revoked', 'has been revoked'],
    ['expired', 'has expired'],
  ] as const) {
    const c = opensslClient(cert);
    await c.until(/\. OK /);
    c.write('a AUTHENTICATE EXTERNAL =\r\n');
    await c.until(new RegExp(`a NO \\[AUTHENTICATIONFAILED\\] Authentication failed: the client certificate ${why}\r\n`));
    c.write('b SELECT INBOX\r\nc LOGOUT\r\n');
    await c.until(/b NO Authenticate first\r\n/);
    await c.exited;
  }
});
