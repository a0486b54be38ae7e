// First independent client: nodemailer (STARTTLS required, AUTH XOAUTH2), as an LPS would send.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { CAB, D, GP, JULIE, MARC, NATHALIE, ORG, PER, SOPHIE, eventually, startSmtpWorld, type SmtpWorld } from './support/smtp-world.ts';
import type { SubmittedMessage } from '../src/index.ts';

let w: SmtpWorld;
const submitted: SubmittedMessage[] = [];
before(async () => {
  w = await startSmtpWorld();
});
after(async () => w.close());

function transport(user: string, accessToken: string, port = w.smtp.port) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { type: 'OAuth2', user, accessToken },
  });
}

async function send(user: string, idnat: string, mail: nodemailer.SendMailOptions) {
  const t = transport(user, await w.token(idnat));
  try {
    return await t.sendMail(mail);
  } finally {
    t.close();
  }
}

async function refusal(p: Promise<unknown>): Promise<{ responseCode?: number; response?: string; code?: string }> {
  try {
    await p;
  } catch (err) {
    return err as { responseCode?: number; response?: string; code?: string };
  }
  assert.fail('expected a refusal');
}

test('the GP sends to the cardiology ORG: in its INBOX with a Received header, author = the GP', async () => {
  const before = (await w.inbox(ORG)).length;
  const changed: number[] = [];
  const onChange = (folderId: number): void => void changed.push(folderId);
  w.store.events.on('folder-changed', onChange);
  const info = await send(PER, GP, {
    from: `Dr Paul Martin <${PER}>`,
    to: ORG,
    subject: 'Adressage patient',
    text: 'Bonjour,\nje vous adresse…\n',
    messageId: '<adressage-1@cabinet-martin>',
  });
  assert.match(info.response, /^250 2\.0\.0 Ok: accepted as [0-9a-f]{16} \(1 local mailbox\)$/);
  assert.deepEqual(info.accepted, [ORG]);
  const rows = await w.inbox(ORG);
  assert.equal(rows.length, before + 1);
  const row = rows.at(-1)!;
  assert.equal(row.author_idnat, GP);
  w.store.events.off('folder-changed', onChange);
  assert.deepEqual(changed, [Number(row.folder_id)], 'IMAP sessions on the INBOX are told');
  assert.equal(row.subject, 'Adressage patient');
  assert.equal(row.message_id, '<adressage-1@cabinet-martin>');
  assert.match(row.from_addr ?? '', /paul\.martin@/);
  const raw = await w.blob(row.blob_hash);
  assert.match(
    raw,
    /^Received: from \S+ \(\[127\.0\.0\.1\]\)\r\n\t\(using TLSv1\.[23] with cipher \S+\)\r\n\tby smtp\.operateur-a\.mssante\.fr \(MSSante operator\) with ESMTPSA id [0-9a-f]{16}\r\n\tfor <cardiologie\.ch-lilas@operateur-a\.mssante\.fr>;\r\n\t\w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d \+0000\r\n/,
  );
  assert.ok(raw.includes('\r\nSubject: Adressage patient\r\n'));
  assert.ok(!raw.includes(GP), 'the author is recorded, not written into the message');
  assert.equal(Number(row.size), Buffer.byteLength(raw));
  const audit = (await w.store.audit.list({ idnat: GP, limit: 1000 })).filter((a) => a.action === 'smtp-send');
  assert.equal(audit.at(-1)?.mailbox, PER);
  assert.match(audit.at(-1)?.reason ?? '', /^recipients=1 id=[0-9a-f]{16}$/);
});

test('R-CAB-8/9: Sophie, cotitulaire, sends from the CAB: From is the CAB, the author recorded is Sophie', async () => {
  await send(CAB, SOPHIE, { from: `Cabinet infirmier des Lilas <${CAB}>`, to: [ORG, PER], subject: 'Compte rendu de soins', text: 'CR' });
  for (const box of [ORG, PER]) {
    const row = (await w.inbox(box)).at(-1)!;
    assert.equal(row.subject, 'Compte rendu de soins');
    assert.equal(row.author_idnat, SOPHIE, 'the acting user, not the owner (Claire)');
    assert.match(row.from_addr ?? '', /cabinet\.infirmiers-des-lilas@/);
    // Two recipients: the trace header names neither (Bcc privacy).
    assert.doesNotMatch(await w.blob(row.blob_hash), /\tfor </);
  }
  const audit = (await w.store.audit.list({ idnat: SOPHIE, limit: 1000 })).filter((a) => a.action === 'smtp-send');
  assert.equal(audit.at(-1)?.mailbox, CAB);
  assert.equal(audit.at(-1)?.role, 'cotitulaire');
  assert.match(audit.at(-1)?.reason ?? '', /^recipients=2 /);
});

test('R-DEL-3: Julie, the GP’s secretary, sends from his PER with his address in From', async () => {
  await send(PER, JULIE, { from: PER, to: ORG, subject: 'RDV', text: 'Rendez-vous confirmé.' });
  const row = (await w.inbox(ORG)).at(-1)!;
  assert.equal(row.subject, 'RDV');
  assert.equal(row.author_idnat, JULIE);
  const audit = (await w.store.audit.list({ idnat: JULIE, limit: 1000 })).filter((a) => a.action === 'smtp-send');
  assert.equal(audit.at(-1)?.role, 'delegate');
});

