// Second independent client: Python's smtplib (STARTTLS, XOAUTH2 through auth(), OAUTHBEARER
// through docmd, and raw bytes on its socket for the smuggling variants).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { D, GP, ORG, PER, eventually, startSmtpWorld, type SmtpWorld } from './support/smtp-world.ts';
import type { RunningSubmissionServer } from '../src/index.ts';

const SCRIPT = fileURLToPath(new URL('./support/smtplib_client.py', import.meta.url));
let w: SmtpWorld;
let small: RunningSubmissionServer;
const SMALL = 64 * 1024;
before(async () => {
  w = await startSmtpWorld();
  small = await w.startAnother({ maxMessageSize: SMALL });
});
after(async () => w.close());

// Asynchronous on purpose: the server under test runs in this very process.
async function py(scenario: string, args: string[], port = w.smtp.port): Promise<Record<string, any>> {
  const { stdout } = await promisify(execFile)('python3', [SCRIPT, String(port), scenario, ...args], { encoding: 'utf8', timeout: 30_000 });
  return JSON.parse(stdout) as Record<string, any>;
}

/** A token whose signature no longer verifies. */
function tampered(token: string): string {
  const last = token.at(-2) === 'A' ? 'B' : 'A';
  return `${token.slice(0, -2)}${last}${token.at(-1)}`;
}

test('no AUTH before TLS: not in EHLO, AUTH and MAIL get 530 5.7.0; after STARTTLS the extensions are there', async () => {
  const out = await py('before-tls', [PER, await w.token(GP)]);
  assert.ok(out.features.includes('starttls'));
  assert.ok(!out.features.includes('auth'));
  assert.deepEqual(out.auth, [530, '5.7.0 Must issue a STARTTLS command first']);
  assert.deepEqual(out.mail, [530, '5.7.0 Must issue a STARTTLS command first']);
  assert.equal(out.noop[0], 250);
  for (const ext of ['auth', 'pipelining', '8bitmime', 'smtputf8', 'size', 'enhancedstatuscodes', 'dsn'])
    assert.ok(out.features_tls.includes(ext), ext);
  assert.ok(!out.features_tls.includes('starttls'));
  assert.equal(out.auth_tls.trim(), 'XOAUTH2 OAUTHBEARER');
  assert.equal(out.size, String(25 * 1024 * 1024));
});

test('XOAUTH2 through smtplib.auth(): the GP’s message is delivered', async () => {
  const before = (await w.inbox(ORG)).length;
  const out = await py('xoauth2-send', [PER, await w.token(GP), ORG, 'smtplib xoauth2']);
  assert.deepEqual(out.refused, {});
  const rows = await w.inbox(ORG);
  assert.equal(rows.length, before + 1);
  assert.equal(rows.at(-1)!.subject, 'smtplib xoauth2');
  assert.equal(rows.at(-1)!.author_idnat, GP);
});

test('XOAUTH2 with a bad token: the error challenge, then 535 5.7.8; the refusal is audited', async () => {
  const out = await py('xoauth2-bad', [PER, tampered(await w.token(GP))]);
  assert.deepEqual(
    out.challenge.map((c: string) => JSON.parse(c)),
    [{ status: '401', schemes: 'bearer', scope: 'mail' }],
  );
  assert.deepEqual(out.auth, [535, '5.7.8 Authentication credentials invalid']);
  const rows = (await w.store.audit.list({ mailbox: PER, limit: 1000 })).filter((a) => a.action === 'authenticate' && a.channel === 'smtp');
  assert.equal(rows.at(-1)?.reason, 'invalid-token:bad-signature');
  assert.equal(rows.at(-1)?.idnat, null);
});

test('OAUTHBEARER (RFC 7628): success, then a message', async () => {
  const out = await py('oauthbearer', [PER, await w.token(GP), ORG, 'smtplib oauthbearer']);
  assert.deepEqual(out.auth, [235, `2.7.0 Authentication successful: ${PER} as holder`]);
  assert.deepEqual(out.refused, {});
  assert.equal((await w.inbox(ORG)).at(-1)!.subject, 'smtplib oauthbearer');
});

