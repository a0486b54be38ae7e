// Mon Espace Santé as a member of the trust space (domain reference §8, §12 story 3, SMTP side):
// Dr Martin's software submits to operator A over STARTTLS + XOAUTH2; A's queue delivers to
// MES's relay over mutual TLS; the patient's reply goes from MES's queue to A's relay, and Dr
// Martin reads it over IMAP. Each rule has its test: R-MES-1…4, R-DOC-3 at A's submission,
// unknown and closed patients, a patient and a professional in one message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { PERSONA_PATIENT_CLOSED_INS, PERSONA_PATIENT_INS, generatePatients } from '@mss/seed';
import { makeIns } from '@mss/domain';
import { MesError } from '../src/index.ts';
import { acceptedRef, ANNE, eventually, PER, sendAsGp, startWorld, type World } from './support/world.ts';

const PATIENT = PERSONA_PATIENT_INS;
const PATIENT_ADDRESS = `${PATIENT}@patient.mssante.fr`;

let w: World;
before(async () => {
  w = await startWorld();
});
after(async () => w.close());

async function refusal(p: Promise<unknown>): Promise<{ responseCode?: number; response?: string }> {
  try {
    await p;
  } catch (err) {
    return err as { responseCode?: number; response?: string };
  }
  assert.fail('expected a refusal');
}

const queueRow = async (ref: string) => (await w.a.store.queue.list({ messageRef: ref }))[0];

/** Dr Martin's INBOX at A, read over IMAP with his PSC token (imapflow). */
async function readGpInbox<T>(fn: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: w.a.imap.port,
    secure: false,
    doSTARTTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user: PER, accessToken: await w.token('810000001056') },
    logger: false,
  });
  await client.connect();
  try {
    await client.mailboxOpen('INBOX');
    return await fn(client);
  } finally {
    await client.logout();
  }
}

/** The whole message whose subject is this, from Dr Martin's INBOX over IMAP. */
async function gpMessage(subject: string): Promise<string> {
  return readGpInbox(async (client) => {
    const uids = (await client.search({ subject }, { uid: true })) || [];
    assert.ok(uids.length > 0, `no message "${subject}" in Dr Martin's INBOX`);
    const m = await client.fetchOne(String(uids.at(-1)), { source: true }, { uid: true });
    return m ? m.source!.toString('utf8') : '';
  });
}

test('story 3: Dr Martin writes to the patient over SMTP+XOAUTH2; A relays it to MES over mutual TLS; NOTIFY=SUCCESS is answered "relayed" (R-MES-4)', async () => {
  const info = await sendAsGp(w, {
    to: PATIENT_ADDRESS,
    subject: 'Vos résultats',
    text: 'Bonjour Madame,\nvos résultats sont normaux.\n',
    messageId: '<story3-1@cabinet-martin>',
    headers: { 'Disposition-Notification-To': PER },
    dsn: { notify: ['SUCCESS', 'FAILURE'] },
  });
  const ref = acceptedRef(info);
  await eventually(async () => (await queueRow(ref))?.status === 'delivered');
  assert.match((await queueRow(ref))!.last_error ?? '', /^250 2\.0\.0 Ok: queued as [0-9a-f]{16} \(1 delivered\)/, 'MES’s relay answered');
  const [stored] = await w.patientInbox(PATIENT);
  assert.equal(stored!.message_id, '<story3-1@cabinet-martin>');
  const raw = (await w.blob(w.mesStore, stored!.blob_hash)).toString('latin1');
  assert.match(
    raw,
    /^Received: from mx\.operateur-a\.mssante\.fr \(\[127\.0\.0\.1\]\)\r\n\t\(using TLSv1\.3 with cipher [^)]+\)\r\n\tby mx\.patient\.mssante\.fr /,
  );
  assert.deepEqual(await w.mes.mes.canWrite(PATIENT, PER), { allowed: true }, 'R-MES-1: now she may write');
  // RFC 3461 §6.2: MES gives no delivery report; its relay says so with Action: relayed.
  const report = await eventually(async () => (await w.a.inbox(PER)).some((m) => m.subject === 'Relayed Mail Report')).then(() =>
    gpMessage('Relayed Mail Report'),
  );
  assert.match(report, /^From: Mail Delivery System <MAILER-DAEMON@patient\.mssante\.fr>\r\n/m);
  assert.match(report, /Content-Type: multipart\/report; report-type=delivery-status;/);
  assert.match(report, /\r\nFinal-Recipient: rfc822; 279035121518989@patient\.mssante\.fr\r\nAction: relayed\r\nStatus: 2\.0\.0\r\n/);
  assert.doesNotMatch(report, /Action: delivered/, 'never a success DSN from MES');
});

