// The API LPS's document checks (R-DOC-1, R-DOC-2) with independent clients (nodemailer, Python's
// smtplib, curl): X-MSS-CODECDA, X-MSS-INS, X-MSS-NIL and X-MSS-MES against the CDA documents of
// the IHE_XDM attachments; accept-and-count by default, 554 5.6.0 under a reject policy or for an
// unsafe archive; the outcome in the 250 text, in the stored copy's X-MSS-Document-Check field and
// in the indicators (R-IND-1). Story 1: the hospital sends a discharge letter.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import nodemailer from 'nodemailer';
import { indicatorPeriod, indicatorRows } from '@mss/domain';
import { buildXdm, SAMPLE_DOCUMENTS } from '@mss/xdm';
import type { RunningSubmissionServer } from '../src/index.ts';
import { APP, CAB, D, NATHALIE, ORG, PER, startSmtpWorld, type SmtpWorld } from './support/smtp-world.ts';
import { xdmMessage } from './support/xdm-message.ts';
import { craftZip } from '../../xdm/test/support/craft-zip.ts';

const SCRIPT = fileURLToPath(new URL('./support/smtplib_send.py', import.meta.url));
const PATIENT = '279035121518989@patient.mssante.fr';
const GOOD = { 'X-MSS-CODECDA': '11490-0', 'X-MSS-INS': 'O', 'X-MSS-NIL': 'DEV935997' };

let w: SmtpWorld;
let strict: RunningSubmissionServer;
let dir: string;
let letter: Buffer;
const remote: string[] = [];
before(async () => {
  w = await startSmtpWorld({ onRemote: async (m) => void remote.push(m.id) });
  strict = await w.startAnother({ documentPolicy: { 'codecda-mismatch': 'reject', 'mes-not-to-patient': 'reject' } });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-documents-'));
  letter = await buildXdm({ cda: fs.readFileSync(SAMPLE_DOCUMENTS.dischargeLetter) });
});
after(async () => {
  await w.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** nodemailer, as an LPS in Node would send: the 250 text, or the refusal. */
async function nodemailerSend(
  from: string,
  idnat: string,
  to: string[],
  headers: Record<string, string>,
  zip?: Buffer,
  port = w.smtp.port,
) {
  const t = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { type: 'OAuth2', user: from, accessToken: await w.token(idnat) },
  });
  try {
    const info = await t.sendMail({
      from,
      to,
      subject: 'Lettre de liaison',
      text: 'Veuillez trouver ci-joint la lettre de liaison.',
      headers,
      ...(zip ? { attachments: [{ filename: 'IHE_XDM.ZIP', content: zip, contentType: 'application/zip' }] } : {}),
    });
    return info.response;
  } catch (err) {
    return (err as { response?: string }).response ?? String(err);
  } finally {
    t.close();
  }
}

/** nodemailer with the message's bytes as written (`raw`): [code, text without the code]. */
async function rawSend(from: string, idnat: string, to: string[], message: Buffer, port = w.smtp.port): Promise<[number, string]> {
  const t = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { type: 'OAuth2', user: from, accessToken: await w.token(idnat) },
  });
  let response: string;
  try {
    response = (await t.sendMail({ envelope: { from, to }, raw: message })).response;
  } catch (err) {
    response = (err as { response?: string }).response ?? String(err);
  } finally {
    t.close();
  }
  const m = /^(\d{3})[ -](.*)$/s.exec(response)!;
  return [Number(m[1]), m[2]!];
}

