// Structure-local identities end to end (issue #20 rule 6), on the sandbox: the hospital persona's
// structure has its own identity provider (stand-ins/structure-idp), trusted for that structure's
// ORG mailboxes. A real token from it (a whole code + PKCE login) opens the cardiology ORG over
// IMAP (imapflow, XOAUTH2), SMTP (nodemailer, XOAUTH2) and the admin API (Bearer) for the staff
// member its responsible person declared — and nothing else: not a PER, not the structure's APP,
// not for an undeclared colleague, not with a forged token or one of an issuer nobody configured.
// Removing the declaration over HTTP ends her open IMAP session at once (R-AUTH-4).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { SignJWT, generateKeyPair } from 'jose';
import { cibaToken } from '@mss/psc';
import { silentLogger } from '@mss/runtime';
import { DEFAULT_STAFF, startStructureIdp, structureIdpToken } from '@mss/structure-idp';
import { MSS_BIN, exitOf, firstLine, freePortBase, isolatedDatabaseEnv, spawnMss } from './run-mss.ts';

const D = 'operateur-a.mssante.fr';
const ORG = `cardiologie.ch-lilas@${D}`;
const APP = `labo-resultats.ch-lilas@${D}`;
const PER = `paul.martin@${D}`;
const CAB = `cabinet.infirmiers-des-lilas@${D}`;
const [JEANNE, MARC] = [DEFAULT_STAFF[0]!, DEFAULT_STAFF[1]!];

let child: ChildProcessWithoutNullStreams;
let endpoints: Record<string, string>;
let personas: { key: string; idnat: string }[];
let issuer: string;
let base: number;
let dataDir: string;
let env: NodeJS.ProcessEnv;
/**
 * Runs a program to completion without blocking this process's event loop: a blocked loop cannot
 * see a server close an idle keep-alive connection, and the next fetch would reuse a dead one.
 */
function run(file: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, ...env }, timeout: 120_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = (err as { code?: unknown } | null)?.code;
      resolve({ status: err ? (typeof code === 'number' ? code : -1) : 0, stdout, stderr });
    });
  });
}
const mss = (args: string[]) => run(process.execPath, [MSS_BIN, ...args]);
const cli = (...args: string[]) => mss([...args, '--port-base', String(base)]);

before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-local-'));
  base = await freePortBase();
  env = isolatedDatabaseEnv();
  child = spawnMss(['sandbox', '--json', '--data-dir', dataDir, '--port-base', String(base), '--professionals', '0'], env);
  ({ endpoints, personas } = JSON.parse(await firstLine(child)) as { endpoints: Record<string, string>; personas: typeof personas });
  issuer = endpoints.structureIdp!;
});
after(async () => {
  child.kill('SIGINT');
  assert.equal(await exitOf(child), 0);
});

const staffToken = async (who = JEANNE) =>
  (await structureIdpToken({ issuer, username: who.localId, password: who.password })).access_token;
const hostPort = (key: string) => new URL(endpoints[key]!);

function imap(user: string, accessToken: string): ImapFlow {
  const u = hostPort('imap');
  return new ImapFlow({
    host: u.hostname,
    port: Number(u.port),
    secure: false,
    doSTARTTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user, accessToken },
    logger: false,
    emitLogs: false,
  });
}

async function imapRefused(user: string, accessToken: string): Promise<void> {
  const c = imap(user, accessToken);
  c.on('error', () => {});
  await assert.rejects(c.connect(), `${user} must be refused`);
  c.close();
}

function smtp(user: string, accessToken: string) {
  const u = hostPort('smtpSubmission');
  return nodemailer.createTransport({
    host: u.hostname,
    port: Number(u.port),
    secure: false,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { type: 'OAuth2', user, accessToken },
  });
}

