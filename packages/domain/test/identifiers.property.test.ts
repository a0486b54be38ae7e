// Properties of every validator (R-ID-1, R-DOC-3): generated identifiers pass, a one-digit
// typo is caught, no input makes check* throw, and parse* agrees with check*.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  type Check,
  InvalidIdentifierError,
  LA_POSTE_SIREN,
  checkAdeli,
  checkFiness,
  checkIdNatPerson,
  checkIdNatStructure,
  checkIns,
  checkMssAddress,
  checkRpps,
  checkSiren,
  checkSiret,
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
import {
  adeli,
  anyString,
  localId,
  localPart,
  mssDomain,
  validFiness,
  validIns,
  validRpps,
  validSiren,
  validSiret,
  withOneDigitChanged,
} from './support/arbitraries.ts';

type Validator = {
  name: string;
  check: (v: string) => Check<unknown>;
  parse: (v: string) => unknown;
};

const VALIDATORS: Validator[] = [
  { name: 'RPPS', check: (v) => checkRpps(v), parse: (v) => parseRpps(v) },
  { name: 'ADELI', check: (v) => checkAdeli(v), parse: (v) => parseAdeli(v) },
  { name: 'FINESS', check: (v) => checkFiness(v), parse: (v) => parseFiness(v) },
  { name: 'SIREN', check: (v) => checkSiren(v), parse: (v) => parseSiren(v) },
  { name: 'SIRET', check: (v) => checkSiret(v), parse: (v) => parseSiret(v) },
  { name: 'IdNat PS', check: (v) => checkIdNatPerson(v), parse: (v) => parseIdNatPerson(v) },
  { name: 'IdNat structure', check: (v) => checkIdNatStructure(v), parse: (v) => parseIdNatStructure(v) },
  { name: 'INS', check: (v) => checkIns(v), parse: (v) => parseIns(v) },
  { name: 'MSSanté address', check: (v) => checkMssAddress(v), parse: (v) => parseMssAddress(v) },
];

const validIdNatPerson = fc.oneof(
  validRpps.map((r) => `8${r}`),
  adeli.map((a) => `0${a}`),
  fc.tuple(validFiness, localId).map(([f, l]) => `3${f}/${l}`),
);
const validIdNatStructure = fc.oneof(
  validFiness.map((f) => `1${f}`),
  validSiren.map((s) => `2${s}`),
  validSiret.map((s) => `3${s}`),
);
const validAddress = fc.tuple(localPart, mssDomain).map(([l, d]) => `${l}@${d}`);
const validPatientAddress = validIns.map((i) => `${i}@patient.mssante.fr`);

const VALID: Record<string, fc.Arbitrary<string>> = {
  RPPS: validRpps,
  ADELI: adeli,
  FINESS: validFiness,
  SIREN: validSiren,
  SIRET: validSiret,
  'IdNat PS': validIdNatPerson,
  'IdNat structure': validIdNatStructure,
  INS: validIns,
  'MSSanté address': fc.oneof(validAddress, validPatientAddress),
};

function assertAgree(validator: Validator, value: string): void {
  const checked = validator.check(value);
  if (checked.ok) {
    assert.deepEqual(validator.parse(value), checked.value);
  } else {
    assert.throws(
      () => validator.parse(value),
      (e: unknown) => e instanceof InvalidIdentifierError && e.message === checked.error.message && e.rule === checked.error.rule,
    );
  }
}

for (const validator of VALIDATORS) {
  describe(`R-ID-1: ${validator.name} properties`, () => {
    const valid = VALID[validator.name] as fc.Arbitrary<string>;

    test('generated valid values pass, with or without surrounding whitespace', () => {
      fc.assert(
        fc.property(valid, fc.constantFrom('', ' ', '\t', '\n '), (v, pad) => {
          assert.equal(validator.check(pad + v + pad).ok, true, v);
        }),
      );
    });

    test('arbitrary strings never throw from check, and failures are well-formed', () => {
      fc.assert(
        fc.property(anyString, (v) => {
          const r = validator.check(v);
          if (!r.ok) {
            assert.ok(r.error instanceof InvalidIdentifierError);
            assert.equal(r.error.value, v.trim());
            assert.ok(r.error.rule.length > 0);
            assert.ok(r.error.message.startsWith(`${validator.name} `), r.error.message);
          }
        }),
        { numRuns: 300 },
      );
    });

    test('parse and check agree, on arbitrary and on valid values', () => {
      fc.assert(
        fc.property(fc.oneof(anyString, valid), (v) => assertAgree(validator, v)),
        { numRuns: 300 },
      );
    });

    test('check is idempotent on what it returns', () => {
      fc.assert(
        fc.property(valid, (v) => {
          const first = validator.check(v);
          assert.ok(first.ok);
          const canonical = canonicalString(first.value);
          assert.deepEqual(validator.check(canonical), first);
        }),
      );
    });
  });
}

