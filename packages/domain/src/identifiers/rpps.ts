// RPPS: the national number of a health professional (and, through RPPS+, of secretaries
// and medical assistants): a 10-digit sequence and a Luhn check digit.

import { luhnCheckDigit } from './checksums.ts';
import { type Check, fail, lengthError, normaliseInput, notAString, ok, unwrap } from './errors.ts';

const DIGITS = /^[0-9]+$/;

export function checkRpps(value: string, field = 'RPPS'): Check<string> {
  const v = normaliseInput(value);
  if (v === undefined) return notAString(field, value);
  const bad = lengthError<string>(field, v, 11);
  if (bad) return bad;
  if (!DIGITS.test(v)) return fail(field, v, 'charset', 'must contain digits only');
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
