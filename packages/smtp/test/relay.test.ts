// Mail between two operators: submission at A (nodemailer, XOAUTH2), A's queue, B's relay
// listener over mutual TLS, DSNs back to the sender; and the relay's refusals, byte-exact.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type net from 'node:net';
import type tls from 'node:tls';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { loadOrCreatePki } from '@mss/trust';
import { sendAsGp, A, ANNE, B, GP, PER, startTwoOperators, type TwoOperators } from './support/two-operators.ts';
import { eventually } from './support/smtp-world.ts';
import { Conversation } from './support/conversation.ts';

let w: TwoOperators;
before(async () => {
  w = await startTwoOperators();
});
after(async () => w.close());

const send = (mail: nodemailer.SendMailOptions & { dsn?: unknown }) => sendAsGp(w, mail);

async function refusal(p: Promise<unknown>): Promise<{ responseCode?: number; response?: string }> {
  try {
    await p;
  } catch (err) {
    return err as { responseCode?: number; response?: string };
  }
  assert.fail('expected a refusal');
}

/** A relay connection to `port` after STARTTLS, presenting `cert` (or none). */
async function relayConversation(port: number, cert?: { certPem: string; keyPem: string }): Promise<Conversation> {
  const c = await Conversation.open(port);
  await c.command('EHLO mx.client.example');
  const r = await c.command('STARTTLS');
  assert.match(r, /^220 /);
  await c.upgrade({ ca: [w.pki.caCertPem], ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}), rejectUnauthorized: false });
  return c;
}

test('A to B: the GP writes to Anne at the other operator; the queue relays it over mutual TLS; it lands once in her INBOX', async () => {
  const info = await send({ to: ANNE, subject: 'Avis cardiologique', text: 'Chère consœur,\n…\n', messageId: '<avis-1@cabinet-martin>' });
  assert.match(info.response, /^250 2\.0\.0 Ok: accepted as ([0-9a-f]{16}) \(0 local mailboxes, 1 for other operators\)$/);
  const ref = /accepted as ([0-9a-f]{16})/.exec(info.response)![1]!;
  await eventually(async () => (await w.a.store.queue.list({ messageRef: ref }))[0]?.status === 'delivered');
  const rows = await w.b.inbox(ANNE);
  assert.equal(rows.length, 1);
  const row = rows[0]!;
  assert.equal(row.subject, 'Avis cardiologique');
  assert.equal(row.message_id, '<avis-1@cabinet-martin>');
  assert.equal(row.author_idnat, null, 'the author is known to A only');
  const text = await w.b.blob(row.blob_hash);
  const received = text.split('\r\n').filter((l) => l.startsWith('Received:'));
  assert.equal(received.length, 2, 'B’s trace, then A’s');
  assert.match(
    text,
    /^Received: from mx\.operateur-a\.mssante\.fr \(\[127\.0\.0\.1\]\)\r\n\t\(using TLSv1\.3 with cipher [^)]+\)\r\n\tby mx\.operateur-b\.mssante\.fr \(MSSante operator\) with ESMTPS id [0-9a-f]{16}\r\n\tfor <anne\.lambert@operateur-b\.mssante\.fr>;/,
  );
  assert.match(text, new RegExp(`by smtp\\.${A.replace(/\./g, '\\.')} \\(MSSante operator\\) with ESMTPSA id ${ref}`));
  const queued = (await w.a.store.queue.list({ messageRef: ref }))[0]!;
  assert.equal(queued.author_idnat, GP);
  assert.equal(queued.attempts, 1);
  assert.match(queued.last_error ?? '', /^250 2\.0\.0 Ok: queued as [0-9a-f]{16} \(1 delivered\)/);
});

test('local and remote recipients in one message: the local copy at once, the remote one through the queue', async () => {
  const org = `cardiologie.ch-lilas@${A}`;
  const beforeOrg = (await w.a.inbox(org)).length;
  const beforeAnne = (await w.b.inbox(ANNE)).length;
  const info = await send({ to: [org, ANNE], subject: 'Deux destinataires', text: 'x\n' });
  assert.match(info.response, /\(1 local mailbox, 1 for other operators\)$/);
  assert.equal((await w.a.inbox(org)).length, beforeOrg + 1);
  await eventually(async () => (await w.b.inbox(ANNE)).length === beforeAnne + 1);
});

test('a domain outside the whitelist is refused at RCPT, as are sub-domains and look-alikes of listed ones', async () => {
  for (const to of ['someone@gmail.com', 'x@inconnu.mssante.fr', `x@sub.${B}`]) {
    const e = await refusal(send({ to, subject: 'x', text: 'x\n' }));
    assert.equal(e.responseCode, 550, to);
    assert.match(e.response ?? '', new RegExp(`^550 5\\.7\\.1 <${to.replace(/\./g, '\\.')}>: domain not in the MSSante trust space$`));
  }
});

