// The citizens who can log in: FranceConnect's "identité pivot" (birth name, first names, sex,
// birth date, birth place and country) as an identity provider asserts it. The real service
// federates impots.gouv.fr, ameli.fr, La Poste… ; the stand-in plays one simulated identity
// provider whose accounts come from a `CitizenDirectory`: in the sandbox, Mon Espace Santé's
// patients (so that a login always lands on a patient whose INS agrees with the traits), or the
// small built-in list below.

import { checkIns } from '@mss/domain';

/** One citizen as FranceConnect knows them (claims formats: FranceConnect's "identité pivot"). */
export interface Citizen {
  /** Opaque, stable account id inside the stand-in (never sent: clients get a pairwise `sub`). */
  id: string;
  /** First names, separated by spaces, as in the civil register. */
  givenName: string;
  /** Birth name. */
  familyName: string;
  /** Usage name (nom d'usage), when the person has one. */
  usageName?: string;
  /** YYYY-MM-DD. */
  birthdate: string;
  gender: 'male' | 'female';
  /** INSEE COG code of the birth commune (5 characters, 2A/2B in Corsica); '' when born abroad. */
  birthplace: string;
  /** INSEE COG code of the birth country: 99100 for France. */
  birthcountry: string;
  email?: string;
}

/** Where the stand-in finds its accounts. */
export interface CitizenDirectory {
  /** Accounts offered in one click on the simulated identity provider's page (a few dozen). */
  list(limit: number): Promise<Citizen[]>;
  find(id: string): Promise<Citizen | undefined>;
}

export const FRANCE = '99100';

/**
 * The traits an INS (NIR) already carries: sex (odd first digit: male), year and month of
 * birth, and the birth place — commune code for people born in France, country for those born
 * abroad (département 99). Lets a directory of patients become FranceConnect citizens whose
 * identity agrees with their INS. Corsica: NIRs of people born before 1976 say 20, the COG says
 * 2A/2B; the caller's birthplace wins when it has one.
 */
export function traitsFromIns(ins: string): {
  gender: 'male' | 'female';
  year2: string;
  month: string;
  birthplace: string;
  birthcountry: string;
} {
  const checked = checkIns(ins);
  if (!checked.ok) throw new RangeError(`not a valid INS: ${checked.error.message}`);
  const v = checked.value.ins;
  const dept = v.slice(5, 7);
  const commune = v.slice(7, 10);
  const abroad = dept === '99';
  return {
    gender: Number(v[0]) % 2 === 1 ? 'male' : 'female',
    year2: v.slice(1, 3),
    month: v.slice(3, 5),
    birthplace: abroad ? '' : `${dept}${commune}`,
    birthcountry: abroad ? `99${commune}` : FRANCE,
  };
}

/**
 * A directory whose source is given later: FranceConnect starts before the service whose people
 * it lists (Mon Espace Santé's pages need FranceConnect's issuer). Empty until bound.
 */
export function deferredCitizens(): CitizenDirectory & { bind(source: CitizenDirectory): void } {
  let source: CitizenDirectory | undefined;
  return {
    list: async (limit) => (source ? source.list(limit) : []),
    find: async (id) => source?.find(id),
    bind: (s) => {
      source = s;
    },
  };
}

/** A directory over a fixed list (the built-in citizens, or a test's). */
export function staticCitizens(citizens: readonly Citizen[]): CitizenDirectory {
  const byId = new Map(citizens.map((c) => [c.id, c]));
  return {
    list: async (limit) => citizens.slice(0, limit),
    find: async (id) => byId.get(id),
  };
}

/**
 * The built-in accounts: the patient of story 3 and the secretary of story 2 (domain reference
 * §12), and a few synthetic citizens that exercise the formats (several first names, a usage
 * name, born in Corsica, born abroad). Their ids are their INS, whose traits they agree with.
 */
export const DEMO_CITIZENS: readonly Citizen[] = [
  {
    id: '279035121518989',
    givenName: 'Dominique Marie',
    familyName: 'PAT-TROIS',
    birthdate: '1979-03-21',
    gender: 'female',
    birthplace: '51215',
    birthcountry: FRANCE,
  },
  {
    id: '291077511300725',
    givenName: 'Julie Marie',
    familyName: 'BERNARD',
    birthdate: '1991-07-04',
    gender: 'female',
    birthplace: '75113',
    birthcountry: FRANCE,
  },
  {
    id: '168126938800385',
    givenName: 'Jean-Pierre Louis',
    familyName: 'MOREAU',
    birthdate: '1968-12-23',
    gender: 'male',
    birthplace: '69388',
    birthcountry: FRANCE,
  },
  {
    id: '285062A00412322',
    givenName: 'Marie-Ange',
    familyName: 'SANTONI',
    usageName: 'LEANDRI',
    birthdate: '1985-06-30',
    gender: 'female',
    birthplace: '2A004',
    birthcountry: FRANCE,
  },
  {
    id: '190059935200140',
    givenName: 'Karim',
    familyName: 'BENALI',
    birthdate: '1990-05-17',
    gender: 'male',
    birthplace: '',
    birthcountry: '99352',
  },
];
