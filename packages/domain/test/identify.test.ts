// identify(): every reading a value's shape allows, for `mss id check` (R-ID-1).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { IDENTIFIER_KINDS, type Identification, identify, makeIns } from '../src/index.ts';
import { anyString, validFiness, validIns, validRpps, validSiren, validSiret } from './support/arbitraries.ts';

const kinds = (found: Identification[]) => found.map((f) => `${f.kind}:${f.valid ? 'ok' : 'ko'}`);

describe('R-ID-1: identify', () => {
  test('an RPPS', () => {
    assert.deepEqual(identify('10000001916'), [{ kind: 'RPPS', valid: true, detail: 'RPPS 10000001916 is valid (IdNat 810000001916)' }]);
    const [bad] = identify('10000001917');
    assert.equal(bad?.valid, false);
    assert.equal(bad?.detail, 'RPPS 10000001917 is not valid: check digit should be 6 (Luhn)');
    assert.equal(bad?.error?.rule, 'luhn');
  });

  test('a 9-digit value may be an ADELI, a FINESS or a SIREN; valid readings first', () => {
    // 750712184 is a real FINESS (Luhn), hence also a Luhn-valid SIREN, and an ADELI shape.
    assert.deepEqual(kinds(identify('750712184')), ['ADELI:ok', 'FINESS:ok', 'SIREN:ok']);
    assert.deepEqual(kinds(identify('750712185')), ['ADELI:ok', 'FINESS:ko', 'SIREN:ko']);
    assert.equal(identify('750712184')[1]?.detail, 'FINESS 750712184 is valid (IdNat structure 1750712184)');
  });

  test('Corsican 9-character values are ADELI or FINESS, never SIREN', () => {
    assert.deepEqual(kinds(identify('2a0000016')), ['ADELI:ok', 'FINESS:ok']);
    assert.equal(identify('2A0000016')[1]?.detail, 'FINESS 2A0000016 is valid (Corsica, IdNat structure 12A0000016)');
  });

  test('IdNat of persons and structures', () => {
    assert.deepEqual(identify('810000001916'), [
      { kind: 'IDNAT_PS', valid: true, detail: 'IdNat PS 810000001916 is valid (RPPS 10000001916)' },
    ]);
    assert.equal(
      identify('810000001917')[0]?.detail,
      'IdNat PS 810000001917 is not valid: RPPS 10000001917: check digit should be 6 (Luhn)',
    );
    assert.deepEqual(kinds(identify('0123456789')), ['IDNAT_PS:ok']);
    assert.equal(identify('0123456789')[0]?.detail, 'IdNat PS 0123456789 is valid (ADELI 123456789, format only)');
    assert.equal(identify('3750712184/EMP-1')[0]?.detail, 'IdNat PS 3750712184/EMP-1 is valid (staff EMP-1 of FINESS 750712184)');
    assert.deepEqual(identify('1750712184'), [
      { kind: 'IDNAT_STRUCT', valid: true, detail: 'IdNat structure 1750712184 is valid (FINESS 750712184)' },
    ]);
    assert.deepEqual(kinds(identify('2732829320')), ['IDNAT_STRUCT:ok']);
  });

  test('SIRET, La Poste included', () => {
    assert.deepEqual(identify('73282932000074'), [
      { kind: 'SIRET', valid: true, detail: 'SIRET 73282932000074 is valid (SIREN 732829320, IdNat structure 373282932000074)' },
    ]);
    assert.equal(
      identify('35600000049837')[0]?.detail,
      'SIRET 35600000049837 is valid (SIREN 356000000, La Poste, IdNat structure 335600000049837)',
    );
  });

  test('R-DOC-3: a 15-character value is an INS, and an IdNat structure (SIRET) when it starts with 3', () => {
    assert.deepEqual(identify('279035121518989'), [
      { kind: 'INS', valid: true, detail: 'INS 279035121518989 is valid (NIR 2790351215189, key 89)' },
    ]);
    assert.equal(identify('185052a12345633')[0]?.detail, 'INS 185052A12345633 is valid (NIR 185052A123456, key 33, born in Corsica)');
    assert.deepEqual(kinds(identify('373282932000074')), ['IDNAT_STRUCT:ok', 'INS:ko']);
    const ins = makeIns('3730829320000');
    assert.deepEqual(kinds(identify(ins)), ['INS:ok', 'IDNAT_STRUCT:ko']);
  });

  test('addresses: operator or patient', () => {
    assert.deepEqual(identify('cabinet.lilas@Medecin.mssante.fr'), [
      { kind: 'MSS_ADDRESS', valid: true, detail: 'MSSanté address cabinet.lilas@medecin.mssante.fr is valid (domain medecin.mssante.fr)' },
    ]);
    assert.deepEqual(identify('279035121518989@patient.mssante.fr'), [
      { kind: 'PATIENT_ADDRESS', valid: true, detail: 'Patient address 279035121518989@patient.mssante.fr is valid (INS 279035121518989)' },
    ]);
    assert.deepEqual(kinds(identify('jean@gmail.com')), ['MSS_ADDRESS:ko']);
    assert.deepEqual(kinds(identify('279035121518988@patient.mssante.fr')), ['PATIENT_ADDRESS:ko']);
  });

  test('nothing fits: empty list', () => {
    for (const v of ['', 'hello', '12', 'abcdefghi', '1234567890123456789', 42 as unknown as string]) {
      assert.deepEqual(identify(v), [], String(v));
    }
  });

  test('property: never throws, valid first, every failure carries its error', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, validRpps, validFiness, validSiren, validSiret, validIns), (v) => {
        const found = identify(v);
        const firstInvalid = found.findIndex((f) => !f.valid);
        assert.ok(firstInvalid < 0 || found.slice(firstInvalid).every((f) => !f.valid));
        for (const f of found) {
          assert.ok(IDENTIFIER_KINDS.includes(f.kind));
          assert.equal(f.error === undefined, f.valid);
          assert.ok(f.detail.length > 0);
        }
        assert.equal(new Set(found.map((f) => f.kind)).size, found.length);
      }),
      { numRuns: 500 },
    );
  });

  test('property: generated identifiers are recognised as valid for their kind', () => {
    const cases: [fc.Arbitrary<string>, string][] = [
      [validRpps, 'RPPS'],
      [validFiness, 'FINESS'],
      [validSiren, 'SIREN'],
      [validSiret, 'SIRET'],
      [validIns, 'INS'],
    ];
    for (const [arb, kind] of cases) {
      fc.assert(
        fc.property(arb, (v) =>
          assert.ok(
            identify(v).some((f) => f.kind === kind && f.valid),
            v,
          ),
        ),
      );
    }
  });
});
