// IdNat of a natural person (IdNat_PS, TRE_G08): a one-character type followed by the
// identifier. It is what Pro Santé Connect puts in tokens and what the directory attaches
// mailboxes to. We accept the three types a mailbox holder, owner, cotitulaire or delegate
// can have: 8 + RPPS, 0 + ADELI, 3 + FINESS + "/" + local id (staff registered by a FINESS
// structure). The cabinet and SIREN/SIRET "registre" types (1, 4, 5, 6) and 10 + address
// name no person who logs in with PSC, so they are refused.

import { checkAdeli } from './adeli.ts';
import { type Check, fail, nested, normaliseInput, notAString, ok, unwrap } from './errors.ts';
import { checkFiness } from './finess.ts';
import { checkRpps } from './rpps.ts';

export type IdNatPersonType = 'RPPS' | 'ADELI' | 'FINESS_STAFF';
export type IdNatPerson = { idnat: string; type: IdNatPersonType; id: string; local?: string };

const LOCAL_ID = /^[A-Za-z0-9-]{1,20}$/;

export function checkIdNatPerson(value: string, field = 'IdNat PS'): Check<IdNatPerson> {
  const v = normaliseInput(value);
  if (v === undefined) return notAString(field, value);
  // The embedded checks trim their input; inner spaces must not be forgiven that way.
  if (/\s/.test(v)) return fail(field, v, 'charset', 'must not contain spaces');
  const rest = v.slice(1);
  switch (v[0]) {
    case '8': {
      const r = checkRpps(rest);
      return r.ok ? ok({ idnat: `8${r.value}`, type: 'RPPS', id: r.value }) : nested(field, v, r.error);
    }
    case '0': {
      const r = checkAdeli(rest);
      return r.ok ? ok({ idnat: `0${r.value}`, type: 'ADELI', id: r.value }) : nested(field, v, r.error);
    }
    case '3': {
      const slash = rest.indexOf('/');
      if (slash < 0) return fail(field, v, 'syntax', 'staff IdNat must be 3 + FINESS + "/" + local id');
      const f = checkFiness(rest.slice(0, slash));
      if (!f.ok) return nested(field, v, f.error);
      const local = rest.slice(slash + 1);
      if (!LOCAL_ID.test(local)) {
        return fail(field, v, 'charset', 'local id after "/" must be 1 to 20 letters, digits or hyphens');
      }
      return ok({ idnat: `3${f.value.finess}/${local}`, type: 'FINESS_STAFF', id: f.value.finess, local });
    }
    default:
      return v === ''
        ? fail(field, v, 'length', 'must not be empty')
        : fail(field, v, 'prefix', 'must start with 8 (RPPS), 0 (ADELI) or 3 (FINESS staff)');
  }
}

export function parseIdNatPerson(value: string, field?: string): IdNatPerson {
  return unwrap(checkIdNatPerson(value, field));
}
