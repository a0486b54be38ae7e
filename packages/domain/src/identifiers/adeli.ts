// ADELI: the historical directory number of professionals not (yet) in RPPS. Nine
// characters: département (2 digits, or 2A/2B for Corsica) then 7 digits.
//
// Only the format is verified: no check digit. We know of no public text that defines an
// ADELI key algorithm, and wrongly rejecting a real professional is worse than
// accepting a mistyped number that the Annuaire Santé lookup (R-ID-2) will not find anyway.

import { upperCorsicaAt } from './corsica.ts';
import { type Check, fail, lengthError, normaliseInput, notAString, ok, unwrap } from './errors.ts';

// Letters are only legal as the Corsican département 2A/2B, so a letter after anything but
// `2` is refused even though a looser "[0-9][0-9AB]" pattern would let it through.
const ADELI = /^(?:[0-9]{2}|2[AB])[0-9]{7}$/;

export function checkAdeli(value: string, field = 'ADELI'): Check<string> {
  const v = normaliseInput(value);
  if (v === undefined) return notAString(field, value);
  const bad = lengthError<string>(field, v, 9);
  if (bad) return bad;
  const upper = upperCorsicaAt(v, 0);
  if (!ADELI.test(upper)) {
    return fail(field, v, 'charset', 'must be 9 digits, or 2A/2B (Corsica) followed by 7 digits');
  }
  return ok(upper);
}

export function parseAdeli(value: string, field?: string): string {
  return unwrap(checkAdeli(value, field));
}
