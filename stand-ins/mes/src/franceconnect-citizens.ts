// Mon Espace Santé's patients as FranceConnect's simulated identity provider knows them, so that
// a FranceConnect login always names one patient: the identity pivot (birth name, first names,
// sex, birth date, birth place and country) is the patient's INS traits, which agree with the
// INS (packages/seed). MES then finds the patient from the pivot, as the real one does.

import type { Citizen, CitizenDirectory } from '@mss/franceconnect';
import type { MonEspaceSante, Patient } from './mes.ts';

const FRANCE = '99100';

export function citizenOf(p: Patient): Citizen {
  // The INS referential writes a place abroad as 99 + the country; FranceConnect sends the
  // country's COG code (99xxx) and an empty birth place.
  const abroad = p.birthPlace.startsWith('99');
  return {
    id: p.ins,
    givenName: p.firstNames.join(' '),
    familyName: p.birthName.toLocaleUpperCase('fr-FR'),
    ...(p.usedName ? { usageName: p.usedName.toLocaleUpperCase('fr-FR') } : {}),
    birthdate: p.birthDate,
    gender: p.sex === 'F' ? 'female' : 'male',
    birthplace: abroad ? '' : p.birthPlace,
    birthcountry: abroad ? p.birthPlace : FRANCE,
  };
}

/** The featured patients (the demo ones) first on the page, then others in INS order. */
export function mesCitizens(mes: MonEspaceSante, featured: readonly string[] = []): CitizenDirectory {
  return {
    list: async (limit) => {
      const first = (await Promise.all(featured.map((ins) => mes.patient(ins)))).filter((p): p is Patient => p !== undefined);
      const seen = new Set(first.map((p) => p.ins));
      const rest = (await mes.listPatients({ limit })).filter((p) => !seen.has(p.ins));
      return [...first, ...rest].slice(0, limit).map(citizenOf);
    },
    find: async (id) => {
      const p = await mes.patient(id);
      return p ? citizenOf(p) : undefined;
    },
  };
}