/** Python's smtplib with the message's bytes as written. */
async function smtplibSend(from: string, idnat: string, to: string[], message: Buffer, port = w.smtp.port): Promise<[number, string]> {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.eml`);
  fs.writeFileSync(file, message);
  const { stdout } = await promisify(execFile)('python3', [SCRIPT, String(port), from, await w.token(idnat), file, ...to], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  const out = JSON.parse(stdout) as { data?: [number, string]; error?: [number, string] };
  return out.data ?? out.error!;
}

const sentMismatches = async (kind: string): Promise<number> => {
  const period = indicatorPeriod(new Date());
  const rows = indicatorRows(period, D, await w.store.indicators.groups(period));
  return (
    rows.find((r) => r.idnat === NATHALIE && r.mailbox === ORG && r.indicator === 'messages-sent-with-document-mismatch' && r.code === kind)
      ?.value ?? 0
  );
};

const lastStored = async (mailbox: string): Promise<string> => w.blob((await w.inbox(mailbox)).at(-1)!.blob_hash);

test('story 1: the hospital ORG sends a discharge letter (CDA 11490-0 in IHE_XDM) with correct headers: accepted, every check passed', async () => {
  const reply = await nodemailerSend(ORG, NATHALIE, [CAB], GOOD, letter);
  assert.match(
    reply,
    /^250 2\.0\.0 Ok: accepted as [0-9a-f]{16} \(1 local mailbox\); X-MSS checks: CODECDA=ok INS=ok NIL=ok MES=ok XDM=ok CDA=11490-0$/,
  );
  // The stored copy tells the recipient, in the field right below our Received (docs/choices.md).
  const stored = await lastStored(CAB);
  const [received, check] = stored.split(/\r\n(?![ \t])/);
  assert.match(received!, /^Received: from /);
  assert.equal(check, 'X-MSS-Document-Check: CODECDA=ok INS=ok NIL=ok MES=ok XDM=ok CDA=11490-0');
  // The attachment reaches the recipient unchanged.
  const b64 = /filename="?IHE_XDM\.ZIP"?\r\n\r\n([A-Za-z0-9+/=\r\n]+)\r\n--/.exec(stored)?.[1];
  assert.ok(b64);
  assert.deepEqual(Buffer.from(b64.replace(/\r\n/g, ''), 'base64'), letter);
});

test('story 1: the same with a wrong X-MSS-CODECDA is accepted and counted as a mismatch (accept-and-count, the default)', async () => {
  const before = await sentMismatches('codecda-mismatch');
  const [code, text] = await smtplibSend(
    ORG,
    NATHALIE,
    [CAB],
    xdmMessage({ from: ORG, to: [CAB], subject: 'LDL', headers: { ...GOOD, 'X-MSS-CODECDA': '11502-2' }, zip: letter }),
  );
  assert.equal(code, 250);
  assert.match(text, /X-MSS checks: CODECDA=codecda-mismatch INS=ok NIL=ok MES=ok XDM=ok CDA=11490-0$/);
  assert.equal(await sentMismatches('codecda-mismatch'), before + 1, 'counted in the indicators (R-IND-1)');
  assert.match(await lastStored(CAB), /\r\nX-MSS-Document-Check: CODECDA=codecda-mismatch /);
});

test('story 1: under the reject policy the wrong X-MSS-CODECDA is refused with 554 5.6.0 naming the mismatch, and nothing is delivered', async () => {
  const count = (await w.inbox(CAB)).length;
  const reply = await nodemailerSend(ORG, NATHALIE, [CAB], { ...GOOD, 'X-MSS-CODECDA': '11502-2' }, letter, strict.port);
  assert.match(
    reply,
    /^554 5\.6\.0 Message rejected: X-MSS headers disagree with the documents \(R-DOC-2\), codecda-mismatch: X-MSS-CODECDA lists 11502-2; the documents are 11490-0$/,
  );
  assert.equal((await w.inbox(CAB)).length, count);
  // The correct message still passes there.
  assert.match(await nodemailerSend(ORG, NATHALIE, [CAB], GOOD, letter, strict.port), /^250 .*CODECDA=ok/);
});

test('one X-MSS-CODECDA value per document: two letters need the code twice', async () => {
  const m = (codes: string): Buffer => {
    const once = xdmMessage({ from: ORG, to: [CAB], subject: 'deux', headers: { ...GOOD, 'X-MSS-CODECDA': codes }, zip: letter }).toString(
      'latin1',
    );
    // A second copy of the attachment part.
    const part = once.slice(once.indexOf('--sep\r\nContent-Type: application/zip'), once.lastIndexOf('--sep--'));
    return Buffer.from(once.replace('--sep--', `${part}--sep--`), 'latin1');
  };
  assert.match((await rawSend(ORG, NATHALIE, [CAB], m('11490-0')))[1], /CODECDA=codecda-mismatch .*CDA=11490-0,11490-0$/);
  assert.match((await rawSend(ORG, NATHALIE, [CAB], m('11490-0, 11490-0')))[1], /CODECDA=ok INS=ok .*CDA=11490-0,11490-0$/);
});

test('X-MSS-INS must be present with a document and agree with its INS qualification (ECO.2.4.2)', async () => {
  const send = async (ins: string | null, zip: Buffer, code = '11490-0') => {
    const headers: Record<string, string> = { 'X-MSS-CODECDA': code, 'X-MSS-NIL': 'DEV935997' };
    if (ins !== null) headers['X-MSS-INS'] = ins;
    return (await rawSend(ORG, NATHALIE, [CAB], xdmMessage({ from: ORG, to: [CAB], subject: 'ins', headers, zip })))[1];
  };
  assert.match(await send(null, letter), /INS=ins-missing /);
  assert.match(await send('Q', letter), /INS=ins-malformed /);
  assert.match(await send('N', letter), /INS=ins-disagrees /, 'the letter carries a qualified INS');
  const unqualified = await buildXdm({ cda: fs.readFileSync(SAMPLE_DOCUMENTS.specialistLetter) });
  assert.match(await send('O', unqualified, '11488-4'), /INS=ins-disagrees /);
  assert.match(await send('N', unqualified, '11488-4'), /CODECDA=ok INS=ok .*CDA=11488-4$/);
});

test('headers without documents, X-MSS-NIL, X-MSS-MES only to patients (R-MES-2)', async () => {
  const send = async (headers: Record<string, string>, to = [CAB], port = w.smtp.port) =>
    (await rawSend(ORG, NATHALIE, to, xdmMessage({ from: ORG, to, subject: 'sans document', headers }), port))[1];
  assert.match(
    await send({ 'X-MSS-CODECDA': '11490-0', 'X-MSS-INS': 'O', 'X-MSS-NIL': 'DEV1' }),
    /CODECDA=codecda-without-document INS=ins-without-document NIL=ok/,
  );
  assert.match(await send({ 'X-MSS-NIL': 'DEV 935997' }), /NIL=nil-malformed /);
  assert.match(await send({ 'X-MSS-CODECDA': '11490-0' }), /NIL=nil-missing /);
  assert.match(await send({ 'X-MSS-NIL': 'DEV1', 'X-MSS-MES': 'FIN' }), /MES=mes-not-to-patient /);
  assert.match(await send({ 'X-MSS-NIL': 'DEV1', 'X-MSS-MES': 'FIN' }, [PATIENT]), /CODECDA=ok INS=n\/a NIL=ok MES=ok XDM=n\/a CDA=none$/);
  const [code, text] = await rawSend(
    ORG,
    NATHALIE,
    [CAB],
    xdmMessage({ from: ORG, to: [CAB], subject: 'x', headers: { 'X-MSS-NIL': 'DEV1', 'X-MSS-MES': 'FIN' } }),
    strict.port,
  );
  assert.equal(code, 554);
  assert.match(text, /^5\.6\.0 .*mes-not-to-patient/);
  // A message with no X-MSS header and no IHE_XDM attachment is not a document message: nothing added.
  assert.match(await send({}), /^2\.0\.0 Ok: accepted as [0-9a-f]{16} \(1 local mailbox\)$/);
  assert.doesNotMatch(await lastStored(CAB), /X-MSS-Document-Check/);
});

test('an unsafe archive is always refused, 554 5.6.0 naming the limit (R-DOC-1)', async () => {
  const count = (await w.inbox(CAB)).length;
  const traversal = craftZip([{ name: 'IHE_XDM/../../etc/cron.d/x', data: Buffer.from('* * * * * root id') }]);
  const [code, text] = await smtplibSend(
    ORG,
    NATHALIE,
    [CAB],
    xdmMessage({ from: ORG, to: [CAB], subject: 'x', headers: GOOD, zip: traversal }),
  );
  assert.equal(code, 554);
  assert.match(text, /^5\.6\.0 Message rejected: unsafe IHE_XDM attachment \(R-DOC-1\): path-traversal: /);
  const xxe = craftZip([
    { name: 'IHE_XDM/SUBSET01/METADATA.XML', data: Buffer.from('<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>') },
  ]);
  assert.match(await nodemailerSend(ORG, NATHALIE, [CAB], GOOD, xxe), /^554 5\.6\.0 .*xml-doctype/);
  assert.equal((await w.inbox(CAB)).length, count, 'nothing delivered');
});

test('an APP’s software with its certificate (curl, AUTH EXTERNAL) sends a lab report: checked the same way', async () => {
  const withCertificates = await w.startAnother({ certificates: w.certificates });
  const issued = await w.pki.issueClientCertificate({ commonName: 'Automate labo CH Lilas', kind: 'app', mailbox: APP });
  const cert = path.join(dir, 'app.pem');
  const key = path.join(dir, 'app.key.pem');
  fs.writeFileSync(cert, issued.certPem);
  fs.writeFileSync(key, issued.keyPem, { mode: 0o600 });
  const zip = await buildXdm({ cda: fs.readFileSync(SAMPLE_DOCUMENTS.labReport), pdf: fs.readFileSync(SAMPLE_DOCUMENTS.labPdf) });
  const eml = path.join(dir, 'lab.eml');
  fs.writeFileSync(
    eml,
    xdmMessage({
      from: APP,
      to: [PER],
      subject: 'Resultats',
      headers: { 'X-MSS-CODECDA': '11502-2', 'X-MSS-INS': 'O', 'X-MSS-NIL': 'LAB42' },
      zip,
    }),
  );
  const { stderr } = await promisify(execFile)(
    'curl',
    [
      '-sS',
      '-v',
      '--ssl-reqd',
      '--cacert',
      w.caFile,
      '--cert',
      cert,
      '--key',
      key,
      '--login-options',
      'AUTH=EXTERNAL',
      '--mail-from',
      APP,
      '--mail-rcpt',
      PER,
      '-T',
      eml,
      `smtp://localhost:${withCertificates.port}`,
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  assert.match(
    stderr,
    /< 250 2\.0\.0 Ok: accepted as [0-9a-f]{16} \(1 local mailbox\); X-MSS checks: CODECDA=ok INS=ok NIL=ok MES=ok XDM=ok CDA=11502-2/,
  );
});

test('a client may not send the operator’s own X-MSS-Document-Check field', async () => {
  const [code, text] = await rawSend(
    ORG,
    NATHALIE,
    [CAB],
    xdmMessage({ from: ORG, to: [CAB], subject: 'x', headers: { 'X-MSS-Document-Check': 'CODECDA=ok' } }),
  );
  assert.equal(code, 550);
  assert.match(text, /^5\.7\.1 Message rejected: X-MSS-Document-Check is set by the operator, not by the sender$/);
});
