// SIREN: INSEE number of a legal entity, 8 digits and a Luhn check digit. Structures without
// FINESS are registered in the Annuaire Santé by SIREN or SIRET (IdNat_Struct types 2 and 3).

import { luhnCheckDigit } from './checksums.ts';
import { type Check, checkDigits, fail, ok, unwrap } from './errors.ts';

export function checkSiren(value: string, field = 'SIREN'): Check<string> {
  const digits = checkDigits(field, value, 9);
  if (!digits.ok) return digits;
  const v = digits.value;
  const expected = luhnCheckDigit(v.slice(0, 8));
  if (String(expected) !== v[8]) return fail(field, v, 'luhn', `check digit should be ${expected} (Luhn)`);
  return ok(v);
}

export function parseSiren(value: string, field?: string): string {
  return unwrap(checkSiren(value, field));
}

/** A valid SIREN from its first 8 digits (synthetic data). */
export function makeSiren(first8: string): string {
  if (!/^[0-9]{8}$/.test(first8)) throw new RangeError(`makeSiren: "${first8}" is not 8 digits`);
  return first8 + String(luhnCheckDigit(first8));
}
