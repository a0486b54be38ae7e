// IdNat of a structure (IdNat_Struct, TRE_G07): 1 + FINESS, 2 + SIREN, 3 + SIRET. ORG and
// APP mailboxes are attached to one. The cabinet types (0 + ADELI rang, 4 + RPPS rang) are
// refused: cabinets without FINESS hold CAB mailboxes through their owner's person IdNat.

import { type Check, fail, nested, normaliseInput, notAString, ok, unwrap } from './errors.ts';
import { checkFiness } from './finess.ts';
import { checkSiren } from './siren.ts';
import { checkSiret } from './siret.ts';

export type IdNatStructureType = 'FINESS' | 'SIREN' | 'SIRET';
export type IdNatStructure = { idnat: string; type: IdNatStructureType; id: string };

export function checkIdNatStructure(value: string, field = 'IdNat structure'): Check<IdNatStructure> {
  const v = normaliseInput(value);
  if (v === undefined) return notAString(field, value);
  // The embedded checks trim their input; inner spaces must not be forgiven that way.
  if (/\s/.test(v)) return fail(field, v, 'charset', 'must not contain spaces');
  const rest = v.slice(1);
  switch (v[0]) {
    case '1': {
      const r = checkFiness(rest);
      return r.ok ? ok({ idnat: `1${r.value.finess}`, type: 'FINESS', id: r.value.finess }) : nested(field, v, r.error);
    }
    case '2': {
      const r = checkSiren(rest);
      return r.ok ? ok({ idnat: `2${r.value}`, type: 'SIREN', id: r.value }) : nested(field, v, r.error);
    }
    case '3': {
      const r = checkSiret(rest);
      return r.ok ? ok({ idnat: `3${r.value}`, type: 'SIRET', id: r.value }) : nested(field, v, r.error);
    }
    default:
      return v === ''
        ? fail(field, v, 'length', 'must not be empty')
        : fail(field, v, 'prefix', 'must start with 1 (FINESS), 2 (SIREN) or 3 (SIRET)');
  }
}

export function parseIdNatStructure(value: string, field?: string): IdNatStructure {
  return unwrap(checkIdNatStructure(value, field));
}
