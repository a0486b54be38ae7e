// RPPS: the national number of a health professional (and, through RPPS+, of secretaries
// and medical assistants): a 10-digit sequence and a Luhn check digit.

import { luhnCheckDigit } from './checksums.ts';
import { type Check, checkDigits, fail, ok, unwrap } from './errors.ts';

export function checkRpps(value: string, field = 'RPPS'): Check<string> {
  const digits = checkDigits(field, value, 11);
  if (!digits.ok) return digits;
  const v = digits.value;
  const expected = luhnCheckDigit(v.slice(0, 10));
  if (String(expected) !== v[10]) return fail(field, v, 'luhn', `check digit should be ${expected} (Luhn)`);
  return ok(v);
}

export function parseRpps(value: string, field?: string): string {
  return unwrap(checkRpps(value, field));
}

/** A valid RPPS from a 10-digit sequence (synthetic data). */
export function makeRpps(seq10: string): string {
  if (!/^[0-9]{10}$/.test(seq10)) throw new RangeError(`makeRpps: "${seq10}" is not a 10-digit sequence`);
  return seq10 + String(luhnCheckDigit(seq10));
}