test('story 3: the patient replies from MES; the reply reaches Dr Martin’s INBOX over IMAP with her name in From: and the patient marker (R-MES-3)', async () => {
  const [incoming] = await w.mes.mes.messages(PATIENT, PER);
  await w.mes.mes.send(PATIENT, {
    to: PER,
    subject: 'Re: Vos résultats',
    body: 'Merci docteur, bonne journée.\n',
    inReplyTo: incoming!.id,
  });
  await eventually(async () => (await w.a.inbox(PER)).some((m) => m.subject === 'Re: Vos résultats'));
  const text = await gpMessage('Re: Vos résultats');
  assert.match(text, /^From: Dominique Pat-Trois <279035121518989@patient\.mssante\.fr>\r\n/m);
  assert.match(text, /^X-MSS-Usager: O\r\n/m);
  assert.match(text, /^In-Reply-To: <story3-1@cabinet-martin>\r\n/m);
  // A's relay took it from MES's certificate (patient.mssante.fr), over TLS, after MES's own trace.
  assert.match(
    text,
    /^Received: from mx\.patient\.mssante\.fr \(\[127\.0\.0\.1\]\)\r\n\t\(using TLSv1\.3 with cipher [^)]+\)\r\n\tby mx\.operateur-a\.mssante\.fr /,
  );
  assert.match(text, /\tby mx\.patient\.mssante\.fr \(Mon Espace Sante\) with HTTPS id [0-9a-f]{16};/);
  const envelope = await readGpInbox(async (client) => {
    const uids = (await client.search({ subject: 'Re: Vos résultats' }, { uid: true })) || [];
    const m = await client.fetchOne(String(uids.at(-1)), { envelope: true }, { uid: true });
    assert.ok(m, 'fetched');
    return m.envelope!;
  });
  assert.deepEqual(envelope.from, [{ name: 'Dominique Pat-Trois', address: PATIENT_ADDRESS }]);
});

test('R-MES-4: the patient opens a message that asked for a receipt and agrees; the MDN reaches Dr Martin unchanged through A', async () => {
  const [incoming] = await w.mes.mes.messages(PATIENT, PER);
  assert.equal(incoming!.mdnRequested, true);
  assert.deepEqual(await w.mes.mes.markRead(PATIENT, incoming!.id), { mdnRequested: true, mdnTo: PER });
  await w.mes.mes.sendMdn(PATIENT, incoming!.id);
  // From the null sender (RFC 8098 §3), as the patient (MES's relayed reports go from MAILER-DAEMON).
  const queued = (await w.mesStore.queue.list({})).find((r) => r.mail_from === '' && r.sender_address === PATIENT_ADDRESS)!;
  const sent = await w.blob(w.mesStore, queued.blob_hash);
  await eventually(async () => (await w.a.inbox(PER)).some((m) => (m.subject ?? '').startsWith('Accusé de lecture')));
  const row = (await w.a.inbox(PER)).find((m) => (m.subject ?? '').startsWith('Accusé de lecture'))!;
  const stored = await w.blob(w.a.store, row.blob_hash);
  // A adds its trace field in front and changes nothing else.
  assert.ok(stored.subarray(stored.length - sent.length).equals(sent), 'the MDN arrives byte for byte as MES sent it');
  assert.match(stored.toString('latin1'), /^Received: from mx\.patient\.mssante\.fr/);
  assert.match(sent.toString('latin1'), /\r\nDisposition: manual-action\/MDN-sent-manually; displayed\r\n/);
  assert.match(sent.toString('latin1'), /\r\nOriginal-Message-ID: <story3-1@cabinet-martin>\r\n/);
  const again = await w.mes.mes.sendMdn(PATIENT, incoming!.id).catch((e: unknown) => e);
  assert.ok(again instanceof MesError && again.code === 'mdn-already-sent');
});

