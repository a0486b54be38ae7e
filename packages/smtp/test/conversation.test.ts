// Byte-exact conversations for what the real clients cannot do: revocation between commands
// (R-AUTH-4), pipelined batches, limits and abuse, and delivery failures after DATA.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTokenValidator } from '@mss/access';
import { CAB, GP, JULIE, NATHALIE, ORG, PER, SOPHIE, eventually, startSmtpWorld, type SmtpWorld } from './support/smtp-world.ts';
import { Conversation, message } from './support/conversation.ts';
import type { SubmittedMessage } from '../src/index.ts';

let w: SmtpWorld;
before(async () => {
  w = await startSmtpWorld();
});
after(async () => w.close());

const admin = { kind: 'operator-admin', name: 'test' } as const;

test('PIPELINING: MAIL, RCPT, DATA in one write, then the message', async () => {
  const c = await Conversation.authenticated(w.smtp.port, PER, await w.token(GP));
  c.send(`MAIL FROM:<${PER}> BODY=8BITMIME\r\nRCPT TO:<${ORG}>\r\nDATA\r\n`);
  assert.equal(await c.reply(), '250 2.1.0 Accepted');
  assert.equal(await c.reply(), '250 2.1.5 Accepted');
  assert.match(await c.reply(), /^354 /);
  c.send(`${message(PER, ORG, 'pipelined', 'Ligne accentuée é\r\n..point en tête\r\n')}.\r\nQUIT\r\n`);
  assert.match(await c.reply(), /^250 2\.0\.0 Ok: accepted as /);
  assert.match(await c.reply(), /^221 /);
  const row = (await w.inbox(ORG)).at(-1)!;
  assert.equal(row.subject, 'pipelined');
  assert.match(await w.blob(row.blob_hash), /\r\n\r\nLigne accentuée é\r\n\.point en tête\r\n$/, 'dot-stuffing undone, 8-bit kept');
  await c.close();
});

test('R-AUTH-4 / R-DEL-5: once Julie’s delegation is revoked, her open session may no longer send (421 4.7.0, closed)', async () => {
  const c = await Conversation.authenticated(w.smtp.port, PER, await w.token(JULIE));
  assert.equal(await c.command(`MAIL FROM:<${PER}>`), '250 2.1.0 Accepted');
  assert.equal(await c.command(`RCPT TO:<${ORG}>`), '250 2.1.5 Accepted');
  const view = await w.gov.getMailbox({ kind: 'person', idnat: GP }, PER);
  const d = view.delegations!.find((x) => x.delegateIdnat === JULIE)!;
  const before = (await w.inbox(ORG)).length;
  await w.gov.revokeDelegation({ kind: 'person', idnat: GP }, PER, d.id, 'fin de contrat');
  // The session guard re-decides on the revocation event; its refusal is in the audit trail.
  await eventually(async () =>
    (await w.store.audit.list({ idnat: JULIE, limit: 1000 })).some(
      (a) => a.channel === 'smtp' && a.action === 'send' && a.outcome === 'denied',
    ),
  );
  // A transaction already under way is not delivered either.
  assert.match(await c.command('DATA'), /^354 /);
  c.send(`${message(PER, ORG, 'après révocation')}.\r\n`);
  assert.equal(await c.reply(), '421 4.7.0 Access to this mailbox has been revoked; closing connection');
  await c.ended;
  assert.equal((await w.inbox(ORG)).length, before);
  // And a new session is refused at AUTH.
  const again = await Conversation.open(w.smtp.port);
  await again.secure();
  assert.equal(
    await again.command(`AUTH XOAUTH2 ${Buffer.from(`user=${PER}\x01auth=Bearer ${await w.token(JULIE)}\x01\x01`).toString('base64')}`),
    '535 5.7.8 Not allowed to send from this mailbox',
  );
  await again.close();
});

test('R-AUTH-4: after a revocation, the next MAIL FROM is refused with 421 4.7.0', async () => {
  const c = await Conversation.authenticated(w.smtp.port, CAB, await w.token(SOPHIE));
  await w.gov.changeStatus(admin, CAB, 'suspended', 'contrôle');
  try {
    await eventually(async () =>
      (await w.store.audit.list({ mailbox: CAB, limit: 1000 })).some((a) => a.channel === 'smtp' && a.reason === 'mailbox-suspended'),
    );
    assert.equal(await c.command(`MAIL FROM:<${CAB}>`), '421 4.7.0 This mailbox has been suspended; closing connection');
    await c.ended;
  } finally {
    await w.gov.changeStatus(admin, CAB, 'active', 'fin du contrôle');
  }
});