test('OAUTHBEARER failure: the RFC 7628 error challenge, the client’s ^A, then 535 5.7.8', async () => {
  const out = await py('oauthbearer', [PER, tampered(await w.token(GP)), ORG, 'never']);
  assert.equal(out.auth[0], 334);
  assert.deepEqual(JSON.parse(out.challenge), { status: 'invalid_token', scope: 'openid scope_all' });
  assert.deepEqual(out.final, [535, '5.7.8 Authentication credentials invalid']);
});

test('OAUTHBEARER without an initial response: empty 334, then the response', async () => {
  const out = await py('oauthbearer-two-step', [PER, await w.token(GP)]);
  assert.deepEqual(out.auth, [334, '']);
  assert.deepEqual(out.final, [235, `2.7.0 Authentication successful: ${PER} as holder`]);
});

test('SIZE: declared too big → 552 5.3.4 at MAIL; undeclared → read to the end, 552 5.3.4, nothing kept', async () => {
  const before = (await w.inbox(ORG)).length;
  const out = await py('oversize', [PER, await w.token(GP), ORG, String(SMALL + 10)], small.port);
  assert.equal(out.mail_size[0], 552);
  assert.match(out.mail_size[1], /^5\.3\.4 /);
  assert.deepEqual(out.mail, [250, '2.1.0 Accepted']);
  assert.deepEqual(out.data, [552, `5.3.4 Message exceeds the maximum size of ${SMALL} bytes`]);
  assert.equal(out.noop[0], 250, 'the session goes on');
  assert.equal((await w.inbox(ORG)).length, before);
  await eventually(() => w.blobTemporaries().length === 0);
});

test('recipients: local ones must exist; other domains are outside the trust space unless *.mssante.fr (relay not yet there)', async () => {
  const out = await py('recipients', [
    PER,
    await w.token(GP),
    ORG,
    ORG.toUpperCase(),
    `personne@${D}`,
    'someone@gmail.com',
    'secretariat@operateur-b.mssante.fr',
    'postmaster',
  ]);
  assert.deepEqual(out.rcpt[ORG], [250, '2.1.5 Accepted']);
  assert.deepEqual(out.rcpt[ORG.toUpperCase()], [250, '2.1.5 Accepted']);
  assert.deepEqual(out.rcpt[`personne@${D}`], [550, `5.1.1 <personne@${D}>: no such mailbox at this operator`]);
  assert.deepEqual(out.rcpt['someone@gmail.com'], [550, '5.7.1 <someone@gmail.com>: domain not in the MSSante trust space']);
  assert.deepEqual(out.rcpt['secretariat@operateur-b.mssante.fr'], [
    451,
    '4.4.0 <secretariat@operateur-b.mssante.fr>: relay to other operators not yet available, try again later',
  ]);
  assert.equal(out.rcpt.postmaster[0], 550);
});

for (const variant of ['lf-dot-crlf', 'lf-dot-lf', 'cr-dot-crlf', 'cr-dot-cr', 'crlf-dot-lf', 'bare-lf', 'bare-cr']) {
  test(`smuggling (${variant}): one message, refused with 550 5.5.2, connection closed, nothing delivered`, async () => {
    const before = (await w.inbox(ORG)).length;
    const out = await py('smuggle', [PER, await w.token(GP), ORG, variant]);
    assert.equal(out.data[0], 354);
    const kind = ['cr-dot-crlf', 'cr-dot-cr', 'bare-cr'].includes(variant) ? 'CR' : 'LF';
    assert.deepEqual(out.reply, [550, `5.5.2 Error: bare <${kind}> received; lines must end with <CR><LF>. Closing connection`]);
    assert.equal(out.closed, true);
    const rows = await w.inbox(ORG);
    assert.equal(rows.length, before);
    assert.ok(!rows.some((r) => r.subject === 'smuggled'));
    await eventually(() => w.blobTemporaries().length === 0);
  });
}

test('a client cut off in the middle of DATA leaves nothing behind', async () => {
  const before = (await w.inbox(ORG)).length;
  const out = await py('cut-off', [PER, await w.token(GP), ORG]);
  assert.equal(out.data[0], 354);
  await eventually(() => w.smtp.connections() === 0 && w.blobTemporaries().length === 0);
  assert.equal((await w.inbox(ORG)).length, before);
});