test('R-MES-4: an MDN from a professional’s software passes through the operator unchanged (to another operator)', async () => {
  const mdn = [
    `From: <${PER}>`,
    `To: <${ANNE}>`,
    'Subject: Disposition notification',
    'Message-ID: <mdn-lps-1@cabinet-martin>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=disposition-notification; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'Your message was displayed.',
    '--b1',
    'Content-Type: message/disposition-notification',
    '',
    'Reporting-UA: lps.cabinet-martin; LPS 1.0',
    `Final-Recipient: rfc822; ${PER}`,
    'Original-Message-ID: <from-anne-1@b>',
    'Disposition: manual-action/MDN-sent-manually; displayed',
    '',
    '--b1--',
    '',
  ].join('\r\n');
  const info = await sendAsGp(w, { envelope: { from: PER, to: [ANNE] }, raw: mdn });
  const ref = acceptedRef(info);
  await eventually(async () => (await queueRow(ref))?.status === 'delivered');
  const row = (await w.b.inbox(ANNE)).find((m) => m.message_id === '<mdn-lps-1@cabinet-martin>')!;
  const stored = await w.blob(w.b.store, row.blob_hash);
  assert.ok(stored.toString('latin1').endsWith(mdn), 'the report arrives byte for byte after the two trace fields');
});

test('R-MES-1: the patient cannot write first to a professional who never wrote to her; nothing is queued', async () => {
  const before = (await w.mesStore.queue.list({})).length;
  const e = await w.mes.mes.send(PATIENT, { to: ANNE, subject: 'Bonjour', body: 'Puis-je prendre rendez-vous ?' }).catch((x: unknown) => x);
  assert.ok(e instanceof MesError && e.code === 'not-allowed' && e.rule === 'R-MES-1', String(e));
  assert.equal((await w.mesStore.queue.list({})).length, before);
});

test('R-DOC-3 at the operator: a patient address whose local part is not a valid INS is refused at RCPT (553 5.1.3), nothing is queued', async () => {
  const queuedBefore = (await w.a.store.queue.list({})).length;
  const wrongKey = `${PATIENT.slice(0, 13)}88@patient.mssante.fr`;
  const e1 = await refusal(sendAsGp(w, { to: wrongKey, subject: 'x', text: 'x' }));
  assert.equal(e1.responseCode, 553);
  assert.equal(e1.response, `553 5.1.3 <${wrongKey}>: a patient address must be a valid INS (R-DOC-3): key should be 89 (97 - NIR mod 97)`);
  const e2 = await refusal(sendAsGp(w, { to: 'dominique.pat-trois@patient.mssante.fr', subject: 'x', text: 'x' }));
  assert.equal(e2.responseCode, 553);
  assert.match(
    e2.response ?? '',
    /^553 5\.1\.3 <dominique\.pat-trois@patient\.mssante\.fr>: a patient address must be a valid INS \(R-DOC-3\): /,
  );
  assert.equal((await w.a.store.queue.list({})).length, queuedBefore);
});

test('an unknown patient (valid INS, no MES) and a closed MES are refused by MES at RCPT (550 5.1.1): A gives up at once and tells Dr Martin', async () => {
  const used = new Set([PATIENT, PERSONA_PATIENT_CLOSED_INS, ...generatePatients({ seed: 3, count: 50 }).map((p) => p.ins)]);
  const unknown = makeIns('2850675123456');
  assert.ok(!used.has(unknown));
  for (const ins of [unknown, PERSONA_PATIENT_CLOSED_INS]) {
    const info = await sendAsGp(w, { to: `${ins}@patient.mssante.fr`, subject: `Pour ${ins}`, text: 'x\n' });
    const ref = acceptedRef(info);
    await eventually(async () => (await queueRow(ref))?.status === 'failed');
    assert.match(
      (await queueRow(ref))!.last_error ?? '',
      new RegExp(`^5\\.1\\.1 550 5\\.1\\.1 <${ins}@patient\\.mssante\\.fr>: no such mailbox`),
    );
  }
});

test('a message to a patient and a professional together: each is delivered by its own route (MES, operator B)', async () => {
  const beforeAnne = (await w.b.inbox(ANNE)).length;
  const beforePatient = (await w.patientInbox(PATIENT)).length;
  const info = await sendAsGp(w, { to: [PATIENT_ADDRESS, ANNE], subject: 'Compte rendu partagé', text: 'Voir pièce jointe.\n' });
  assert.match(info.response, /\(0 local mailboxes, 2 for other operators\)$/);
  const ref = acceptedRef(info);
  await eventually(async () => (await w.a.store.queue.list({ messageRef: ref })).every((r) => r.status === 'delivered'));
  const rows = await w.a.store.queue.list({ messageRef: ref });
  assert.deepEqual(rows.map((r) => r.domain).sort(), ['operateur-b.mssante.fr', 'patient.mssante.fr']);
  assert.equal((await w.b.inbox(ANNE)).length, beforeAnne + 1);
  assert.equal((await w.patientInbox(PATIENT)).length, beforePatient + 1);
});