test('R-AUTH-4: when the access token expires, the next MAIL FROM is refused with 421 4.7.0', async () => {
  const real = createTokenValidator({ issuer: w.psc.issuer });
  // The same tokens, as if they expired 1.5 s after login (room for the first commands on a busy machine).
  let expiresAt = 0;
  const s = await w.startAnother({
    tokenValidator: {
      validate: async (t) => {
        expiresAt = Date.now() + 1500;
        return { ...(await real.validate(t)), expiresAt: new Date(expiresAt) };
      },
      jwksStats: () => real.jwksStats(),
    },
  });
  const c = await Conversation.authenticated(s.port, PER, await w.token(GP));
  assert.equal(await c.command(`MAIL FROM:<${PER}>`), '250 2.1.0 Accepted');
  assert.match(await c.command('RSET'), /^250 /);
  await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 100));
  assert.equal(await c.command(`MAIL FROM:<${PER}>`), '421 4.7.0 Access token expired; reconnect with a fresh one; closing connection');
  await c.ended;
});

test('all or nothing: a recipient suspended between RCPT and the end of DATA → 451, no recipient gets it', async () => {
  const c = await Conversation.authenticated(w.smtp.port, ORG, await w.token(NATHALIE));
  assert.equal(await c.command(`MAIL FROM:<${ORG}>`), '250 2.1.0 Accepted');
  assert.equal(await c.command(`RCPT TO:<${PER}>`), '250 2.1.5 Accepted');
  assert.equal(await c.command(`RCPT TO:<${CAB}>`), '250 2.1.5 Accepted');
  const before = { per: (await w.inbox(PER)).length, cab: (await w.inbox(CAB)).length };
  await w.gov.changeStatus(admin, CAB, 'suspended', 'contrôle');
  try {
    assert.match(await c.command('DATA'), /^354 /);
    c.send(`${message(ORG, PER, 'à deux')}.\r\n`);
    assert.equal(await c.reply(), '451 4.2.1 A recipient mailbox became unavailable during the transaction, try again later');
    assert.equal((await w.inbox(PER)).length, before.per);
    assert.equal((await w.inbox(CAB)).length, before.cab);
    // The session goes on: the same message to PER alone is accepted.
    assert.equal(await c.command(`MAIL FROM:<${ORG}>`), '250 2.1.0 Accepted');
    assert.equal(await c.command(`RCPT TO:<${CAB}>`), `550 5.2.1 <${CAB}>: mailbox is suspended and does not accept messages`);
    assert.equal(await c.command(`RCPT TO:<${PER}>`), '250 2.1.5 Accepted');
    assert.match(await c.command('DATA'), /^354 /);
    c.send(`${message(ORG, PER, 'à un')}.\r\n`);
    assert.match(await c.reply(), /^250 2\.0\.0 /);
    assert.equal((await w.inbox(PER)).length, before.per + 1);
  } finally {
    await w.gov.changeStatus(admin, CAB, 'active', 'fin du contrôle');
    await c.close();
  }
});

test('a failure in delivery after DATA → 451 4.3.0 and nothing visible', async () => {
  const s = await w.startAnother({
    deliver: async () => {
      throw new Error('disk on fire');
    },
  });
  const before = (await w.inbox(ORG)).length;
  const c = await Conversation.authenticated(s.port, PER, await w.token(GP));
  await c.command(`MAIL FROM:<${PER}>`);
  await c.command(`RCPT TO:<${ORG}>`);
  await c.command('DATA');
  c.send(`${message(PER, ORG, 'jamais')}.\r\n`);
  assert.equal(await c.reply(), '451 4.3.0 Local error in processing, message not accepted; try again later');
  assert.equal((await w.inbox(ORG)).length, before);
  await c.close();
});