const api = (pathname: string, token: string, init: RequestInit = {}) =>
  fetch(`${endpoints.adminApi}${pathname}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
  });

test('the sandbox lists the structure identity provider (mss sandbox --json) and it publishes its discovery', async () => {
  assert.match(issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
  const doc = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { issuer: string };
  assert.equal(doc.issuer, issuer);
});

test('IMAP (XOAUTH2) and SMTP (XOAUTH2): the declared secretary opens and sends from the structure’s ORG', async () => {
  const token = await staffToken();
  const c = imap(ORG, token);
  await c.connect();
  const lock = await c.getMailboxLock('INBOX');
  lock.release();
  await c.logout();
  const info = await smtp(ORG, token).sendMail({ from: ORG, to: PER, subject: 'Compte rendu de consultation', text: 'Bonjour,' });
  assert.deepEqual(info.accepted, [PER]);
});

test('refused over IMAP and SMTP: a PER, a CAB, the structure’s APP, an undeclared colleague, a forged token, an unconfigured issuer', async () => {
  const token = await staffToken();
  await imapRefused(PER, token);
  await imapRefused(CAB, token);
  await imapRefused(APP, token);
  await assert.rejects(smtp(PER, token).sendMail({ from: PER, to: ORG, subject: 'x', text: 'x' }), /535/);
  await imapRefused(ORG, await staffToken(MARC));
  // Signed with a key of our own under the structure's issuer and key id: the signature fails.
  const [, payload] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
  const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string };
  const { privateKey } = await generateKeyPair('RS256');
  const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: header.kid }).sign(privateKey);
  await imapRefused(ORG, forged);
  // An identity provider that works but that the operator's configuration does not name.
  const rogue = await startStructureIdp({ logger: silentLogger(), host: '127.0.0.1', port: 0, finess: '930000013', name: 'Rogue' });
  try {
    const rogueToken = (await structureIdpToken({ issuer: rogue.issuer, username: JEANNE.localId, password: JEANNE.password }))
      .access_token;
    await imapRefused(ORG, rogueToken);
    const res = await api('/api/v1/mailboxes', rogueToken);
    assert.equal(res.status, 401);
  } finally {
    await rogue.stop();
  }
});

test('admin API (Bearer): her mailboxes are the ORG; a PER is answered as unknown; she cannot declare anyone', async () => {
  const token = await staffToken();
  const mine = (await (await api('/api/v1/mailboxes', token)).json()) as { mailboxes: { address: string; role: string }[] };
  assert.deepEqual(
    mine.mailboxes.map((m) => [m.address, m.role]),
    [[ORG, 'local-person']],
  );
  assert.equal((await api(`/api/v1/mailboxes/${ORG}`, token)).status, 200);
  const per = await api(`/api/v1/mailboxes/${PER}`, token);
  assert.equal(per.status, 404);
  assert.equal(((await per.json()) as { type: string }).type, '/problems/mailbox-not-found');
  const declare = await api(`/api/v1/mailboxes/${ORG}/local-persons`, token, {
    method: 'POST',
    body: JSON.stringify({ localId: MARC.localId, name: MARC.name, role: MARC.role }),
  });
  assert.equal(declare.status, 403);
});

test('R-AUTH-4: the responsible person declares Marc, then removes Jeanne over HTTP; her open IMAP session ends at once', async () => {
  const nathalie = personas.find((p) => p.key === 'hospital-admin')!.idnat;
  const resp = (await cibaToken({ pscUrl: endpoints.psc!, idnat: nathalie })).access_token;
  const added = await api(`/api/v1/mailboxes/${ORG}/local-persons`, resp, {
    method: 'POST',
    body: JSON.stringify({ localId: MARC.localId, name: MARC.name, role: MARC.role }),
  });
  assert.equal(added.status, 201, await added.clone().text());
  assert.match(((await added.json()) as { idnat: string }).idnat, /^3930000013\/ide-cardio-02$|^3\w{9}\/ide-cardio-02$/);
  // Marc has not accepted the CGU yet: refused with the page to accept them; he accepts with his own token.
  const marc = await staffToken(MARC);
  await imapRefused(ORG, marc);
  const cgu = (await (await fetch(`${endpoints.adminApi}/api/v1/cgu/current`)).json()) as { version: string };
  assert.equal((await api(`/api/v1/cgu/${cgu.version}/accept`, marc, { method: 'POST', body: '{}' })).status, 200);
  const m = imap(ORG, marc);
  await m.connect();
  await m.logout();
  // On the PER of the GP, Nathalie's declaration is refused: not an ORG of hers (answered as unknown).
  const onPer = await api(`/api/v1/mailboxes/${PER}/local-persons`, resp, {
    method: 'POST',
    body: JSON.stringify({ localId: 'x', name: 'X', role: 'r' }),
  });
  assert.equal(onPer.status, 404);

  const c = imap(ORG, await staffToken());
  c.on('error', () => {});
  await c.connect();
  const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
  const removed = await api(`/api/v1/mailboxes/${ORG}/local-persons/${JEANNE.localId}?reason=mutation`, resp, { method: 'DELETE' });
  assert.equal(removed.status, 200);
  await closed;
  await imapRefused(ORG, await staffToken());
  const list = (await (await api(`/api/v1/mailboxes/${ORG}/local-persons?all=true`, resp)).json()) as {
    localPersons: { localId: string; removedAt: string | null; removeReason: string | null }[];
  };
  assert.deepEqual(
    list.localPersons.map((p) => [p.localId, p.removedAt !== null, p.removeReason]),
    [
      [JEANNE.localId, true, 'mutation'],
      [MARC.localId, false, null],
    ],
  );
});

test('CLI: mss bal local-person add|list|remove as the responsible person, mss structure-idp token; the audit names her', async () => {
  const add = await cli(
    'bal',
    'local-person',
    'add',
    ORG,
    JEANNE.localId,
    '--name',
    JEANNE.name,
    '--role',
    JEANNE.role,
    '--as',
    'hospital-admin',
  );
  assert.equal(add.status, 0, add.stderr);
  assert.match(add.stdout, /secr-cardio-01\s+3\w{9}\/secr-cardio-01\s+Jeanne Dupont\s+secrétaire médicale/);
  const list = await cli('bal', 'local-person', 'list', ORG, '--all', '--as', 'hospital-admin', '--json');
  assert.equal(list.status, 0, list.stderr);
  const rows = JSON.parse(list.stdout) as { localId: string; removedAt: string | null }[];
  // Oldest first: the seeded declaration of Jeanne (removed above), Marc's, Jeanne's again.
  assert.deepEqual(
    rows.map((r) => [r.localId, r.removedAt === null]),
    [
      [JEANNE.localId, false],
      [MARC.localId, true],
      [JEANNE.localId, true],
    ],
  );
  const t = await cli('structure-idp', 'token', '--user', JEANNE.localId);
  assert.equal(t.status, 0, t.stderr);
  const token = t.stdout.trim();
  const c = imap(ORG, token);
  await c.connect();
  await c.logout();
  await imapRefused(PER, token);
  const removed = await cli(
    'bal',
    'local-person',
    'remove',
    ORG,
    MARC.localId,
    '--reason',
    'fin de contrat',
    '--as',
    'hospital-admin',
    '--json',
  );
  assert.equal(removed.status, 0, removed.stderr);
  assert.equal((JSON.parse(removed.stdout) as { removeReason: string }).removeReason, 'fin de contrat');
  const again = await cli('bal', 'local-person', 'remove', ORG, MARC.localId, '--as', 'hospital-admin');
  assert.notEqual(again.status, 0);
  assert.match(again.stderr, /not declared/);
  // The same decision point, the same audit: her refusal on the PER is in the trail, by her IdNat.
  const password = fs.readFileSync(path.join(dataDir, 'admin-password'), 'utf8').trim();
  const idnat = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub as string;
  assert.equal(idnat, JEANNE.localId);
  const q = new URLSearchParams({ mailbox: PER, outcome: 'denied', channel: 'imap' });
  const audit = (await (
    await fetch(`${endpoints.adminApi}/api/v1/operator/audit?${q}`, {
      headers: { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` },
    })
  ).json()) as { entries: { principal: string; reason: string }[] };
  assert.ok(
    audit.entries.some((e) => /^3\w{9}\/secr-cardio-01$/.test(e.principal) && e.reason === 'no-right'),
    JSON.stringify(audit.entries.slice(-5)),
  );
});

