// The Ségur indicators at the moment of sending and of delivery (R-IND-1, R-CAB-8): written in the
// message's transaction by submission (the message sent, for the person who acted; each local copy
// received) and by the relay (each copy received from another operator or Mon Espace Santé).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { indicatorPeriod, indicatorRows, type IndicatorRow } from '@mss/domain';
import { silentLogger } from '@mss/runtime';
import { createRelaySmtpServer, listenSmtp, type RunningSmtpListener, type RunningSubmissionServer } from '../src/index.ts';
import { APP, CAB, CLAIRE, D, GP, JULIE, NATHALIE, ORG, PER, SOPHIE, startSmtpWorld, type SmtpWorld } from './support/smtp-world.ts';
import { Conversation } from './support/conversation.ts';
import { xdmMessage } from './support/xdm-message.ts';
import { buildXdm, SAMPLE_DOCUMENTS } from '@mss/xdm';

const PATIENT = '279035121518989@patient.mssante.fr';

let w: SmtpWorld;
let relay: RunningSmtpListener;
let withCertificates: RunningSubmissionServer;
let hospital: string;
let dir: string;
const remote: string[] = [];
before(async () => {
  // Mail for other operators (and MES) is handed over without a queue here.
  w = await startSmtpWorld({ onRemote: async (m) => void remote.push(m.id) });
  // The relay's delivery path without TLS: every peer is Mon Espace Santé's operator (as the bench builds it).
  const smtp = createRelaySmtpServer(
    { store: w.store, logger: silentLogger(), operatorDomains: [D], trustSpace: { isWhitelisted: () => true, operatorFor: () => 'mes' } },
    {
      smtpOptions: { secure: true, secured: true },
      judgePeer: () => ({ ok: true, operatorDomain: 'patient.mssante.fr', operator: 'mes' }),
    },
  );
  relay = await listenSmtp(smtp, 'smtpRelayTest', '127.0.0.1', 0);
  withCertificates = await w.startAnother({ certificates: w.certificates });
  hospital = (await w.store.mailboxes.byAddress(ORG))!.owner_idnat;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-indicators-'));
});
after(async () => {
  await relay.stop();
  await w.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The submission checks the attachments (R-DOC-2): a CDA is counted when one is attached, as a real LPS sends it. */
async function sendXdm(
  as: { idnat: string; mailbox: string },
  to: string[],
  headers: Record<string, string>,
  zip: Buffer,
): Promise<string> {
  const c = await Conversation.authenticated(w.smtp.port, as.mailbox, await w.token(as.idnat));
  assert.match(await c.command(`MAIL FROM:<${as.mailbox}>`), /^250 /);
  for (const r of to) assert.match(await c.command(`RCPT TO:<${r}>`), /^250 /);
  assert.match(await c.command('DATA'), /^354 /);
  c.send(`${xdmMessage({ from: as.mailbox, to, subject: 'test', headers, zip }).toString('latin1')}.\r\n`);
  const reply = await c.reply();
  await c.close();
  assert.match(reply, /^250 /);
  return /accepted as ([0-9a-f]+)/.exec(reply)![1]!;
}

async function send(as: { idnat: string; mailbox: string }, to: string[], headers: string): Promise<string> {
  const c = await Conversation.authenticated(w.smtp.port, as.mailbox, await w.token(as.idnat));
  assert.match(await c.command(`MAIL FROM:<${as.mailbox}>`), /^250 /);
  for (const r of to) assert.match(await c.command(`RCPT TO:<${r}>`), /^250 /);
  assert.match(await c.command('DATA'), /^354 /);
  c.send(`From: <${as.mailbox}>\r\nTo: ${to.map((t) => `<${t}>`).join(', ')}\r\nSubject: test\r\n${headers}\r\nBonjour.\r\n.\r\n`);
  const reply = await c.reply();
  await c.close();
  assert.match(reply, /^250 /);
  return /accepted as ([0-9a-f]+)/.exec(reply)![1]!;
}

const value = (rows: IndicatorRow[], idnat: string, mailbox: string, indicator: string, code = ''): number =>
  rows.find((r) => r.idnat === idnat && r.mailbox === mailbox && r.indicator === indicator && r.code === code)?.value ?? 0;

test('R-CAB-8: a message sent from the CAB counts for the cotitulaire who acted, a delegate’s for the delegate; each copy received for the mailbox', async () => {
  const period = indicatorPeriod(new Date());
  // Story 1: the hospital's ORG mailbox sends a discharge letter (CDA in IHE_XDM) to the practice.
  const letter = await buildXdm({ cda: fs.readFileSync(SAMPLE_DOCUMENTS.dischargeLetter) });
  await sendXdm(
    { idnat: NATHALIE, mailbox: ORG },
    [CAB],
    { 'X-MSS-CODECDA': '11490-0', 'X-MSS-INS': 'O', 'X-MSS-NIL': 'DEV935997' },
    letter,
  );
  // Sophie answers from the CAB; Julie (delegate on Dr Martin's PER) writes to the CAB and to a patient.
  await send({ idnat: SOPHIE, mailbox: CAB }, [ORG], '');
  await send({ idnat: JULIE, mailbox: PER }, [CAB, PATIENT], '');
  const rows = indicatorRows(period, D, await w.store.indicators.groups(period));

  assert.equal(value(rows, SOPHIE, CAB, 'messages-sent'), 1, 'Sophie acted');
  assert.equal(value(rows, CLAIRE, CAB, 'messages-sent'), 0, 'never the owner (R-CAB-8)');
  assert.equal(value(rows, JULIE, PER, 'messages-sent'), 1, 'the delegate acted');
  assert.equal(value(rows, GP, PER, 'messages-sent'), 0, 'not the holder');
  assert.equal(value(rows, JULIE, PER, 'messages-sent-to-mes'), 1);
  assert.equal(value(rows, NATHALIE, ORG, 'messages-sent-with-cda'), 1);
  assert.equal(value(rows, NATHALIE, ORG, 'messages-sent-by-document-type', '11490-0'), 1);
  assert.equal(value(rows, NATHALIE, ORG, 'messages-sent-with-qualified-ins'), 1);
  assert.equal(value(rows, SOPHIE, CAB, 'messages-sent-without-cda'), 1);
  // Received: one per local copy, for the mailbox's holder of record (nobody acts at delivery).
  assert.equal(value(rows, CLAIRE, CAB, 'messages-received'), 2);
  assert.equal(value(rows, CLAIRE, CAB, 'messages-received-by-document-type', '11490-0'), 1);
  assert.equal(value(rows, CLAIRE, CAB, 'messages-received-with-qualified-ins'), 1);
  assert.equal(value(rows, hospital, ORG, 'messages-received'), 1);
  assert.equal(remote.length, 1, 'the patient’s copy went to the other operator');
});

test('an APP’s software (certificate, AUTH EXTERNAL with curl) counts for the APP’s structure; a responsible person’s token for that person', async () => {
  const period = indicatorPeriod(new Date());
  const issued = await w.pki.issueClientCertificate({ commonName: 'Automate labo CH Lilas', kind: 'app', mailbox: APP });
  const cert = path.join(dir, 'app.pem');
  const key = path.join(dir, 'app.key.pem');
  fs.writeFileSync(cert, issued.certPem);
  fs.writeFileSync(key, issued.keyPem, { mode: 0o600 });
  const eml = path.join(dir, 'results.eml');
  // A lab report for a patient whose identity is not qualified (a local identifier instead of the INS).
  const report = fs
    .readFileSync(SAMPLE_DOCUMENTS.labReport, 'utf8')
    .replace('root="1.2.250.1.213.1.4.10"', 'root="1.2.250.1.71.4.2.7.930000013"');
  const zip = await buildXdm({ cda: Buffer.from(report) });
  fs.writeFileSync(
    eml,
    xdmMessage({ from: APP, to: [PER], subject: 'Resultats', headers: { 'X-MSS-CODECDA': '11502-2', 'X-MSS-INS': 'N' }, zip }),
  );
  const { stderr } = await promisify(execFile)(
    'curl',
    ['-sS', '-v', '--ssl-reqd', '--cacert', w.caFile, '--cert', cert, '--key', key, '--login-options', 'AUTH=EXTERNAL'].concat([
      '--mail-from',
      APP,
      '--mail-rcpt',
      PER,
      '-T',
      eml,
      `smtp://localhost:${withCertificates.port}`,
    ]),
    { encoding: 'utf8', timeout: 30_000 },
  );
  assert.match(stderr, /< 250 2\.0\.0 Ok: accepted as/);
  await send({ idnat: NATHALIE, mailbox: APP }, [PER], '');
  const rows = indicatorRows(period, D, await w.store.indicators.groups(period));
  assert.equal(value(rows, hospital, APP, 'messages-sent'), 1, 'the application: its structure’s IdNat');
  assert.equal(value(rows, hospital, APP, 'messages-sent-by-document-type', '11502-2'), 1);
  assert.equal(value(rows, hospital, APP, 'messages-sent-with-qualified-ins'), 0, 'X-MSS-INS: N');
  assert.equal(value(rows, NATHALIE, APP, 'messages-sent'), 1, 'a person who acted through a token');
  assert.ok(rows.every((r) => !r.idnat.startsWith('certificate:')));
});

test('relay: a patient’s message from Mon Espace Santé counts as received from MES, once per copy, not again on a retry', async () => {
  const period = indicatorPeriod(new Date());
  const groups = async () => indicatorRows(period, D, await w.store.indicators.groups(period));
  const before = value(await groups(), GP, PER, 'messages-received-from-mes');
  const deliverOnce = async (): Promise<string> => {
    const c = await Conversation.open(relay.port);
    await c.command('EHLO mes.patient.mssante.fr');
    assert.match(await c.command(`MAIL FROM:<${PATIENT}>`), /^250 /);
    assert.match(await c.command(`RCPT TO:<${PER}>`), /^250 /);
    assert.match(await c.command('DATA'), /^354 /);
    c.send(
      'Received: from mes by mx.patient.mssante.fr with ESMTPS id mes0001retry;\r\n Mon, 2 Nov 2026 10:00:00 +0100\r\n' +
        `From: Léo Dupond <${PATIENT}>\r\nTo: <${PER}>\r\nSubject: question\r\n\r\nBonjour docteur.\r\n.\r\n`,
    );
    const r = await c.reply();
    await c.close();
    return r;
  };
  assert.match(await deliverOnce(), /^250 .*1 delivered/);
  assert.match(await deliverOnce(), /^250 .*already delivered/, 'a retry after a lost 250');
  const rows = await groups();
  assert.equal(value(rows, GP, PER, 'messages-received-from-mes'), before + 1);
});
