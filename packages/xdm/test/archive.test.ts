// IHE_XDM archives built and read back, the CDA header as extracted, and METADATA.XML
// cross-checked against the documents (IHE ITI TF-3 §3.32, XDS metadata §4.2; R-DOC-1, R-DOC-3).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { buildXdm, cdaDocuments, isConsistent, readCda, readXdm, readZip, writeZip, XdmBuildError, xdmLimits } from '../src/index.ts';
import { DISCHARGE_LETTER, LAB_PDF, LAB_REPORT, SPECIALIST_LETTER } from './support/samples.ts';

const NOW = new Date('2026-11-20T14:00:00Z');

/** Rewrites one entry of an archive (the others unchanged). */
async function rewrite(zip: Buffer, name: string, edit: (b: Buffer) => Buffer): Promise<Buffer> {
  const entries = await readZip(zip, xdmLimits());
  return writeZip(entries.map((e) => (e.name === name ? { name, bytes: edit(e.bytes) } : e)));
}

describe('CDA R2 header', () => {
  test('discharge letter: type, title, time, confidentiality, INS and traits, author IdNat and structure, custodian, body', () => {
    const h = readCda(DISCHARGE_LETTER);
    assert.deepEqual(h.typeCode, {
      code: '11490-0',
      codeSystem: '2.16.840.1.113883.6.1',
      displayName: "Lettre de liaison à la sortie d'un établissement de soins",
    });
    assert.equal(h.title, 'Lettre de liaison à la sortie — service de cardiologie');
    assert.equal(h.effectiveTime, '20261120143000+0100');
    assert.equal(h.confidentiality?.code, 'N');
    assert.equal(h.patient.ins, '279035121518989');
    assert.equal(h.patient.insOid, '1.2.250.1.213.1.4.10');
    assert.deepEqual(h.patient.ids[0]?.ins, { kind: 'NIR', test: true, valid: true, problem: null });
    assert.equal(h.patient.ids[1]?.ins, null, 'the IPP is not an INS');
    assert.equal(h.patient.birthName, 'PAT-TROIS');
    assert.deepEqual(h.patient.givenNames, ['Dominique', 'Marie']);
    assert.equal(h.patient.gender, 'F');
    assert.equal(h.patient.birthTime, '19790328');
    assert.equal(h.patient.birthPlace, '51215');
    assert.equal(h.author?.idnat, '810000001551');
    assert.equal(h.author?.idnatValid, true);
    assert.equal(h.author?.organization?.name, 'Centre hospitalier des Lilas');
    assert.deepEqual(h.custodian?.id, { root: '1.2.250.1.71.4.2.2', extension: '1930000013' });
    assert.deepEqual(h.body, { kind: 'structured', mediaType: null });
  });

  test('lab report: an embedded PDF body', () => {
    const h = readCda(LAB_REPORT);
    assert.equal(h.typeCode?.code, '11502-2');
    assert.deepEqual(h.body, { kind: 'pdf', mediaType: 'application/pdf' });
    assert.equal(h.patient.ins, '169097505612363');
  });

  test('specialist letter: no INS, the identity is not qualified', () => {
    const h = readCda(SPECIALIST_LETTER);
    assert.equal(h.patient.ins, null);
    assert.equal(h.patient.ids.length, 1);
  });

  test('an INS with a wrong key is read as invalid, never as qualified (R-DOC-3)', () => {
    const h = readCda(Buffer.from(DISCHARGE_LETTER.toString('utf8').replace('279035121518989', '279035121518988')));
    assert.equal(h.patient.ins, null);
    assert.equal(h.patient.ids[0]?.ins?.valid, false);
    assert.match(h.patient.ids[0]?.ins?.problem ?? '', /key should be 89/);
  });
});

