// Messages without a server: the Ref. #2 headers derived from the CDA documents (ECO.2.4.1
// X-MSS-CODECDA, ECO.2.4.2 X-MSS-INS, X-MSS-NIL, X-MSS-MES), judged by the operator's own checks
// (@mss/xdm's checkMessageDocuments, R-DOC-2); the receiving side; read receipts (RFC 8098).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { buildMdn, composeMessage, MssClientError, parseMdn, readMessage, toRaw } from '@mss/client';
import { parseMessage } from '@mss/mime';
import { checkMessageDocuments, SAMPLE_DOCUMENTS } from '@mss/xdm';

const FROM = 'paul.martin@operateur-a.mssante.fr';
const TO = 'anne.lambert@operateur-b.mssante.fr';

async function operatorVerdict(raw: Buffer, recipients: string[]) {
  return (await checkMessageDocuments(raw, parseMessage(raw), { recipients })).outcome;
}

test('a discharge letter: IHE_XDM built from the CDA, X-MSS-CODECDA its LOINC code, X-MSS-INS O (qualified INS)', async () => {
  const cda = await readFile(SAMPLE_DOCUMENTS.dischargeLetter);
  const composed = await composeMessage({
    from: FROM,
    to: [TO],
    subject: 'Lettre',
    text: 'ci-joint',
    documents: [{ cda }],
    nil: 'DEV935997',
  });
  assert.deepEqual(composed.mssHeaders, { 'X-MSS-CODECDA': '11490-0', 'X-MSS-INS': 'O', 'X-MSS-NIL': 'DEV935997' });
  const raw = await toRaw(composed);
  const outcome = await operatorVerdict(raw, [TO]);
  assert.deepEqual(outcome.mismatches, [], 'the operator finds nothing to say');
  const received = await readMessage(raw);
  assert.equal(received.messageId, composed.messageId);
  assert.equal(received.documents.length, 1);
  const [doc] = received.documents;
  assert.equal(doc?.typeCode, '11490-0');
  assert.equal(doc?.ins, '279035121518989');
  assert.equal(doc?.insQualified, true);
  assert.equal(doc?.path, 'IHE_XDM/SUBSET01/DOC0001.XML');
  assert.ok(doc?.bytes.equals(cda), 'the CDA comes back byte for byte');
  assert.deepEqual(
    received.findings.filter((f) => f.severity === 'error'),
    [],
  );
  assert.equal(received.mss.nil, 'DEV935997');
});

test('two documents, one without a qualified INS: one code each, X-MSS-INS N', async () => {
  const composed = await composeMessage({
    from: FROM,
    to: [TO],
    subject: 'Deux documents',
    text: 'ci-joints',
    nil: 'DEV935997',
    documents: [{ cda: await readFile(SAMPLE_DOCUMENTS.dischargeLetter) }, { cda: await readFile(SAMPLE_DOCUMENTS.specialistLetter) }],
  });
  assert.equal(composed.mssHeaders['X-MSS-CODECDA'], '11490-0,11488-4');
  assert.equal(composed.mssHeaders['X-MSS-INS'], 'N');
  const raw = await toRaw(composed);
  assert.deepEqual((await operatorVerdict(raw, [TO])).mismatches, []);
  assert.deepEqual(
    (await readMessage(raw)).documents.map((d) => d.typeCode),
    ['11490-0', '11488-4'],
  );
});

test('a lab report with its PDF: both in the archive, the CDA read back', async () => {
  const composed = await composeMessage({
    from: FROM,
    to: [TO],
    subject: 'Biologie',
    text: 'résultats',
    documents: [{ cda: await readFile(SAMPLE_DOCUMENTS.labReport), pdf: await readFile(SAMPLE_DOCUMENTS.labPdf) }],
  });
  const received = await readMessage(await toRaw(composed));
  assert.deepEqual(
    received.documents.map((d) => d.typeCode),
    ['11502-2'],
  );
  assert.equal(received.documents[0]?.cda.body.kind, 'pdf');
});

test('to a patient: X-MSS-MES: FIN ends the exchange (R-MES-2), and the operator finds it well formed', async () => {
  const patient = '279035121518989@patient.mssante.fr';
  const composed = await composeMessage({
    from: FROM,
    to: [patient],
    subject: 'Fin du suivi',
    text: 'Au revoir',
    endPatientExchange: true,
    nil: 'DEV935997',
  });
  assert.equal(composed.mssHeaders['X-MSS-MES'], 'FIN');
  const raw = await toRaw(composed);
  assert.deepEqual((await operatorVerdict(raw, [patient])).mismatches, []);
  assert.equal((await readMessage(raw)).mss.mesFin, true);
});

test('without X-MSS-NIL the operator counts a mismatch (nil-missing): the SDK writes it when given one', async () => {
  const composed = await composeMessage({
    from: FROM,
    to: [TO],
    subject: 'x',
    text: 'x',
    documents: [{ cda: await readFile(SAMPLE_DOCUMENTS.dischargeLetter) }],
  });
  assert.deepEqual(
    (await operatorVerdict(await toRaw(composed), [TO])).mismatches.map((m) => m.kind),
    ['nil-missing'],
  );
});

test('a CDA that cannot be read is refused before anything is sent, naming the document', async () => {
  await assert.rejects(
    composeMessage({ from: FROM, to: [TO], subject: 'x', text: 'x', documents: [{ cda: Buffer.from('<ClinicalDocument') }] }),
    (e: unknown) => e instanceof MssClientError && e.code === 'DOCUMENT_INVALID' && /^document 1:/.test(e.message),
  );
});

test('read receipts: asked with Disposition-Notification-To, answered with a displayed MDN, parsed back (RFC 8098)', async () => {
  const composed = await composeMessage({ from: FROM, to: [TO], subject: 'Avis', text: 'x', readReceipt: true });
  const received = await readMessage(await toRaw(composed));
  assert.equal(received.readReceiptTo, FROM);
  assert.equal(received.mdn, null);
  const mdn = buildMdn({ from: TO, to: FROM, originalMessageId: composed.messageId, originalSubject: 'Avis', reportingUa: 'test' });
  const back = await readMessage(mdn.raw);
  assert.deepEqual(back.mdn, {
    originalMessageId: composed.messageId,
    disposition: 'manual-action/MDN-sent-manually; displayed',
    type: 'displayed',
    finalRecipient: TO,
    originalRecipient: null,
  });
  assert.equal(back.inReplyTo, composed.messageId);
  assert.equal(parseMdn(Buffer.from('Subject: x\r\n\r\nbody\r\n')), null);
});

test('a patient’s message is told apart by X-MSS-Usager (R-MES-3)', async () => {
  const raw = Buffer.from(
    'From: Dominique Pat-Trois <279035121518989@patient.mssante.fr>\r\nTo: <paul.martin@operateur-a.mssante.fr>\r\nSubject: Merci\r\nX-MSS-Usager: O\r\nMessage-ID: <a@b>\r\n\r\nMerci docteur\r\n',
  );
  const m = await readMessage(raw);
  assert.equal(m.fromPatient, true);
  assert.equal(m.from?.name, 'Dominique Pat-Trois');
  assert.equal(m.text, 'Merci docteur\r\n');
});
