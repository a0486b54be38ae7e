// Known good and bad values for every validator, with the exact messages and rules (R-ID-1).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Check,
  InvalidIdentifierError,
  checkAdeli,
  checkFiness,
  checkIdNatPerson,
  checkIdNatStructure,
  checkIns,
  checkMssAddress,
  checkRpps,
  checkSiren,
  checkSiret,
  insKey,
  luhnCheckDigit,
  luhnValid,
  makeFiness,
  makeIns,
  makeRpps,
  makeSiren,
  makeSiret,
  parseAdeli,
  parseFiness,
  parseIdNatPerson,
  parseIdNatStructure,
  parseIns,
  parseMssAddress,
  parseRpps,
  parseSiren,
  parseSiret,
} from '../src/index.ts';

function error<T>(check: Check<T>): InvalidIdentifierError {
  assert.equal(check.ok, false, `expected a failure, got ${JSON.stringify(check)}`);
  return (check as { ok: false; error: InvalidIdentifierError }).error;
}

function rejects<T>(check: Check<T>, rule: string, message: string): void {
  const e = error(check);
  assert.ok(e instanceof InvalidIdentifierError);
  assert.equal(e.name, 'InvalidIdentifierError');
  assert.equal(e.code, 'INVALID_IDENTIFIER');
  assert.equal(e.rule, rule);
  assert.equal(e.message, message);
}

describe('checksums', () => {
  test('luhnCheckDigit and luhnValid agree on the RPPS example', () => {
    assert.equal(luhnCheckDigit('1000000191'), 6);
    assert.equal(luhnValid('10000001916'), true);
    assert.equal(luhnValid('10000001917'), false);
  });
  test('insKey on the CI-SIS test patient and on Corsica', () => {
    assert.equal(insKey('2790351215189'), '89');
    assert.equal(insKey('185052A123456'), '33');
    assert.equal(insKey('185052B123456'), '60');
  });
});

describe('InvalidIdentifierError', () => {
  test('carries field, value, rule and a message naming them', () => {
    const e = error(checkRpps('10000001917', 'holder RPPS'));
    assert.equal(e.field, 'holder RPPS');
    assert.equal(e.value, '10000001917');
    assert.equal(e.rule, 'luhn');
    assert.equal(e.problem, 'check digit should be 6 (Luhn)');
    assert.equal(e.message, 'holder RPPS 10000001917: check digit should be 6 (Luhn)');
  });
  test('shows empty, spaced and control-character values quoted, and long values cut', () => {
    assert.equal(error(checkRpps('')).message, 'RPPS "": must be 11 characters, got 0');
    assert.equal(error(checkRpps('1000 001916')).message, 'RPPS "1000 001916": must contain digits only');
    assert.equal(error(checkRpps('1000\n000191')).message, 'RPPS "1000\\n000191": must contain digits only');
    const long = '9'.repeat(100);
    assert.equal(error(checkRpps(long)).message, `RPPS ${'9'.repeat(64)}…: must be 11 characters, got 100`);
    assert.equal(error(checkRpps(long)).value, long);
  });
  test('a non-string from untyped code is a failed check, not a TypeError', () => {
    rejects(checkRpps(42 as unknown as string), 'type', 'RPPS (number): must be a string');
    rejects(checkIns(null as unknown as string), 'type', 'INS (null): must be a string');
    rejects(checkMssAddress(undefined as unknown as string), 'type', 'MSSanté address (undefined): must be a string');
  });
});

describe('R-ID-1: RPPS', () => {
  test('accepts the reference example, trimming surrounding whitespace only', () => {
    assert.deepEqual(checkRpps('10000001916'), { ok: true, value: '10000001916' });
    assert.deepEqual(checkRpps('  10000001916\t'), { ok: true, value: '10000001916' });
    assert.equal(parseRpps('10123456781'), '10123456781');
  });
  test('rejects a wrong check digit, saying which digit was expected', () => {
    rejects(checkRpps('10000001917'), 'luhn', 'RPPS 10000001917: check digit should be 6 (Luhn)');
    assert.throws(() => parseRpps('10000001917'), { name: 'InvalidIdentifierError', message: /check digit should be 6/ });
  });
  test('rejects wrong length and non-digits', () => {
    rejects(checkRpps('1000000191'), 'length', 'RPPS 1000000191: must be 11 characters, got 10');
    rejects(checkRpps('810000001916'), 'length', 'RPPS 810000001916: must be 11 characters, got 12');
    rejects(checkRpps('1000000191A'), 'charset', 'RPPS 1000000191A: must contain digits only');
    rejects(checkRpps('１0000001916'), 'charset', 'RPPS "１0000001916": must contain digits only');
  });
  test('makeRpps completes a sequence and refuses anything else', () => {
    assert.equal(makeRpps('1000000191'), '10000001916');
    assert.throws(() => makeRpps('123'), RangeError);
  });
});

