// Generators shared by the property tests.

import fc, { type Arbitrary } from 'fast-check';
import { makeFiness, makeIns, makeRpps, makeSiren, makeSiret } from '../../src/index.ts';

export const digits = (n: number): Arbitrary<string> =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((a) => a.join(''));

export const validRpps = digits(10).map(makeRpps);
export const adeli = fc.stringMatching(/^(?:[0-9]{2}|2[ABab])[0-9]{7}$/);
export const finessFirst8 = fc.stringMatching(/^(?:[0-9]{2}|2[ABab])[0-9]{6}$/);
export const validFiness = finessFirst8.map(makeFiness);
export const validSiren = digits(8).map(makeSiren);
export const validSiret = digits(13).map(makeSiret);
export const nir = fc.stringMatching(/^[123478][0-9]{4}(?:[0-9]{2}|2[ABab])[0-9]{6}$/);
export const validIns = nir.map(makeIns);
export const localId = fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/);

/** Anything a user or an untyped caller might send: any Unicode, plus identifier-like noise. */
export const anyString = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom(...'0123456789ABab /@.-_x\t'.split('')), maxLength: 24 }),
  fc.string({ unit: 'binary-ascii', maxLength: 300 }),
);

/** A value and a copy of it with one decimal digit (at or after `from`) changed. */
export function withOneDigitChanged(valid: Arbitrary<string>, from = 0): Arbitrary<[string, string]> {
  return fc.tuple(valid, fc.nat(), fc.integer({ min: 1, max: 9 })).map(([v, pick, delta]) => {
    const positions = [...v].flatMap((c, i) => (i >= from && c >= '0' && c <= '9' ? [i] : []));
    const i = positions[pick % positions.length] as number;
    const changed = String((v.charCodeAt(i) - 48 + delta) % 10);
    return [v, v.slice(0, i) + changed + v.slice(i + 1)];
  });
}

// Dot-atom local parts and LDH labels, for addresses that must pass.
const atom = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,10}$/);
export const localPart = fc.array(atom, { minLength: 1, maxLength: 4 }).map((a) => a.join('.'));
const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
export const mssDomain = fc
  .array(label, { minLength: 1, maxLength: 3 })
  .map((labels) => `${labels.join('.')}.mssante.fr`)
  .filter((d) => d !== 'patient.mssante.fr');