test('R-MES-2 over SMTP: X-MSS-MES: FIN from Dr Martin ends the exchange; the patient reads it and can no longer write to him', async () => {
  const info = await sendAsGp(w, { to: PATIENT_ADDRESS, subject: 'Fin du suivi', text: 'Au revoir.\n', headers: { 'X-MSS-MES': 'FIN' } });
  await eventually(async () => (await queueRow(acceptedRef(info)))?.status === 'delivered');
  const last = (await w.mes.mes.messages(PATIENT, PER)).at(-1)!;
  assert.equal(last.subject, 'Fin du suivi');
  assert.equal(last.ended, 'X-MSS-MES: FIN');
  assert.equal((await w.mes.mes.message(PATIENT, last.id)).text, 'Au revoir.\r\n');
  const e = await w.mes.mes.send(PATIENT, { to: PER, subject: 'Encore une question', body: '?' }).catch((x: unknown) => x);
  assert.ok(e instanceof MesError && e.rule === 'R-MES-2', String(e));
});

test('R-MES-2 over SMTP, the historical form: a subject starting with [FIN] ends the exchange too', async () => {
  const ins = generatePatients({ seed: 3, count: 50 }).find((p) => p.active)!.ins;
  const to = `${ins}@patient.mssante.fr`;
  for (const subject of ['Convocation', '[FIN] Merci de votre confiance']) {
    const info = await sendAsGp(w, { to, subject, text: 'x\n' });
    await eventually(async () => (await queueRow(acceptedRef(info)))?.status === 'delivered');
  }
  const d = await w.mes.mes.canWrite(ins, PER);
  assert.equal(d.allowed, false);
  assert.equal(!d.allowed && d.rule, 'R-MES-2');
  assert.deepEqual(
    (await w.mes.mes.history(ins, PER)).map((h) => [h.event, h.state, h.detail]),
    [
      ['professional-wrote', 'open', 'first message'],
      ['ended', 'ended', 'subject [FIN]'],
    ],
  );
});

/** swaks (Debian) against MES's relay, presenting operator A's certificate, or none. */
async function swaksToMes(to: string, cert?: { certPem: string; keyPem: string }): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-mes-swaks-'));
  const files = cert ? [path.join(dir, 'a.pem'), path.join(dir, 'a.key.pem')] : [];
  if (cert) {
    fs.writeFileSync(files[0]!, cert.certPem);
    fs.writeFileSync(files[1]!, cert.keyPem, { mode: 0o600 });
  }
  const args = ['--server', '127.0.0.1', '--port', String(w.mes.relayPort), '--ehlo', 'mx.operateur-a.mssante.fr', '--tls'];
  if (cert) args.push('--tls-cert', files[0]!, '--tls-key', files[1]!);
  args.push('--from', PER, '--to', to, '--quit-after', 'RCPT');
  try {
    const { stdout, stderr } = await promisify(execFile)('swaks', args, { encoding: 'utf8', timeout: 30_000 });
    return stdout + stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return (e.stdout ?? '') + (e.stderr ?? '');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('MES’s relay with an independent client (swaks): an operator’s certificate is required; unknown, closed and malformed patients get 550 5.1.1 at RCPT', async () => {
  // The same names and lifetime give back A's cached certificate.
  const certA = await w.trust.pki.issueServerCertificate({
    commonName: 'operateur-a.mssante.fr',
    dnsNames: ['localhost', 'mx.operateur-a.mssante.fr'],
    ipAddresses: ['127.0.0.1'],
  });
  const none = await swaksToMes(PATIENT_ADDRESS);
  assert.match(none, /<~\*? 554 5\.7\.0 Command refused due to lack of security: no client certificate was presented/);
  assert.match(await swaksToMes(PATIENT_ADDRESS, certA), /<~ +250 2\.1\.5 /);
  for (const ins of [makeIns('2850675123456'), PERSONA_PATIENT_CLOSED_INS, `${PATIENT.slice(0, 13)}88`]) {
    const out = await swaksToMes(`${ins}@patient.mssante.fr`, certA);
    assert.match(out, new RegExp(`<~\\*? 550 5\\.1\\.1 <${ins}@patient\\.mssante\\.fr>: no such mailbox at this operator`), out);
  }
});