describe('R-ID-1: ADELI (format only, no check digit)', () => {
  test('accepts 9 digits and Corsica 2A/2B, upper-casing 2a/2b', () => {
    assert.deepEqual(checkAdeli('123456789'), { ok: true, value: '123456789' });
    assert.deepEqual(checkAdeli('2A1234567'), { ok: true, value: '2A1234567' });
    assert.deepEqual(checkAdeli('2b1234567'), { ok: true, value: '2B1234567' });
    assert.equal(parseAdeli(' 751234567 '), '751234567');
  });
  test('rejects other letters, letters after anything but 2, and wrong length', () => {
    const message = 'must be 9 digits, or 2A/2B (Corsica) followed by 7 digits';
    rejects(checkAdeli('2C1234567'), 'charset', `ADELI 2C1234567: ${message}`);
    rejects(checkAdeli('3A1234567'), 'charset', `ADELI 3A1234567: ${message}`);
    rejects(checkAdeli('A21234567'), 'charset', `ADELI A21234567: ${message}`);
    rejects(checkAdeli('12345678X'), 'charset', `ADELI 12345678X: ${message}`);
    rejects(checkAdeli('12345678'), 'length', 'ADELI 12345678: must be 9 characters, got 8');
  });
});

describe('R-ID-1: FINESS', () => {
  test('accepts real FINESS numbers (their key is Luhn)', () => {
    for (const f of ['750712184', '130783293', '690781810', '330781196']) {
      assert.deepEqual(checkFiness(f), { ok: true, value: { finess: f, corsica: false } });
    }
  });
  test('Corsica: 2A/2B read as 20 for the key, lower case normalised', () => {
    assert.equal(makeFiness('2A000001'), '2A0000016');
    assert.equal(makeFiness('2b000001'), '2B0000016');
    assert.deepEqual(checkFiness('2a0000016'), { ok: true, value: { finess: '2A0000016', corsica: true } });
    assert.deepEqual(parseFiness('2B0000016'), { finess: '2B0000016', corsica: true });
    rejects(checkFiness('2A0000017'), 'luhn', 'FINESS 2A0000017: check digit should be 6 (Luhn, with 2A/2B counted as 20)');
  });
  test('rejects bad length, bad letters and bad key', () => {
    rejects(checkFiness('75000001'), 'length', 'FINESS 75000001: must be 9 characters, got 8');
    rejects(checkFiness('2C0000016'), 'charset', 'FINESS 2C0000016: must be 9 digits, or 2A/2B (Corsica) followed by 7 digits');
    rejects(checkFiness('750712185'), 'luhn', 'FINESS 750712185: check digit should be 4 (Luhn)');
    assert.throws(() => makeFiness('7507121'), RangeError);
  });
});

