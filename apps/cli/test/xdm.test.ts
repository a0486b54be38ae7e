// `mss xdm build|inspect` and `mss message check` (R-DOC-1, R-DOC-2) on the shipped synthetic CDA
// documents: exit 0 when safe and consistent, 1 when unsafe or inconsistent, 2 on bad usage.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { readZip, SAMPLE_DOCUMENTS, writeZip, xdmLimits } from '@mss/xdm';
import { mss } from './run-mss.ts';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-xdm-cli-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const at = (name: string): string => path.join(dir, name);

function eml(headers: Record<string, string>, zip: Buffer, to = 'cabinet.infirmiers-des-lilas@operateur-a.mssante.fr'): string {
  const file = at(`${Math.random().toString(36).slice(2)}.eml`);
  const head = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  fs.writeFileSync(
    file,
    `From: <cardiologie.ch-lilas@operateur-a.mssante.fr>\r\nTo: <${to}>\r\nSubject: LDL\r\n${head}MIME-Version: 1.0\r\n` +
      'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nCi-joint.\r\n--b\r\n' +
      'Content-Type: application/zip; name="IHE_XDM.ZIP"\r\nContent-Transfer-Encoding: base64\r\n\r\n' +
      `${zip.toString('base64').replace(/.{1,76}/g, '$&\r\n')}--b--\r\n`,
  );
  return file;
}

test('build then inspect the discharge letter: safe, consistent, header data printed (exit 0)', () => {
  const built = mss(['xdm', 'build', '--cda', SAMPLE_DOCUMENTS.dischargeLetter, '--out', at('IHE_XDM.ZIP')]);
  assert.equal(built.status, 0, built.stderr);
  const r = mss(['xdm', 'inspect', at('IHE_XDM.ZIP')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /✔ safe \(R-DOC-1\), ✔ consistent/);
  assert.match(r.stdout, /type {8}11490-0 Lettre de liaison/);
  assert.match(
    r.stdout,
    /patient {5}INS 279035121518989 \(qualified, OID 1\.2\.250\.1\.213\.1\.4\.10\); PAT-TROIS Dominique Marie, F, born 19790328 at 51215/,
  );
  assert.match(r.stdout, /author {6}810000001551 Dr Nathalie GIRARD, Centre hospitalier des Lilas/);
  assert.match(r.stdout, /✔ METADATA\.XML agrees with the documents/);
});

test('with --pdf, the lab report and its PDF; the specialist letter without INS', () => {
  assert.equal(
    mss(['xdm', 'build', '--cda', SAMPLE_DOCUMENTS.labReport, '--pdf', SAMPLE_DOCUMENTS.labPdf, '--out', at('LAB.ZIP')]).status,
    0,
  );
  assert.match(mss(['xdm', 'inspect', at('LAB.ZIP')]).stdout, /DOC0002\.PDF {2}application\/pdf/);
  assert.equal(mss(['xdm', 'build', '--cda', SAMPLE_DOCUMENTS.specialistLetter, '--out', at('CS.ZIP')]).status, 0);
  assert.match(mss(['xdm', 'inspect', at('CS.ZIP')]).stdout, /INS none \(identity not qualified\)/);
});

test('inspect: an inconsistent archive (a document changed after METADATA.XML) exits 1 naming the findings', async () => {
  const entries = await readZip(fs.readFileSync(at('IHE_XDM.ZIP')), xdmLimits());
  const tampered = entries.map((e) => (e.name.endsWith('DOC0001.XML') ? { ...e, bytes: Buffer.concat([e.bytes, Buffer.from(' ')]) } : e));
  fs.writeFileSync(at('T.ZIP'), await writeZip(tampered));
  const r = mss(['xdm', 'inspect', at('T.ZIP')]);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /✘ inconsistent/);
  assert.match(r.stdout, /✘ hash-mismatch IHE_XDM\/SUBSET01\/DOC0001\.XML: SHA-1 is /);
  assert.match(r.stdout, /✘ size-mismatch /);
});

test('inspect: an unsafe archive exits 1 naming the limit', async () => {
  fs.writeFileSync(
    at('X.ZIP'),
    await writeZip([{ name: 'IHE_XDM/SUBSET01/METADATA.XML', bytes: Buffer.from('<!DOCTYPE r [<!ENTITY a "b">]><r/>') }]),
  );
  const r = mss(['xdm', 'inspect', at('X.ZIP')]);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /✘ unsafe \(R-DOC-1\), refused: xml-doctype: /);
});

test('build: bad usage exits 2, a CDA without type code exits 1', () => {
  const missing = mss(['xdm', 'build', '--cda', at('none.xml')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^mss: --cda .*none\.xml: no such file/);
  fs.writeFileSync(at('nocode.xml'), '<ClinicalDocument xmlns="urn:hl7-org:v3"><title>x</title></ClinicalDocument>');
  const r = mss(['xdm', 'build', '--cda', at('nocode.xml'), '--out', at('N.ZIP')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no ClinicalDocument\/code/);
});

// Runs after the first test (it reuses its archive): node:test runs a file's tests in order.
test('message check: the submission checks offline; exit 0 when consistent, 1 on a mismatch or an unsafe archive', async () => {
  const zip = fs.readFileSync(at('IHE_XDM.ZIP'));
  const good = mss(['message', 'check', eml({ 'X-MSS-CODECDA': '11490-0', 'X-MSS-INS': 'O', 'X-MSS-NIL': 'DEV935997' }, zip)]);
  assert.equal(good.status, 0, good.stdout + good.stderr);
  assert.match(good.stdout, /✔ CODECDA=ok INS=ok NIL=ok MES=ok XDM=ok CDA=11490-0/);
  const wrong = mss(['message', 'check', eml({ 'X-MSS-CODECDA': '11502-2', 'X-MSS-INS': 'N', 'X-MSS-NIL': 'DEV935997' }, zip)]);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stdout, /✘ codecda-mismatch: X-MSS-CODECDA lists 11502-2; the documents are 11490-0/);
  assert.match(wrong.stdout, /✘ ins-disagrees: X-MSS-INS says N; every document carries a qualified INS/);
  const mes = mss([
    'message',
    'check',
    '--json',
    eml({ 'X-MSS-CODECDA': '11490-0', 'X-MSS-INS': 'O', 'X-MSS-NIL': 'D1', 'X-MSS-MES': 'FIN' }, zip),
  ]);
  assert.deepEqual(
    (JSON.parse(mes.stdout) as { outcome: { mismatches: { kind: string }[] } }).outcome.mismatches.map((m) => m.kind),
    ['mes-not-to-patient'],
  );
  fs.writeFileSync(at('U.ZIP'), await writeZip([{ name: 'IHE_XDM/SUBSET01/INNER.ZIP', bytes: zip }]));
  const unsafe = mss(['message', 'check', '--json', eml(GOOD_HEADERS, fs.readFileSync(at('U.ZIP')))]);
  assert.equal(unsafe.status, 1);
  assert.deepEqual(JSON.parse(unsafe.stdout).limit, 'nested-archive');
});

const GOOD_HEADERS = { 'X-MSS-CODECDA': '11490-0', 'X-MSS-INS': 'O', 'X-MSS-NIL': 'DEV935997' };
