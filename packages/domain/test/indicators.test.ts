// The Ségur indicators as pure functions (R-IND-1): what one event adds, how a month's groups
// become export rows, which month an instant belongs to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  countsOf,
  documentFactsFromHeaders,
  documentFactsFromOutcome,
  indicatorPeriod,
  indicatorRows,
  isMesAddress,
  NO_DOCUMENTS,
  parsePeriod,
} from '../src/index.ts';

test('countsOf: a message sent with two documents of one type and one of another counts once per type, qualified INS once', () => {
  const documents = { typeCodes: ['11490-0', '11490-0', '11502-2'], insQualified: true, mismatches: ['codecda-mismatch'] };
  assert.deepEqual(countsOf({ direction: 'sent', documents, mes: true }), [
    { indicator: 'messages-sent', code: '' },
    { indicator: 'messages-sent-with-cda', code: '' },
    { indicator: 'messages-sent-by-document-type', code: '11490-0' },
    { indicator: 'messages-sent-by-document-type', code: '11502-2' },
    { indicator: 'messages-sent-with-qualified-ins', code: '' },
    { indicator: 'messages-sent-to-mes', code: '' },
    { indicator: 'messages-sent-with-document-mismatch', code: 'codecda-mismatch' },
  ]);
  assert.deepEqual(countsOf({ direction: 'received', documents: NO_DOCUMENTS, mes: false }), [
    { indicator: 'messages-received', code: '' },
    { indicator: 'messages-received-without-cda', code: '' },
  ]);
});

test('documentFactsFromHeaders: X-MSS-INS O qualifies only when a document is declared (§9)', () => {
  assert.deepEqual(documentFactsFromHeaders({ codeCda: ['11490-0'], ins: 'O' }), {
    typeCodes: ['11490-0'],
    insQualified: true,
    mismatches: [],
  });
  assert.deepEqual(documentFactsFromHeaders({ codeCda: [], ins: 'O' }), NO_DOCUMENTS);
  assert.equal(documentFactsFromHeaders({ codeCda: ['11490-0'], ins: null }).insQualified, false);
});

test('documentFactsFromOutcome: the checked documents and mismatch kinds; qualified only when every document is (R-DOC-2)', () => {
  const outcome = {
    documents: [
      { typeCode: '11490-0', insQualified: true },
      { typeCode: '11502-2', insQualified: false },
    ],
    mismatches: [{ kind: 'codecda-mismatch' as const, detail: 'X-MSS-CODECDA lists 11490-0 only' }],
  };
  assert.deepEqual(documentFactsFromOutcome(outcome), {
    typeCodes: ['11490-0', '11502-2'],
    insQualified: false,
    mismatches: ['codecda-mismatch'],
  });
  assert.equal(documentFactsFromOutcome({ documents: [{ typeCode: '11490-0', insQualified: true }], mismatches: [] }).insQualified, true);
});

test('indicatorRows sums groups per person × mailbox × indicator × code, in a stable order', () => {
  const base = { idnat: '810000001395', mailbox: 'cabinet.x@a.fr', mailboxType: 'CAB' as const, mes: false };
  const rows = indicatorRows('2026-11', 'operateur-a.mssante.fr', [
    { ...base, direction: 'sent', documents: { typeCodes: ['11490-0'], insQualified: false, mismatches: [] }, events: 2 },
    { ...base, direction: 'sent', documents: NO_DOCUMENTS, events: 3 },
  ]);
  assert.deepEqual(
    rows.map((r) => [r.indicator, r.code, r.value]),
    [
      ['messages-sent', '', 5],
      ['messages-sent-with-cda', '', 2],
      ['messages-sent-without-cda', '', 3],
      ['messages-sent-by-document-type', '11490-0', 2],
    ],
  );
  assert.ok(rows.every((r) => r.period === '2026-11' && r.operator === 'operateur-a.mssante.fr' && r.mailboxType === 'CAB'));
});

test('indicatorPeriod is the month in Europe/Paris: 23:30 UTC on 30 November is December in Paris', () => {
  assert.equal(indicatorPeriod(new Date('2026-11-30T22:59:59Z')), '2026-11');
  assert.equal(indicatorPeriod(new Date('2026-11-30T23:30:00Z')), '2026-12');
  assert.equal(indicatorPeriod(new Date('2026-07-31T22:30:00Z')), '2026-08', 'summer time: UTC+2');
  assert.equal(parsePeriod('2026-11'), '2026-11');
  for (const bad of ['2026-13', '2026-1', '26-11', '2026-11-01', '']) assert.equal(parsePeriod(bad), null, bad);
});

test('isMesAddress: the patient.mssante.fr domain, any case, nothing else', () => {
  assert.ok(isMesAddress('279035121518989@patient.mssante.fr'));
  assert.ok(isMesAddress('279035121518989@Patient.MSSante.fr'));
  assert.ok(!isMesAddress('x@patient.mssante.fr.evil.fr'));
  assert.ok(!isMesAddress('patient.mssante.fr'));
});