test('onRemote: *.mssante.fr recipients are accepted and handed over with the local ones; its failure fails the whole message', async () => {
  const handed: SubmittedMessage[] = [];
  let fail = false;
  const s = await w.startAnother({
    onRemote: async (m) => {
      if (fail) throw new Error('relay down');
      handed.push(m);
    },
  });
  const remote = 'secretariat@operateur-b.mssante.fr';
  const send = async (subject: string): Promise<string> => {
    const c = await Conversation.authenticated(s.port, PER, await w.token(GP));
    await c.command(`MAIL FROM:<${PER}>`);
    assert.equal(await c.command(`RCPT TO:<${remote}> NOTIFY=SUCCESS,FAILURE`), '250 2.1.5 Accepted');
    assert.equal(await c.command(`RCPT TO:<${ORG}>`), '250 2.1.5 Accepted');
    assert.equal(await c.command('RCPT TO:<x@example.org>'), '550 5.7.1 <x@example.org>: domain not in the MSSante trust space');
    await c.command('DATA');
    c.send(`${message(PER, ORG, subject)}.\r\n`);
    const r = await c.reply();
    await c.close();
    return r;
  };
  const before = (await w.inbox(ORG)).length;
  assert.match(await send('vers B'), /^250 2\.0\.0 Ok: accepted as [0-9a-f]+ \(1 local mailbox, 1 for other operators\)$/);
  assert.equal(handed.length, 1);
  assert.deepEqual(
    handed[0]!.envelope.recipients.map((r) => [r.kind, r.address, r.dsn.notify]),
    [
      ['remote', remote, ['SUCCESS', 'FAILURE']],
      ['local', ORG, null],
    ],
  );
  assert.equal((await w.inbox(ORG)).length, before + 1);
  fail = true;
  assert.match(await send('B en panne'), /^451 4\.3\.0 /);
  assert.equal((await w.inbox(ORG)).length, before + 1);
});

test('a header section over the limit → 552 5.3.4', async () => {
  const s = await w.startAnother({ maxHeaderBytes: 1024 });
  const c = await Conversation.authenticated(s.port, PER, await w.token(GP));
  await c.command(`MAIL FROM:<${PER}>`);
  await c.command(`RCPT TO:<${ORG}>`);
  await c.command('DATA');
  c.send(`From: <${PER}>\r\n${'X-Pad: 0123456789012345678901234567890123456789\r\n'.repeat(40)}\r\nbody\r\n.\r\n`);
  assert.equal(await c.reply(), '552 5.3.4 Message rejected: header section larger than 1024 bytes');
  await c.close();
});

test('AUTH: only XOAUTH2 and OAUTHBEARER, never twice; * aborts; bad base64 and missing user are 501', async () => {
  const c = await Conversation.open(w.smtp.port);
  await c.secure();
  assert.equal(await c.command('AUTH PLAIN AHVzZXIAcGFzcw=='), '504 5.5.4 Unrecognized authentication type: use XOAUTH2 or OAUTHBEARER');
  assert.equal(await c.command('AUTH LOGIN'), '504 5.5.4 Unrecognized authentication type: use XOAUTH2 or OAUTHBEARER');
  assert.equal(
    await c.command('MAIL FROM:<x@y.fr>'),
    `530 5.7.0 ${'Authentication required: AUTH XOAUTH2 or OAUTHBEARER with a Pro Sante Connect token'}`,
  );
  assert.equal(await c.command('AUTH XOAUTH2'), '334 ');
  assert.equal(await c.command('*'), '501 5.7.0 Authentication aborted');
  assert.equal(await c.command('AUTH XOAUTH2 !!!'), '501 5.5.2 Cannot Base64-decode client response');
  assert.equal(
    await c.command(`AUTH XOAUTH2 ${Buffer.from('auth=Bearer x\x01\x01').toString('base64')}`),
    '501 5.5.2 Invalid XOAUTH2 response (missing-user)',
  );
  assert.match(await c.command(`AUTH OAUTHBEARER ${Conversation.oauthbearer(PER, await w.token(GP))}`), /^235 2\.7\.0 /);
  assert.equal(await c.command(`AUTH OAUTHBEARER ${Conversation.oauthbearer(PER, await w.token(GP))}`), '503 5.5.1 Already authenticated');
  await c.close();
});

test('before TLS: only EHLO/HELO/STARTTLS/NOOP/RSET/QUIT; a bare LF in a command is refused and disconnects', async () => {
  const c = await Conversation.open(w.smtp.port);
  const ehlo = await c.command('EHLO client.example');
  assert.match(ehlo, /250-STARTTLS/);
  assert.doesNotMatch(ehlo, /AUTH/);
  assert.equal(await c.command('HELP'), '530 5.7.0 Must issue a STARTTLS command first');
  assert.equal(await c.command('VRFY postmaster'), '530 5.7.0 Must issue a STARTTLS command first');
  assert.match(await c.command('NOOP'), /^250 /);
  c.send('NOOP\n');
  assert.equal(await c.reply(), '550 5.5.2 Error: bare <LF> received; lines must end with <CR><LF>. Closing connection');
  await c.ended;
});

