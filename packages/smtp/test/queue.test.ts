// The queue's time rules: exponential backoff and the maximum age, after which the sender gets
// a DSN (Status 4.4.7); the DSN's shape (RET=FULL); the relay's trace-id key; and openssl
// s_client speaking to the relay with and without a client certificate.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { ANNE, GP, PER, startTwoOperators, type TwoOperators } from './support/two-operators.ts';
import { eventually } from './support/smtp-world.ts';
import { buildDsn, sendingTraceId, wantsFailureDsn } from '../src/index.ts';

let w: TwoOperators;
before(async () => {
  w = await startTwoOperators({ retry: { firstDelayMs: 150, maxDelayMs: 400, maxAgeMs: 2000 } });
});
after(async () => w.close());

test('B stays down: attempts back off (150, 300, 400 ms…), then at the maximum age the GP gets a 4.4.7 DSN with the whole message (RET=FULL)', async () => {
  await w.stopB();
  const t = nodemailer.createTransport({
    host: '127.0.0.1',
    port: w.a.submission.port,
    secure: false,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { type: 'OAuth2', user: PER, accessToken: await w.token(GP) },
  });
  const before = (await w.a.inbox(PER)).length;
  const info = await t.sendMail({
    from: PER,
    to: ANNE,
    subject: 'Jamais arrivé',
    text: 'Le corps du message.\n',
    dsn: { return: 'full', notify: ['failure', 'delay'] },
  } as nodemailer.SendMailOptions);
  t.close();
  const ref = /accepted as ([0-9a-f]{16})/.exec(info.response)![1]!;
  const seen: number[] = [];
  await eventually(async () => {
    const row = (await w.a.store.queue.list({ messageRef: ref }))[0]!;
    if (!seen.includes(row.attempts)) seen.push(row.attempts);
    return row.status === 'failed';
  }, 8000);
  const row = (await w.a.store.queue.list({ messageRef: ref }))[0]!;
  assert.ok(row.attempts >= 3 && row.attempts <= 8, `a few attempts within 2 s, not a storm: ${row.attempts}`);
  assert.match(row.last_error ?? '', /^4\.4\.7 delivery time expired \(/);
  const rows = await w.a.inbox(PER);
  assert.equal(rows.length, before + 1);
  const text = await w.a.blob(rows.at(-1)!.blob_hash);
  assert.match(text, /^Status: 4\.4\.7\r\n/m);
  assert.match(text, /^Action: failed\r\n/m);
  assert.match(text, /before its maximum time in the queue ran out/);
  assert.match(text, /^Content-Type: message\/rfc822\r\n/m);
  assert.match(text, /Le corps du message\./, 'RET=FULL returns the body');
  await w.restartB();
});

test('DSN builder: headers only by default, the original body never leaks; NOTIFY decides whether one is sent', () => {
  const original = Buffer.from('Received: x\r\nSubject: Secret\r\n\r\nDonnées de santé\r\n');
  const dsn = buildDsn({
    reportingMta: 'mx.a',
    operatorDomain: 'a.mssante.fr',
    messageRef: 'abc',
    envid: null,
    arrivalDate: new Date(0),
    ret: null,
    original,
    sender: 'x@a.mssante.fr',
    recipients: [
      { recipient: 'y@b.mssante.fr', orcpt: null, status: '5.1.1', diagnostic: '550 5.1.1 nope', remoteMta: null, lastAttempt: null },
    ],
    now: new Date(0),
  }).toString('utf8');
  assert.match(dsn, /Subject: Secret/);
  assert.doesNotMatch(dsn, /Données de santé/);
  assert.doesNotMatch(dsn, /Original-Envelope-Id|Remote-MTA|Last-Attempt-Date|Original-Recipient/);
  assert.match(dsn, /--dsn-[0-9a-f]+--\r\n$/);
  assert.equal(wantsFailureDsn(null), true);
  assert.equal(wantsFailureDsn('SUCCESS,FAILURE'), true);
  assert.equal(wantsFailureDsn('NEVER'), false);
  assert.equal(wantsFailureDsn('DELAY'), false);
});

test('the sending operator’s trace id is read from its Received field, folded or not', () => {
  assert.equal(
    sendingTraceId(
      'from x ([127.0.0.1])\r\n\tby smtp.a (MSSante operator) with ESMTPSA id 0123456789abcdef\r\n\tfor <y@b>;\r\n\tMon, 1 Jan 2026',
    ),
    '0123456789abcdef',
  );
  assert.equal(sendingTraceId('from x by y with ESMTPS id Ab.12-xy; date'), 'Ab.12-xy');
  assert.equal(sendingTraceId('from x by y; date'), null);
  assert.equal(sendingTraceId(undefined), null);
});

function openssl(args: string[], input: string): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile('openssl', args, { timeout: 10_000 }, (_err, stdout, stderr) => resolve(`${stdout}\n${stderr}`));
    // s_client reads commands slowly from a pipe; writing them all at once is what pipelining looks like.
    child.stdin!.end(input);
  });
}

test('openssl s_client -starttls smtp: with A’s certificate the relay accepts a message; without one it refuses with 554', async () => {
  const dir = fs.mkdtempSync(path.join(w.pkiDir, 'client-'));
  const certFile = path.join(dir, 'a.pem');
  const keyFile = path.join(dir, 'a.key');
  fs.writeFileSync(certFile, w.a.cert.certPem);
  fs.writeFileSync(keyFile, w.a.cert.keyPem, { mode: 0o600 });
  const before = (await w.b.inbox(ANNE)).length;
  const base = [
    's_client',
    '-quiet',
    '-starttls',
    'smtp',
    '-connect',
    `127.0.0.1:${w.b.relay.port}`,
    '-CAfile',
    w.caFile,
    '-verify_return_error',
    '-name',
    'mx.operateur-a.mssante.fr',
  ];
  const session = `EHLO mx.operateur-a.mssante.fr\r\nMAIL FROM:<${PER}>\r\nRCPT TO:<${ANNE}>\r\nDATA\r\nFrom: <${PER}>\r\nSubject: openssl\r\n\r\nx\r\n.\r\nQUIT\r\n`;
  const ok = await openssl([...base, '-cert', certFile, '-key', keyFile], session);
  assert.match(ok, /250 2\.1\.0 Accepted/);
  assert.match(ok, /250 2\.0\.0 Ok: queued as [0-9a-f]{16} \(1 delivered\)/);
  assert.equal((await w.b.inbox(ANNE)).length, before + 1);
  const refused = await openssl(base, session);
  assert.match(refused, /554 5\.7\.0 Command refused due to lack of security: no client certificate was presented/);
  assert.doesNotMatch(refused, /250 2\.0\.0/);
  assert.equal((await w.b.inbox(ANNE)).length, before + 1);
});
