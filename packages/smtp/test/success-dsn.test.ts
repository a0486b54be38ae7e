// RFC 3461 NOTIFY=SUCCESS: the operator that puts the message in the recipient's mailbox reports
// it to the envelope sender (RFC 3464, Action: delivered, Status 2.0.0, headers only). Locally
// the report lands in the sender's INBOX with the delivery; between operators it travels back
// through the recipient operator's queue, from the null sender, to the sender's operator's relay.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { acceptedRef, sendAsGp, A, ANNE, PER, startTwoOperators, type TwoOperators } from './support/two-operators.ts';
import { eventually } from './support/smtp-world.ts';

const CAB = `cabinet.infirmiers-des-lilas@${A}`;

let w: TwoOperators;
before(async () => {
  w = await startTwoOperators();
});
after(async () => w.close());

const send = (mail: nodemailer.SendMailOptions & { dsn?: unknown }) => sendAsGp(w, mail);

async function reports(): Promise<string[]> {
  const out: string[] = [];
  for (const m of await w.a.inbox(PER)) {
    const text = await w.a.blob(m.blob_hash);
    if (/^Subject: Successful Mail Delivery Report/m.test(text)) out.push(text);
  }
  return out;
}

test('a local recipient with NOTIFY=SUCCESS: the sender gets a "delivered" report with the headers only, in the same delivery', async () => {
  const before = (await reports()).length;
  const info = await send({
    to: CAB,
    subject: 'Compte rendu avec accusé',
    text: 'corps confidentiel\n',
    dsn: { id: 'lps-42', notify: ['success', 'failure'], recipient: CAB },
  });
  const ref = acceptedRef(info);
  const all = await reports();
  assert.equal(all.length, before + 1, 'filed with the delivery, before the 250');
  const dsn = all.at(-1)!;
  assert.match(dsn, /^From: Mail Delivery System <MAILER-DAEMON@operateur-a\.mssante\.fr>/m);
  assert.match(dsn, /Content-Type: multipart\/report; report-type=delivery-status/);
  assert.match(dsn, new RegExp(`Your message ${ref} `));
  assert.match(dsn, /^Original-Envelope-Id: lps-42$/m);
  assert.match(dsn, new RegExp(`^Final-Recipient: rfc822; ${CAB.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(dsn, /^Action: delivered$/m);
  assert.match(dsn, /^Status: 2\.0\.0$/m);
  assert.match(dsn, /Content-Type: text\/rfc822-headers/);
  assert.match(dsn, /Subject: =\?UTF-8\?Q\?Compte_rendu_avec_accus/);
  assert.doesNotMatch(dsn, /corps confidentiel/, 'never the body');
  assert.equal((await w.a.inbox(CAB)).length > 0, true);
});

test('no NOTIFY, or NOTIFY without SUCCESS: no report', async () => {
  const before = (await reports()).length;
  await send({ to: CAB, subject: 'Sans accusé', text: 'x\n' });
  await send({ to: CAB, subject: 'Échec seulement', text: 'x\n', dsn: { notify: ['failure'] } });
  await send({ to: CAB, subject: 'Jamais', text: 'x\n', dsn: { notify: ['never'] } });
  assert.equal((await reports()).length, before);
});

test('a recipient at the other operator with NOTIFY=SUCCESS: B reports the delivery; the report comes back through B’s queue to the GP’s INBOX', async () => {
  const before = (await reports()).length;
  const info = await send({ to: ANNE, subject: 'Avis avec accusé', text: 'x\n', dsn: { notify: ['success'] } });
  const ref = acceptedRef(info);
  await eventually(async () => (await reports()).length === before + 1, 10_000);
  const dsn = (await reports()).at(-1)!;
  assert.match(dsn, /^From: Mail Delivery System <MAILER-DAEMON@operateur-b\.mssante\.fr>/m);
  assert.match(dsn, /^Reporting-MTA: dns; mx\.operateur-b\.mssante\.fr$/m);
  assert.match(dsn, new RegExp(`^Final-Recipient: rfc822; ${ANNE.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(dsn, /^Action: delivered$/m);
  assert.match(dsn, /Subject: =\?UTF-8\?Q\?Avis_avec_accus/);
  // A's queue row is delivered; B's report row went out from the null sender and is delivered too.
  await eventually(async () => (await w.a.store.queue.list({ messageRef: ref }))[0]?.status === 'delivered', 10_000);
  // B marks its row once it has A's 250, which may come after A's INBOX shows the report.
  const reportDelivered = async () =>
    (await w.b.store.queue.list({})).some((r) => r.mail_from === '' && r.recipient === PER && r.status === 'delivered');
  await eventually(reportDelivered, 10_000).catch(async () => assert.fail(JSON.stringify(await w.b.store.queue.list({}))));
});

test('a retry of a message B already delivered (A lost the 250) is not reported twice', async () => {
  const before = (await reports()).length;
  const raw = ['From: ' + PER, 'To: ' + ANNE, 'Subject: Retry', 'Message-ID: <retry.1@operateur-a.mssante.fr>', '', 'x', ''].join('\r\n');
  const trace = `Received: from x by mx.${A} with ESMTPS id 0123456789abcdef; Mon, 23 Nov 2026 10:00:00 +0000\r\n`;
  for (let i = 0; i < 2; i++) {
    const t = nodemailer.createTransport({
      host: '127.0.0.1',
      port: w.b.relay.port,
      secure: false,
      requireTLS: true,
      tls: { cert: w.a.cert.certPem, key: w.a.cert.keyPem, ca: w.pki.caCertPem, servername: 'localhost' },
    });
    try {
      await t.sendMail({
        envelope: { from: PER, to: [ANNE] },
        raw: trace + raw,
        dsn: { notify: ['success'] },
      } as nodemailer.SendMailOptions);
    } finally {
      t.close();
    }
  }
  await eventually(async () => (await reports()).length >= before + 1, 10_000);
  // Let B's queue run a few more rounds: a second report would arrive now if one had been queued.
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await reports()).length, before + 1);
  const bReports = (await w.b.store.queue.list({})).filter((r) => r.mail_from === '' && r.recipient === PER);
  assert.equal(bReports.length, 2, 'one for the previous test, one for this message');
});