test('bounded line length: a 17 KiB command line → 421 and disconnect', async () => {
  const c = await Conversation.open(w.smtp.port);
  c.send(`EHLO ${'a'.repeat(17 * 1024)}\r\n`);
  assert.equal(await c.reply(), '421 4.7.0 Command line too long, closing connection');
  await c.ended;
});

test('hard error limit: the 20th error is followed by 421 and a disconnect', async () => {
  const c = await Conversation.authenticated(w.smtp.port, PER, await w.token(GP));
  for (let i = 1; i < 20; i++) assert.match(await c.command(`MAIL FROM:<${CAB}>`), /^550 5\.7\.1 /);
  c.send(`MAIL FROM:<${CAB}>\r\n`);
  assert.match(await c.reply(), /^550 5\.7\.1 /);
  assert.equal(await c.reply(), '421 4.7.0 Too many errors, closing connection');
  await c.ended;
});

test('hard error limit: 451 4.3.0 (our own failure, RFC 3463 §3.5) is not counted against the client', async () => {
  const s = await w.startAnother({
    hardErrorLimit: 3,
    deliver: async () => {
      throw new Error('database restarting');
    },
  });
  const c = await Conversation.authenticated(s.port, PER, await w.token(GP));
  for (let i = 0; i < 4; i++) {
    await c.command(`MAIL FROM:<${PER}>`);
    await c.command(`RCPT TO:<${ORG}>`);
    await c.command('DATA');
    c.send(`${message(PER, ORG, `essai ${i}`)}.\r\n`);
    assert.match(await c.reply(), /^451 4\.3\.0 /);
  }
  assert.match(await c.command('NOOP'), /^250 /, 'the session is still open after 4 failures with a limit of 3');
  await c.close();
});

test('bounded command count per connection', async () => {
  const s = await w.startAnother({ maxCommandsPerConnection: 5 });
  const c = await Conversation.open(s.port);
  for (let i = 0; i < 5; i++) assert.match(await c.command('NOOP'), /^250 /);
  assert.equal(await c.command('NOOP'), '421 4.7.0 Too many commands on one connection, closing');
  await c.ended;
});

test('stop(): idle sessions are told 421 4.3.2 and closed', async () => {
  const s = await w.startAnother({});
  const c = await Conversation.authenticated(s.port, PER, await w.token(GP));
  const stopped = s.stop();
  assert.equal(await c.reply(), '421 4.3.2 Server shutting down, try again later');
  await c.ended;
  await stopped;
});

test('the default limit: a 25 MiB message plus a little is read to its end, refused with 552 5.3.4, nothing kept; the session goes on', async () => {
  const before = (await w.inbox(ORG)).length;
  const c = await Conversation.authenticated(w.smtp.port, PER, await w.token(GP));
  assert.match(await c.command('EHLO client.example'), /250[ -]SIZE 26214400/);
  assert.equal(await c.command(`MAIL FROM:<${PER}> SIZE=26214401`), '552 5.3.4 Error: message exceeds fixed maximum message size 26214400');
  assert.equal(await c.command(`MAIL FROM:<${PER}>`), '250 2.1.0 Accepted');
  assert.equal(await c.command(`RCPT TO:<${ORG}>`), '250 2.1.5 Accepted');
  assert.equal(await c.command('DATA'), '354 End data with <CR><LF>.<CR><LF>');
  c.send(`From: <${PER}>\r\nTo: <${ORG}>\r\nSubject: trop gros\r\n\r\n`);
  const line = `${'A'.repeat(998)}\r\n`;
  const chunk = Buffer.from(line.repeat(1024)); // 1 MiB
  for (let i = 0; i < 26; i++) c.send(chunk);
  c.send('.\r\n');
  assert.equal(await c.reply(30_000), '552 5.3.4 Message exceeds the maximum size of 26214400 bytes');
  assert.match(await c.command('NOOP'), /^250 /);
  await c.close();
  assert.equal((await w.inbox(ORG)).length, before);
  await eventually(() => w.blobTemporaries().length === 0);
});