describe('IHE_XDM build and read', () => {
  test('a built archive has the profile layout, and METADATA.XML agrees with the CDA', async () => {
    const zip = await buildXdm({ cda: DISCHARGE_LETTER, now: NOW, sourceId: '1.2.3.4' });
    const x = await readXdm(zip);
    assert.deepEqual(x.entries, ['INDEX.HTM', 'README.TXT', 'IHE_XDM/SUBSET01/METADATA.XML', 'IHE_XDM/SUBSET01/DOC0001.XML']);
    assert.deepEqual(x.findings, []);
    assert.equal(isConsistent(x), true);
    const [doc] = cdaDocuments(x);
    assert.equal(doc?.cda.typeCode?.code, '11490-0');
    assert.equal(doc?.metadata?.hash, createHash('sha1').update(DISCHARGE_LETTER).digest('hex'));
    assert.equal(doc?.metadata?.size, DISCHARGE_LETTER.length);
    assert.deepEqual(doc?.metadata?.patientId, { extension: '279035121518989', root: '1.2.250.1.213.1.4.10' });
    assert.equal(doc?.metadata?.typeCode?.code, '11490-0');
    assert.equal(x.subsets[0]?.metadata.submissionSet?.sourceId, '1.2.3.4');
    assert.equal(x.subsets[0]?.metadata.submissionSet?.submissionTime, '20261120140000');
  });

  test('with --pdf the PDF travels beside the CDA, described by its own entry; only the CDA is a CDA document', async () => {
    const x = await readXdm(await buildXdm({ cda: LAB_REPORT, pdf: LAB_PDF, now: NOW }));
    assert.deepEqual(x.findings, []);
    assert.equal(x.documents.length, 2);
    assert.equal(x.documents[1]?.mimeType, 'application/pdf');
    assert.equal(x.documents[1]?.size, LAB_PDF.length);
    assert.equal(cdaDocuments(x).length, 1);
  });

  test('a patient without INS is declared by its local identifier', async () => {
    const x = await readXdm(await buildXdm({ cda: SPECIALIST_LETTER, now: NOW }));
    assert.deepEqual(x.findings, []);
    assert.equal(x.documents[0]?.metadata?.patientId?.extension, 'IPP-0077');
  });

  test('building refuses what is not a CDA, a CDA without type code, an invalid INS', async () => {
    await assert.rejects(buildXdm({ cda: Buffer.from('<a/>') }), XdmBuildError);
    await assert.rejects(
      buildXdm({ cda: Buffer.from(DISCHARGE_LETTER.toString().replace(/<code code="11490-0"[^>]*\/>/, '')) }),
      /no ClinicalDocument\/code/,
    );
    await assert.rejects(
      buildXdm({ cda: Buffer.from(DISCHARGE_LETTER.toString().replace('279035121518989', '279035121518988')) }),
      /INS is invalid/,
    );
  });
});

describe('METADATA.XML against the documents', () => {
  const built = (): Promise<Buffer> => buildXdm({ cda: DISCHARGE_LETTER, now: NOW });
  const kinds = (x: { findings: readonly { kind: string }[] }): string[] => x.findings.map((f) => f.kind);

  test('a document changed after its hash and size were declared', async () => {
    const zip = await rewrite(await built(), 'IHE_XDM/SUBSET01/DOC0001.XML', (b) => Buffer.concat([b, Buffer.from('\n')]));
    const x = await readXdm(zip);
    assert.deepEqual(kinds(x), ['hash-mismatch', 'size-mismatch']);
    assert.equal(isConsistent(x), false);
  });

  test("a type code in METADATA.XML that is not the CDA's", async () => {
    const zip = await rewrite(await built(), 'IHE_XDM/SUBSET01/METADATA.XML', (b) =>
      Buffer.from(b.toString('utf8').replaceAll('nodeRepresentation="11490-0"', 'nodeRepresentation="11502-2"')),
    );
    assert.deepEqual(kinds(await readXdm(zip)), ['type-code-mismatch']);
  });

  test("a patient in METADATA.XML who is not the CDA's", async () => {
    const zip = await rewrite(await built(), 'IHE_XDM/SUBSET01/METADATA.XML', (b) =>
      Buffer.from(b.toString('utf8').replaceAll('279035121518989^^^', '169097505612363^^^')),
    );
    assert.deepEqual(kinds(await readXdm(zip)), ['patient-mismatch']);
  });

  test('an entry naming no file, and a file no entry names', async () => {
    const entries = await readZip(await built(), xdmLimits());
    const renamed = entries.map((e) => (e.name.endsWith('DOC0001.XML') ? { ...e, name: 'IHE_XDM/SUBSET01/OTHER.XML' } : e));
    const x = await readXdm(await writeZip(renamed));
    assert.deepEqual(kinds(x), ['document-missing', 'undeclared-document']);
    // The undeclared CDA is still read: the headers are checked against it.
    assert.equal(cdaDocuments(x)[0]?.cda.typeCode?.code, '11490-0');
  });

  test('no METADATA.XML at all; INDEX.HTM and README.TXT missing are only warnings', async () => {
    const entries = await readZip(await built(), xdmLimits());
    const x = await readXdm(await writeZip(entries.filter((e) => !/METADATA|INDEX|README/.test(e.name))));
    assert.deepEqual(
      x.findings.map((f) => [f.kind, f.severity]),
      [
        ['missing-index', 'warning'],
        ['missing-readme', 'warning'],
        ['no-metadata', 'error'],
        ['undeclared-document', 'warning'],
      ],
    );
  });

  test('names are matched without case (ihe_xdm/subset01/metadata.xml)', async () => {
    const entries = await readZip(await built(), xdmLimits());
    const x = await readXdm(await writeZip(entries.map((e) => ({ ...e, name: e.name.toLowerCase() }))));
    assert.deepEqual(x.findings, []);
  });
});