describe('R-ID-1: SIREN and SIRET', () => {
  test('SIREN: Luhn over 9 digits', () => {
    assert.deepEqual(checkSiren('732829320'), { ok: true, value: '732829320' });
    assert.equal(parseSiren('356000000'), '356000000');
    assert.equal(makeSiren('73282932'), '732829320');
    rejects(checkSiren('732829321'), 'luhn', 'SIREN 732829321: check digit should be 0 (Luhn)');
    rejects(checkSiren('73282932'), 'length', 'SIREN 73282932: must be 9 characters, got 8');
    rejects(checkSiren('73282932O'), 'charset', 'SIREN 73282932O: must contain digits only');
  });
  test('SIRET: Luhn over 14 digits', () => {
    assert.deepEqual(checkSiret('73282932000074'), { ok: true, value: '73282932000074' });
    assert.equal(makeSiret('7328293200007'), '73282932000074');
    rejects(checkSiret('73282932000075'), 'luhn', 'SIRET 73282932000075: check digit should be 4 (Luhn)');
    rejects(checkSiret('7328293200007'), 'length', 'SIRET 7328293200007: must be 14 characters, got 13');
  });
  test('SIRET: La Poste offices pass by a digit sum multiple of 5, the head office by Luhn', () => {
    assert.equal(parseSiret('35600000049837'), '35600000049837'); // digit sum 45, not Luhn
    assert.equal(parseSiret('35600000000048'), '35600000000048'); // head office, Luhn
    rejects(
      checkSiret('35600000000049'),
      'luhn',
      'SIRET 35600000000049: check digit should be 8 (Luhn), or the digit sum (27) a multiple of 5 (La Poste rule)',
    );
    // The digit-sum rule belongs to La Poste's SIREN only.
    rejects(checkSiret('35600000100000'), 'luhn', 'SIRET 35600000100000: check digit should be 4 (Luhn)');
    rejects(checkSiret('73282932000020'), 'luhn', 'SIRET 73282932000020: check digit should be 5 (Luhn)');
  });
});

describe('R-ID-1: IdNat of a person', () => {
  test('8 + RPPS, 0 + ADELI, 3 + FINESS / local id', () => {
    assert.deepEqual(parseIdNatPerson('810000001916'), { idnat: '810000001916', type: 'RPPS', id: '10000001916' });
    assert.deepEqual(parseIdNatPerson('0123456789'), { idnat: '0123456789', type: 'ADELI', id: '123456789' });
    assert.deepEqual(parseIdNatPerson('02a1234567'), { idnat: '02A1234567', type: 'ADELI', id: '2A1234567' });
    assert.deepEqual(parseIdNatPerson('3750712184/EMP-00042'), {
      idnat: '3750712184/EMP-00042',
      type: 'FINESS_STAFF',
      id: '750712184',
      local: 'EMP-00042',
    });
  });
  test('the embedded identifier is validated, and its rule reported', () => {
    rejects(checkIdNatPerson('810000001917'), 'luhn', 'IdNat PS 810000001917: RPPS 10000001917: check digit should be 6 (Luhn)');
    rejects(checkIdNatPerson('81000000191'), 'length', 'IdNat PS 81000000191: RPPS 1000000191: must be 11 characters, got 10');
    rejects(checkIdNatPerson('3750712185/1'), 'luhn', 'IdNat PS 3750712185/1: FINESS 750712185: check digit should be 4 (Luhn)');
  });
  test('rejects other types, missing or bad local ids, inner spaces, empty', () => {
    rejects(checkIdNatPerson('610000001916'), 'prefix', 'IdNat PS 610000001916: must start with 8 (RPPS), 0 (ADELI) or 3 (FINESS staff)');
    rejects(checkIdNatPerson('3750712184'), 'syntax', 'IdNat PS 3750712184: staff IdNat must be 3 + FINESS + "/" + local id');
    rejects(
      checkIdNatPerson('3750712184/'),
      'charset',
      'IdNat PS 3750712184/: local id after "/" must be 1 to 20 letters, digits or hyphens',
    );
    rejects(checkIdNatPerson(`3750712184/${'x'.repeat(21)}`), 'charset', error(checkIdNatPerson(`3750712184/${'x'.repeat(21)}`)).message);
    rejects(checkIdNatPerson('8 10000001916'), 'charset', 'IdNat PS "8 10000001916": must not contain spaces');
    rejects(checkIdNatPerson(''), 'length', 'IdNat PS "": must not be empty');
  });
});