test('R-CAB-4: Marc (CGU not accepted) is refused with 535 and the acceptance URL', async () => {
  const err = await refusal(send(CAB, MARC, { from: CAB, to: ORG, subject: 'x', text: 'x' }));
  assert.equal(err.code, 'EAUTH');
  assert.equal(err.responseCode, 535);
  assert.match(
    err.response ?? '',
    /^535 5\.7\.8 The operator's terms of use must be accepted before sending from this mailbox: http:\/\/127\.0\.0\.1:8080\/cgu\/2026-01$/,
  );
});

test('R-AUTH-2: a valid token of someone with no role on the CAB is refused', async () => {
  const err = await refusal(send(CAB, NATHALIE, { from: CAB, to: ORG, subject: 'x', text: 'x' }));
  assert.equal(err.responseCode, 535);
  assert.equal(err.response, '535 5.7.8 Not allowed to send from this mailbox');
  const denied = (await w.store.audit.list({ idnat: NATHALIE, limit: 1000 })).filter((a) => a.action === 'send' && a.outcome === 'denied');
  assert.equal(denied.at(-1)?.reason, 'no-right');
  assert.equal(denied.at(-1)?.channel, 'smtp');
});

test('send only as the mailbox opened: From: another mailbox → 550 5.7.1, nothing delivered', async () => {
  const before = (await w.inbox(ORG)).length;
  const err = await refusal(send(PER, GP, { from: CAB, to: ORG, subject: 'usurpation', text: 'x' }));
  // nodemailer takes the envelope from From:, so this one fails at MAIL FROM…
  assert.equal(err.responseCode, 550);
  assert.match(err.response ?? '', /^550 5\.7\.1 Sender address rejected: this session may only send as paul\.martin@/);
  // …and with a correct envelope, at the end of DATA on the header.
  const err2 = await refusal(send(PER, GP, { envelope: { from: PER, to: ORG }, from: CAB, to: ORG, subject: 'usurpation', text: 'x' }));
  assert.equal(err2.responseCode, 550);
  assert.match(err2.response ?? '', /^550 5\.7\.1 Message rejected: the From: header must be paul\.martin@operateur-a\.mssante\.fr alone/);
  const err3 = await refusal(
    send(PER, GP, { envelope: { from: PER, to: ORG }, from: `${PER}, ${CAB}`, to: ORG, subject: 'deux From', text: 'x' }),
  );
  assert.match(err3.response ?? '', /^550 5\.7\.1 Message rejected: the From: header/);
  assert.equal((await w.inbox(ORG)).length, before);
  assert.deepEqual(w.blobTemporaries(), []);
});

test('MAIL FROM another mailbox → 550 5.7.1 (envelope only, From: correct)', async () => {
  const err = await refusal(send(PER, GP, { envelope: { from: CAB, to: ORG }, from: PER, to: ORG, subject: 'x', text: 'x' }));
  assert.equal(err.responseCode, 550);
  assert.match(err.response ?? '', /^550 5\.7\.1 /);
});

test('addresses compare case-insensitively; DSN parameters (RFC 3461) are accepted and handed to delivery', async () => {
  const s = await w.startAnother({
    deliver: async (m) => {
      submitted.push(m);
      return { folderIds: [], local: 0, remote: 0 };
    },
  });
  const before = (await w.inbox(ORG)).length;
  await send(PER.toUpperCase(), GP, {
    from: `Paul.Martin@${D.toUpperCase()}`,
    envelope: { from: `PAUL.MARTIN@${D}`, to: ORG },
    to: ORG,
    subject: 'casse',
    text: 'x',
  });
  assert.equal((await w.inbox(ORG)).length, before + 1);
  const t = transport(PER, await w.token(GP), s.port);
  const mail: SMTPTransport.MailOptions = {
    from: PER,
    to: ORG,
    subject: 'DSN',
    text: 'x',
    dsn: { envid: 'env-42', ret: 'HDRS', notify: ['FAILURE', 'DELAY'], orcpt: `rfc822;${ORG}` },
  };
  await t.sendMail(mail);
  t.close();
  const m = submitted.at(-1)!;
  assert.equal(m.sender.address, PER);
  assert.equal(m.author.idnat, GP);
  assert.deepEqual(m.envelope.dsn, { ret: 'HDRS', envid: 'env-42' });
  assert.equal(m.envelope.recipients.length, 1);
  const r = m.envelope.recipients[0]!;
  assert.equal(r.kind, 'local');
  assert.deepEqual(r.dsn.notify, ['FAILURE', 'DELAY']);
  assert.match(r.dsn.orcpt ?? '', /^rfc822;cardiologie\.ch-lilas@/i);
  assert.equal(m.data.subject, 'DSN');
});

test('20 messages submitted in parallel each land exactly once', async () => {
  const before = (await w.inbox(ORG)).length;
  const token = await w.token(GP);
  const run = `par-${Date.now()}`;
  await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const t = transport(PER, token);
      try {
        await t.sendMail({ from: PER, to: ORG, subject: `${run} #${i}`, text: `message ${i}\n`.repeat(200) });
      } finally {
        t.close();
      }
    }),
  );
  const rows = (await w.inbox(ORG)).slice(before);
  assert.equal(rows.length, 20);
  const subjects = rows.map((r) => r.subject).sort();
  assert.deepEqual(subjects, Array.from({ length: 20 }, (_, i) => `${run} #${i}`).sort());
  assert.equal(new Set(rows.map((r) => Number(r.uid))).size, 20);
  // Every session's guard is gone with its connection (no listener left on the revocation bus).
  await eventually(() => w.smtp.connections() === 0 && w.access.bus.listenerCount === 0);
});