/** The normalised identifier inside a check result, whatever its shape. */
function canonicalString(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, string>;
  return v.address ?? v.idnat ?? v.ins ?? v.finess ?? '';
}

describe('R-ID-1: a one-digit typo is always caught', () => {
  const cases: [string, fc.Arbitrary<[string, string]>, (v: string) => Check<unknown>][] = [
    ['RPPS (Luhn)', withOneDigitChanged(validRpps), (v) => checkRpps(v)],
    ['FINESS (Luhn, Corsica included)', withOneDigitChanged(validFiness), (v) => checkFiness(v)],
    ['SIREN (Luhn)', withOneDigitChanged(validSiren), (v) => checkSiren(v)],
    // The La Poste digit-sum rule lets some typos through by design; it is tested apart.
    ['SIRET (Luhn)', withOneDigitChanged(validSiret).filter(([, t]) => !t.startsWith(LA_POSTE_SIREN)), (v) => checkSiret(v)],
    ['INS (mod 97 key)', withOneDigitChanged(validIns), (v) => checkIns(v)],
    // Position 0 is the IdNat type: 1+FINESS and 2+SIREN share Luhn, so a changed type can
    // be another valid IdNat; the typo property is about the embedded number.
    [
      'IdNat PS (RPPS part)',
      withOneDigitChanged(
        validRpps.map((r) => `8${r}`),
        1,
      ),
      (v) => checkIdNatPerson(v),
    ],
    [
      'IdNat structure (number part)',
      withOneDigitChanged(validIdNatStructure, 1).filter(([, t]) => !t.slice(1).startsWith(LA_POSTE_SIREN)),
      (v) => checkIdNatStructure(v),
    ],
    ['patient address (INS part)', withOneDigitChanged(validPatientAddress), (v) => checkMssAddress(v)],
  ];
  for (const [name, pairs, check] of cases) {
    test(name, () => {
      fc.assert(
        fc.property(pairs, ([good, typo]) => {
          assert.equal(check(good).ok, true, good);
          assert.equal(check(typo).ok, false, `${good} → ${typo} was accepted`);
        }),
        { numRuns: 500 },
      );
    });
  }

  test('ADELI has no check digit: any digit change keeps the format valid', () => {
    const mainland = fc.stringMatching(/^[0-9]{9}$/);
    fc.assert(fc.property(withOneDigitChanged(mainland), ([, typo]) => assert.equal(checkAdeli(typo).ok, true)));
  });
});

describe('R-ID-1: charset properties', () => {
  const otherLetter = fc.constantFrom(...'CDEFGHIJKLMNOPQRSTUVWXYZcdefghijklmnopqrstuvwxyz'.split(''));
  // A/B are left out: where they are legal (Corsica) they are tested with known values.
  const nonDigit = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => !/[0-9\sABab]/.test(c));

  test('ADELI and FINESS: a letter other than the Corsican A/B is always refused', () => {
    fc.assert(
      fc.property(fc.oneof(adeli, validFiness), fc.nat({ max: 8 }), otherLetter, (v, i, l) => {
        const bad = v.slice(0, i) + l + v.slice(i + 1);
        for (const r of [checkAdeli(bad), checkFiness(bad)]) {
          assert.equal(r.ok, false, bad);
          assert.equal(!r.ok && r.error.rule, 'charset');
        }
      }),
    );
  });

  test('RPPS, SIREN, SIRET, INS: any non-digit outside the Corsican letters is refused', () => {
    const cases: [fc.Arbitrary<string>, (v: string) => Check<unknown>][] = [
      [validRpps, (v) => checkRpps(v)],
      [validSiren, (v) => checkSiren(v)],
      [validSiret, (v) => checkSiret(v)],
      [validIns, (v) => checkIns(v)],
    ];
    for (const [valid, check] of cases) {
      fc.assert(
        fc.property(valid, fc.nat(), nonDigit, (v, pick, c) => {
          const positions = [...v].flatMap((ch, i) => (/[0-9]/.test(ch) && !(i === 5 && /[AB]/.test(v[6] ?? '')) ? [i] : []));
          const i = positions[pick % positions.length] as number;
          const bad = v.slice(0, i) + c + v.slice(i + 1);
          const r = check(bad);
          assert.equal(r.ok, false, bad);
          assert.equal(!r.ok && r.error.rule, 'charset', bad);
        }),
      );
    }
  });
});