describe('R-ID-1: IdNat of a structure', () => {
  test('1 + FINESS, 2 + SIREN, 3 + SIRET', () => {
    assert.deepEqual(parseIdNatStructure('1750712184'), { idnat: '1750712184', type: 'FINESS', id: '750712184' });
    assert.deepEqual(parseIdNatStructure('12a0000016'), { idnat: '12A0000016', type: 'FINESS', id: '2A0000016' });
    assert.deepEqual(parseIdNatStructure('2732829320'), { idnat: '2732829320', type: 'SIREN', id: '732829320' });
    assert.deepEqual(parseIdNatStructure('373282932000074'), { idnat: '373282932000074', type: 'SIRET', id: '73282932000074' });
  });
  test('rejects bad parts and unsupported types', () => {
    rejects(checkIdNatStructure('1750712185'), 'luhn', 'IdNat structure 1750712185: FINESS 750712185: check digit should be 4 (Luhn)');
    rejects(checkIdNatStructure('2732829321'), 'luhn', 'IdNat structure 2732829321: SIREN 732829321: check digit should be 0 (Luhn)');
    rejects(checkIdNatStructure('0123456789'), 'prefix', 'IdNat structure 0123456789: must start with 1 (FINESS), 2 (SIREN) or 3 (SIRET)');
    rejects(checkIdNatStructure(''), 'length', 'IdNat structure "": must not be empty');
    rejects(checkIdNatStructure('1 750712184'), 'charset', 'IdNat structure "1 750712184": must not contain spaces');
  });
});

describe('R-DOC-3: INS', () => {
  test('accepts the CI-SIS test patient', () => {
    assert.deepEqual(checkIns('279035121518989'), {
      ok: true,
      value: { ins: '279035121518989', nir: '2790351215189', key: '89', corsica: false },
    });
  });
  test('accepts Corsican INS (2A read as 19, 2B as 18), normalising lower case', () => {
    assert.equal(makeIns('185052A123456'), '185052A12345633');
    assert.equal(makeIns('185052b123456'), '185052B12345660');
    assert.deepEqual(parseIns('185052a12345633'), { ins: '185052A12345633', nir: '185052A123456', key: '33', corsica: true });
    assert.deepEqual(parseIns('185052B12345660'), { ins: '185052B12345660', nir: '185052B123456', key: '60', corsica: true });
    // The same number with the other Corsican département has another key.
    rejects(checkIns('185052B12345633'), 'ins-key', 'INS 185052B12345633: key should be 60 (97 − NIR mod 97, with 2A/2B read as 19/18)');
  });
  test('rejects a wrong key with the expected one', () => {
    rejects(checkIns('279035121518988'), 'ins-key', 'INS 279035121518988: key should be 89 (97 − NIR mod 97)');
  });
  test('rejects wrong length, letters elsewhere, bad first character', () => {
    rejects(checkIns('27903512151898'), 'length', 'INS 27903512151898: must be 15 characters, got 14');
    rejects(checkIns('2790A5121518989'), 'charset', 'INS 2790A5121518989: must be 15 digits, except 2A or 2B (Corsica) at positions 6–7');
    rejects(checkIns('185053A12345633'), 'charset', error(checkIns('185053A12345633')).message);
    rejects(
      checkIns('579035121518989'),
      'prefix',
      'INS 579035121518989: must start with 1, 2, 3, 4, 7 or 8 (sex or nature of the number), got 5',
    );
    assert.throws(() => makeIns('579035121518'), RangeError);
    assert.throws(() => makeIns('5790351215189'), RangeError);
  });
});