test('patient domain: whitelisted but without a route yet, so the message waits in the queue', async () => {
  const info = await send({ to: '279035121518989@patient.mssante.fr', subject: 'Compte rendu', text: 'x\n' });
  const ref = /accepted as ([0-9a-f]{16})/.exec(info.response)![1]!;
  await eventually(async () => ((await w.a.store.queue.list({ messageRef: ref }))[0]?.attempts ?? 0) >= 1);
  const row = (await w.a.store.queue.list({ messageRef: ref }))[0]!;
  assert.equal(row.status, 'queued');
  assert.equal(row.last_error, 'no route to patient.mssante.fr in the trust space yet');
  assert.ok(Date.parse(row.next_attempt_at) - Date.now() > 30_000, 'next attempt about a minute later');
  assert.equal((await w.a.store.queue.remove({ messageRef: ref })).length, 1);
});

test('a recipient B does not know: B refuses it (550 5.1.1), A closes the row and puts a DSN (RFC 3464) in the GP’s INBOX', async () => {
  const before = (await w.a.inbox(PER)).length;
  const info = await send({
    to: `inconnu@${B}`,
    subject: 'Pour un inconnu',
    text: 'x\n',
    envelope: { from: PER, to: [`inconnu@${B}`] },
    dsn: { id: 'env-42', return: 'headers', notify: ['failure'], recipient: `inconnu@${B}` },
  });
  const ref = /accepted as ([0-9a-f]{16})/.exec(info.response)![1]!;
  await eventually(async () => (await w.a.store.queue.list({ messageRef: ref }))[0]?.status === 'failed');
  const rows = await w.a.inbox(PER);
  assert.equal(rows.length, before + 1);
  const dsn = rows.at(-1)!;
  assert.equal(dsn.subject, 'Undelivered Mail Returned to Sender');
  const text = await w.a.blob(dsn.blob_hash);
  assert.match(text, /^From: Mail Delivery System <MAILER-DAEMON@operateur-a\.mssante\.fr>\r\n/m);
  assert.match(text, /^Content-Type: multipart\/report; report-type=delivery-status; boundary="dsn-[0-9a-f]+"\r\n/m);
  assert.match(text, /^Reporting-MTA: dns; mx\.operateur-a\.mssante\.fr\r\nOriginal-Envelope-Id: env-42\r\nArrival-Date: /m);
  assert.match(
    text,
    new RegExp(
      `^Final-Recipient: rfc822; inconnu@operateur-b\\.mssante\\.fr\\r\\nOriginal-Recipient: rfc822;inconnu@operateur-b\\.mssante\\.fr\\r\\nAction: failed\\r\\nStatus: 5\\.1\\.1\\r\\nRemote-MTA: dns; 127\\.0\\.0\\.1:${w.b.relay.port}\\r\\nDiagnostic-Code: smtp; 550 5\\.1\\.1 <inconnu@operateur-b\\.mssante\\.fr>: no such mailbox at this operator\\r\\n`,
      'm',
    ),
  );
  assert.match(text, /^Content-Type: text\/rfc822-headers\r\n/m, 'RET=HDRS: the headers only');
  assert.match(text, /Subject: Pour un inconnu/);
  assert.doesNotMatch(text.split('text/rfc822-headers')[1]!, /\r\n\r\nx\r\n/, 'not the body');
});

test('NOTIFY=NEVER: the row is closed without a DSN', async () => {
  const before = (await w.a.inbox(PER)).length;
  const info = await send({ to: `personne@${B}`, subject: 'Sans avis', text: 'x\n', dsn: { notify: ['never'] } });
  const ref = /accepted as ([0-9a-f]{16})/.exec(info.response)![1]!;
  await eventually(async () => (await w.a.store.queue.list({ messageRef: ref }))[0]?.status === 'failed');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal((await w.a.inbox(PER)).length, before);
});

test('B down: deferred with backoff, nothing lost; B back and a retry: delivered once', async () => {
  await w.stopB();
  const before = (await w.b.inbox(ANNE)).length;
  const info = await send({ to: ANNE, subject: 'Pendant la panne', text: 'x\n' });
  const ref = /accepted as ([0-9a-f]{16})/.exec(info.response)![1]!;
  await eventually(async () => ((await w.a.store.queue.list({ messageRef: ref }))[0]?.attempts ?? 0) >= 1);
  let row = (await w.a.store.queue.list({ messageRef: ref }))[0]!;
  assert.equal(row.status, 'queued');
  assert.match(row.last_error ?? '', /ECONNREFUSED|ECONNECTION|connect/i);
  assert.ok(Date.parse(row.next_attempt_at) > Date.now() + 30_000);
  await w.restartB();
  assert.equal(await w.a.store.queue.retryNow({ messageRef: ref }), 1);
  w.a.runner.poke();
  await eventually(async () => (await w.a.store.queue.list({ messageRef: ref }))[0]?.status === 'delivered');
  row = (await w.a.store.queue.list({ messageRef: ref }))[0]!;
  assert.equal(row.attempts, 2);
  assert.equal((await w.b.inbox(ANNE)).length, before + 1);
});

