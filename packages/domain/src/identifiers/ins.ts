// INS (matricule INS): the patient's national health identifier, the NIR (or NIA) on 13
// characters followed by a 2-digit key. It names the patient mailbox <INS>@patient.mssante.fr
// and is validated before any use (R-DOC-3).
//
// NIR layout: sex or nature (1) · year (2) · month (2) · département (2, 2A/2B in Corsica) ·
// commune (3) · order (3). Only the first character and the Corsican letters are checked
// beyond "digits": months 20–42 and 99, and départements of people born abroad, are legal.

import { insKey } from './checksums.ts';
import { isCorsicaAt, upperCorsicaAt } from './corsica.ts';
import { type Check, fail, lengthError, normaliseInput, notAString, ok, unwrap } from './errors.ts';

export type Ins = { ins: string; nir: string; key: string; corsica: boolean };

const DEPT_AT = 5;
const SHAPE = /^[0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{8}$/;
const NIR_SHAPE = /^[0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{6}$/;
// 1/2: man/woman; 3/4: provisional numbers; 7/8: NIA (temporary number given while a NIR is
// being assigned). Anything else is not a person's number.
const FIRST = /^[123478]/;

export function checkIns(value: string, field = 'INS'): Check<Ins> {
  const v = normaliseInput(value);
  if (v === undefined) return notAString(field, value);
  const bad = lengthError<Ins>(field, v, 15);
  if (bad) return bad;
  const ins = upperCorsicaAt(v, DEPT_AT);
  if (!SHAPE.test(ins)) {
    return fail(field, v, 'charset', 'must be 15 digits, except 2A or 2B (Corsica) at positions 6–7');
  }
  if (!FIRST.test(ins)) {
    return fail(field, v, 'prefix', `must start with 1, 2, 3, 4, 7 or 8 (sex or nature of the number), got ${ins[0]}`);
  }
  const nir = ins.slice(0, 13);
  const key = ins.slice(13);
  const corsica = isCorsicaAt(ins, DEPT_AT);
  const expected = insKey(nir);
  if (expected !== key) {
    const how = corsica ? '97 − NIR mod 97, with 2A/2B read as 19/18' : '97 − NIR mod 97';
    return fail(field, v, 'ins-key', `key should be ${expected} (${how})`);
  }
  return ok({ ins, nir, key, corsica });
}

export function parseIns(value: string, field?: string): Ins {
  return unwrap(checkIns(value, field));
}

/** A valid INS from a 13-character NIR, completed with its key (synthetic data). */
export function makeIns(nir13: string): string {
  const nir = upperCorsicaAt(nir13, DEPT_AT);
  if (!NIR_SHAPE.test(nir) || !FIRST.test(nir)) throw new RangeError(`makeIns: "${nir13}" is not a 13-character NIR`);
  return nir + insKey(nir);
}
