// FINESS: the number of a health or social-care structure (legal entity or establishment).
// Nine characters: département (2 digits, or 2A/2B for Corsica), 6 digits, 1 check digit.
//
// Letters: the DREES XSD allows `[0-9][0-9A-Z][0-9]{7}`, but the only letters in use are the
// Corsican départements, so we accept A or B after a `2` and nothing else; any other letter
// is far more likely a typo than a real number.
//
// Check digit — OUR CHOICE, NOT CONFIRMED BY ANY OFFICIAL TEXT: the last digit is the Luhn
// check digit of the first 8 characters, with the Corsican letter read as `0` (2A and 2B
// both count as 20). Public validators disagree on Corsica (some read 2A/2B as 21/22), so a
// real Corsican FINESS may fail here; the mapping lives in `luhnPayload` alone, to change it
// in one place. Consequence of the choice: the key cannot tell 2A from 2B.

import { luhnCheckDigit } from './checksums.ts';
import { isCorsicaAt, upperCorsicaAt } from './corsica.ts';
import { type Check, fail, lengthError, normaliseInput, notAString, ok, unwrap } from './errors.ts';

export type Finess = { finess: string; corsica: boolean };

const FINESS = /^(?:[0-9]{2}|2[AB])[0-9]{7}$/;
const FIRST8 = /^(?:[0-9]{2}|2[AB])[0-9]{6}$/;

function luhnPayload(first8: string): string {
  return first8.replace(/^2[AB]/, '20');
}

export function checkFiness(value: string, field = 'FINESS'): Check<Finess> {
  const v = normaliseInput(value);
  if (v === undefined) return notAString(field, value);
  const bad = lengthError<Finess>(field, v, 9);
  if (bad) return bad;
  const finess = upperCorsicaAt(v, 0);
  if (!FINESS.test(finess)) {
    return fail(field, v, 'charset', 'must be 9 digits, or 2A/2B (Corsica) followed by 7 digits');
  }
  const corsica = isCorsicaAt(finess, 0);
  const expected = luhnCheckDigit(luhnPayload(finess.slice(0, 8)));
  if (String(expected) !== finess[8]) {
    const how = corsica ? 'Luhn, with 2A/2B counted as 20' : 'Luhn';
    return fail(field, v, 'luhn', `check digit should be ${expected} (${how})`);
  }
  return ok({ finess, corsica });
}

export function parseFiness(value: string, field?: string): Finess {
  return unwrap(checkFiness(value, field));
}

/** A valid FINESS from its first 8 characters (synthetic data); 2a/2b accepted. */
export function makeFiness(first8: string): string {
  const head = upperCorsicaAt(first8, 0);
  if (!FIRST8.test(head)) throw new RangeError(`makeFiness: "${first8}" is not 8 FINESS characters`);
  return head + String(luhnCheckDigit(luhnPayload(head)));
}