test('a retry after a lost 250 (A died before recording it) is recognised by B and not delivered twice', async () => {
  const before = (await w.b.inbox(ANNE)).length;
  const info = await send({ to: ANNE, subject: 'Une seule fois', text: 'x\n' });
  const ref = /accepted as ([0-9a-f]{16})/.exec(info.response)![1]!;
  await eventually(async () => (await w.a.store.queue.list({ messageRef: ref }))[0]?.status === 'delivered');
  // As if A had crashed between B's 250 and its own commit: the row is queued again.
  await w.a.store.kysely
    .updateTable('smtp_queue')
    .set({ status: 'queued', next_attempt_at: new Date(0).toISOString() })
    .where('message_ref', '=', ref)
    .execute();
  w.a.runner.poke();
  await eventually(async () => (await w.a.store.queue.list({ messageRef: ref }))[0]?.status === 'delivered');
  const row = (await w.a.store.queue.list({ messageRef: ref }))[0]!;
  assert.match(row.last_error ?? '', /\(0 delivered, 1 already delivered before\)/);
  assert.equal((await w.b.inbox(ANNE)).length, before + 1);
});

test('relay: the operator’s own certificate, its own domain as sender: accepted, byte-exact', async () => {
  const c = await relayConversation(w.b.relay.port, w.a.cert);
  assert.match(await c.command('EHLO mx.operateur-a.mssante.fr'), /^250-mx\.operateur-b\.mssante\.fr/);
  assert.equal(await c.command(`MAIL FROM:<${PER}>`), '250 2.1.0 Accepted');
  assert.equal(await c.command(`RCPT TO:<${ANNE}>`), '250 2.1.5 Accepted');
  assert.equal(await c.command(`RCPT TO:<someone@${A}>`), `554 5.7.1 <someone@${A}>: Relay access denied`);
  assert.equal(await c.command(`RCPT TO:<nobody@${B}>`), `550 5.1.1 <nobody@${B}>: no such mailbox at this operator`);
  assert.equal(
    await c.command('AUTH XOAUTH2 abc'),
    '502 5.5.1 AUTH is not available here: operators authenticate with their client certificate',
  );
  assert.equal(await c.command('DATA'), '354 End data with <CR><LF>.<CR><LF>');
  c.send(`From: <${PER}>\r\nTo: <${ANNE}>\r\nSubject: direct\r\n\r\nx\r\n.\r\n`);
  assert.match(await c.reply(), /^250 2\.0\.0 Ok: queued as [0-9a-f]{16} \(1 delivered\)$/);
  assert.equal(await c.command(`MAIL FROM:<>`), '250 2.1.0 Accepted', 'the null sender (DSNs) is accepted');
  await c.close();
});