describe('R-BAL-1: MSSanté address', () => {
  test('accepts an operator address, lower-cases the domain, keeps the local part', () => {
    assert.deepEqual(parseMssAddress('Jean.Dupont@CH-Exemple.MSSante.fr'), {
      address: 'Jean.Dupont@ch-exemple.mssante.fr',
      local: 'Jean.Dupont',
      domain: 'ch-exemple.mssante.fr',
      patient: false,
    });
    assert.equal(parseMssAddress("o'brien+test@medecin.mssante.fr").local, "o'brien+test");
    assert.equal(parseMssAddress('x@mssante.fr').domain, 'mssante.fr');
  });
  test('operator domains, compared case-insensitively', () => {
    const opts = { operatorDomains: ['CH-Exemple.mssante.fr'] };
    assert.equal(checkMssAddress('a@ch-exemple.mssante.fr', opts).ok, true);
    rejects(
      checkMssAddress('a@other.mssante.fr', opts),
      'operator-domain',
      "MSSanté address a@other.mssante.fr: domain other.mssante.fr is not one of this operator's domains",
    );
  });
  test('R-MES: patient addresses carry a valid INS', () => {
    assert.deepEqual(parseMssAddress('279035121518989@patient.mssante.fr'), {
      address: '279035121518989@patient.mssante.fr',
      local: '279035121518989',
      domain: 'patient.mssante.fr',
      patient: true,
      ins: '279035121518989',
    });
    assert.equal(parseMssAddress('185052a12345633@patient.mssante.fr').ins, '185052A12345633');
    rejects(
      checkMssAddress('279035121518988@patient.mssante.fr'),
      'patient-ins',
      'MSSanté address 279035121518988@patient.mssante.fr: local part of a patient address must be a valid INS: INS 279035121518988: key should be 89 (97 − NIR mod 97)',
    );
    rejects(checkMssAddress('jean@patient.mssante.fr'), 'patient-ins', error(checkMssAddress('jean@patient.mssante.fr')).message);
  });
  test('rejects addresses outside the MSSanté space', () => {
    rejects(
      checkMssAddress('jean@gmail.com'),
      'domain',
      'MSSanté address jean@gmail.com: domain gmail.com is not in the MSSanté space (must end with .mssante.fr)',
    );
    rejects(checkMssAddress('jean@evilmssante.fr'), 'domain', error(checkMssAddress('jean@evilmssante.fr')).message);
  });
  test('rejects bad syntax: quoted local parts, dots, @, labels, lengths, non-ASCII', () => {
    rejects(checkMssAddress('"jean dupont"@x.mssante.fr'), 'charset', error(checkMssAddress('"jean dupont"@x.mssante.fr')).message);
    rejects(checkMssAddress('"jean"@x.mssante.fr'), 'syntax', error(checkMssAddress('"jean"@x.mssante.fr')).message);
    for (const bad of ['.jean@x.mssante.fr', 'jean.@x.mssante.fr', 'je..an@x.mssante.fr', 'a(b)@x.mssante.fr']) {
      assert.equal(error(checkMssAddress(bad)).rule, 'syntax', bad);
    }
    rejects(checkMssAddress('jean'), 'syntax', 'MSSanté address jean: must contain exactly one @');
    rejects(checkMssAddress('a@b@x.mssante.fr'), 'syntax', 'MSSanté address a@b@x.mssante.fr: must contain exactly one @');
    rejects(checkMssAddress('@x.mssante.fr'), 'syntax', 'MSSanté address @x.mssante.fr: local part (before @) must not be empty');
    rejects(checkMssAddress('a@'), 'syntax', 'MSSanté address a@: domain (after @) must not be empty');
    rejects(checkMssAddress('a@fr'), 'syntax', 'MSSanté address a@fr: domain fr must have at least two labels');
    for (const bad of ['a@-x.mssante.fr', 'a@x-.mssante.fr', 'a@x_y.mssante.fr', 'a@x..mssante.fr', 'a@x.mssante.fr.']) {
      assert.equal(error(checkMssAddress(bad)).rule, 'syntax', bad);
    }
    rejects(checkMssAddress(`a@${'x'.repeat(64)}.mssante.fr`), 'syntax', error(checkMssAddress(`a@${'x'.repeat(64)}.mssante.fr`)).message);
    assert.equal(checkMssAddress(`a@${'x'.repeat(63)}.mssante.fr`).ok, true);
    assert.equal(checkMssAddress(`${'a'.repeat(64)}@x.mssante.fr`).ok, true);
    rejects(
      checkMssAddress(`${'a'.repeat(65)}@x.mssante.fr`),
      'length',
      `MSSanté address ${'a'.repeat(64)}…: local part must be at most 64 characters, got 65`,
    );
    const long = `a@${Array.from({ length: 25 }, () => 'abcdefghi').join('.')}.mssante.fr`;
    assert.equal(error(checkMssAddress(long)).rule, 'length');
    rejects(
      checkMssAddress('jérôme@x.mssante.fr'),
      'charset',
      'MSSanté address "jérôme@x.mssante.fr": must contain printable ASCII characters only, without spaces',
    );
    rejects(checkMssAddress(''), 'length', 'MSSanté address "": must not be empty');
  });
  test('the field name can be chosen', () => {
    assert.equal(error(checkMssAddress('x', { field: 'recipient' })).message, 'recipient x: must contain exactly one @');
  });
});