test('mss access check answers for a structure token as SMTP and IMAP do (same decision, channel cli)', async () => {
  const token = await staffToken();
  const ok = await mss([
    'access',
    'check',
    '--token',
    token,
    '--mailbox',
    ORG,
    '--action',
    'send',
    '--data-dir',
    dataDir,
    '--port-base',
    String(base),
  ]);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^allowed: 3\w{9}\/secr-cardio-01 may send cardiologie\.ch-lilas@operateur-a\.mssante\.fr as local-person\n$/);
  const no = await mss(['access', 'check', '--token', token, '--mailbox', PER, '--data-dir', dataDir, '--port-base', String(base)]);
  assert.equal(no.status, 1);
  assert.match(no.stdout, /no-right/);
});

test('curl (an independent client) with OAUTHBEARER (RFC 7628) over IMAP and SMTP: the ORG opens, the PER does not', async (t) => {
  if ((await run('curl', ['--version'])).status !== 0) return t.skip('curl is not installed');
  const token = await staffToken();
  const imapUrl = `imap://${hostPort('imap').host}/INBOX`;
  const curl = (args: string[]) =>
    run('curl', ['-s', '--ssl-reqd', '--insecure', '--login-options', 'AUTH=OAUTHBEARER', '--oauth2-bearer', token, ...args]);
  assert.equal((await curl(['--user', ORG, imapUrl])).status, 0);
  assert.equal((await curl(['--user', PER, imapUrl])).status, 67, 'login denied');
  const mail = path.join(dataDir, 'local.eml');
  fs.writeFileSync(mail, `From: <${ORG}>\r\nTo: <${PER}>\r\nSubject: OAUTHBEARER\r\n\r\nBonjour\r\n`);
  const smtpUrl = `smtp://${hostPort('smtpSubmission').host}`;
  const sent = await curl(['--user', ORG, '--mail-from', ORG, '--mail-rcpt', PER, '-T', mail, smtpUrl]);
  assert.equal(sent.status, 0, sent.stderr);
  assert.equal((await curl(['--user', PER, '--mail-from', PER, '--mail-rcpt', ORG, '-T', mail, smtpUrl])).status, 67);
});