test('relay refusals: no STARTTLS, no certificate, another CA, an APP certificate, a sender of another operator', async () => {
  const plain = await Conversation.open(w.b.relay.port);
  await plain.command('EHLO x');
  assert.equal(await plain.command(`MAIL FROM:<${PER}>`), '530 5.7.0 Must issue a STARTTLS command first');
  await plain.close();

  const none = await relayConversation(w.b.relay.port);
  assert.equal(await none.command('EHLO x'), '554 5.7.0 Command refused due to lack of security: no client certificate was presented');
  assert.equal(
    await none.command(`MAIL FROM:<${PER}>`),
    '554 5.7.0 Command refused due to lack of security: no client certificate was presented',
  );
  assert.match(await none.command('QUIT'), /^221 /);
  await none.close();

  const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-other-ca-'));
  try {
    const other = await loadOrCreatePki(otherDir);
    const forged = await other.issueServerCertificate({ commonName: A, dnsNames: ['localhost'] });
    const c = await relayConversation(w.b.relay.port, forged);
    assert.match(
      await c.command(`MAIL FROM:<${PER}>`),
      /^554 5\.7\.0 Command refused due to lack of security: the client certificate is not from the MSSante trust space CA \((UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)$/,
    );
    await c.close();
  } finally {
    fs.rmSync(otherDir, { recursive: true, force: true });
  }

  const app = await w.pki.issueClientCertificate({ commonName: 'Logiciel labo', kind: 'app', mailbox: `labo-resultats.ch-lilas@${A}` });
  const appConv = await relayConversation(w.b.relay.port, app);
  assert.equal(
    await appConv.command(`MAIL FROM:<${PER}>`),
    '554 5.7.0 Command refused due to lack of security: the client certificate is not an operator certificate (app)',
  );
  await appConv.close();

  const notListed = await w.pki.issueServerCertificate({ commonName: 'operateur-z.mssante.fr', dnsNames: ['localhost'] });
  const z = await relayConversation(w.b.relay.port, notListed);
  assert.equal(
    await z.command(`MAIL FROM:<x@operateur-z.mssante.fr>`),
    '554 5.7.0 Command refused due to lack of security: operateur-z.mssante.fr is not on the MSSante whitelist',
  );
  await z.close();

  const c = await relayConversation(w.b.relay.port, w.a.cert);
  assert.match(await c.command('EHLO mx.operateur-a.mssante.fr'), /^250-/);
  assert.equal(
    await c.command(`MAIL FROM:<x@${B}>`),
    `550 5.7.1 Sender address rejected: ${B} does not belong to the operator of the client certificate (${A})`,
  );
  assert.equal(
    await c.command(`MAIL FROM:<x@gmail.com>`),
    `550 5.7.1 Sender address rejected: gmail.com does not belong to the operator of the client certificate (${A})`,
  );
  await c.close();
});

test('outbound: A refuses to deliver to a server whose certificate is not that of the recipient’s operator', async () => {
  // B's route now points at A's own relay: a valid trust-space certificate, but the wrong operator.
  const realB = w.trust.routes.get(B)!;
  w.trust.routes.set(B, { host: '127.0.0.1', port: w.a.relay.port });
  try {
    const info = await send({ to: ANNE, subject: 'Mauvais MX', text: 'x\n' });
    const ref = /accepted as ([0-9a-f]{16})/.exec(info.response)![1]!;
    await eventually(async () => ((await w.a.store.queue.list({ messageRef: ref }))[0]?.attempts ?? 0) >= 1);
    const row = (await w.a.store.queue.list({ messageRef: ref }))[0]!;
    assert.equal(row.status, 'queued');
    assert.match(
      row.last_error ?? '',
      /the server certificate \(operateur-a\.mssante\.fr\) is not that of the operator of operateur-b\.mssante\.fr/,
    );
    w.trust.routes.set(B, realB);
    await w.a.store.queue.retryNow({ messageRef: ref });
    w.a.runner.poke();
    await eventually(async () => (await w.a.store.queue.list({ messageRef: ref }))[0]?.status === 'delivered');
  } finally {
    w.trust.routes.set(B, realB);
  }
});

test('outbound: no plaintext fallback — a peer that offers no STARTTLS gets nothing, the message waits', async () => {
  // A peer that speaks SMTP but offers no STARTTLS (smtp-server with it disabled), and would take anything.
  const plain = new SMTPServer({
    hideSTARTTLS: true,
    disabledCommands: ['STARTTLS'],
    hideENHANCEDSTATUSCODES: false,
    authOptional: true,
    logger: false,
    onData: (s, _session, cb) => s.resume().on('end', () => cb()),
  });
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  const realB = w.trust.routes.get(B)!;
  w.trust.routes.set(B, { host: '127.0.0.1', port: (plain.server.address() as net.AddressInfo).port });
  try {
    const before = (await w.b.inbox(ANNE)).length;
    const info = await send({ to: ANNE, subject: 'Jamais en clair', text: 'x\n' });
    const ref = /accepted as ([0-9a-f]{16})/.exec(info.response)![1]!;
    await eventually(async () => ((await w.a.store.queue.list({ messageRef: ref }))[0]?.attempts ?? 0) >= 1);
    const row = (await w.a.store.queue.list({ messageRef: ref }))[0]!;
    assert.equal(row.status, 'queued');
    assert.match(row.last_error ?? '', /said: 500 5\.5\.2 Error: command not recognized \(to STARTTLS\)$/);
    assert.equal((await w.b.inbox(ANNE)).length, before, 'nothing sent in clear');
    assert.equal((await w.a.store.queue.remove({ messageRef: ref })).length, 1);
  } finally {
    w.trust.routes.set(B, realB);
    await new Promise<void>((resolve) => plain.close(() => resolve()));
  }
});

test('a tls.connect sanity check: B’s relay presents B’s certificate from the trust CA', async () => {
  const c = await Conversation.open(w.b.relay.port);
  await c.command('EHLO x');
  await c.command('STARTTLS');
  const s = await c.upgrade({ ca: [w.pki.caCertPem], servername: 'localhost', cert: w.a.cert.certPem, key: w.a.cert.keyPem });
  assert.equal((s as tls.TLSSocket).authorized, true);
  await c.close();
});
