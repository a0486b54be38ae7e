// SIRET: INSEE number of an establishment, SIREN (9) + NIC (5), Luhn over all 14 digits.
//
// Known exception: La Poste (SIREN 356000000) numbered its many post offices without the
// Luhn key; their SIRETs instead have a digit sum that is a multiple of 5. Its head office
// (35600000000048) does satisfy Luhn, so for that SIREN either rule is accepted.

import { luhnCheckDigit } from './checksums.ts';
import { type Check, checkDigits, fail, ok, unwrap } from './errors.ts';

export const LA_POSTE_SIREN = '356000000';

function digitSum(digits: string): number {
  let sum = 0;
  for (const c of digits) sum += c.charCodeAt(0) - 48;
  return sum;
}

export function checkSiret(value: string, field = 'SIRET'): Check<string> {
  const digits = checkDigits(field, value, 14);
  if (!digits.ok) return digits;
  const v = digits.value;
  const expected = luhnCheckDigit(v.slice(0, 13));
  if (String(expected) === v[13]) return ok(v);
  if (!v.startsWith(LA_POSTE_SIREN)) {
    return fail(field, v, 'luhn', `check digit should be ${expected} (Luhn)`);
  }
  if (digitSum(v) % 5 === 0) return ok(v);
  return fail(
    field,
    v,
    'luhn',
    `check digit should be ${expected} (Luhn), or the digit sum (${digitSum(v)}) a multiple of 5 (La Poste rule)`,
  );
}

export function parseSiret(value: string, field?: string): string {
  return unwrap(checkSiret(value, field));
}

/** A valid SIRET from its first 13 digits, completed with the Luhn digit (synthetic data). */
export function makeSiret(first13: string): string {
  if (!/^[0-9]{13}$/.test(first13)) throw new RangeError(`makeSiret: "${first13}" is not 13 digits`);
  return first13 + String(luhnCheckDigit(first13));
}
