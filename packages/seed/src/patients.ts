// The patients of the Mon Espace Santé stand-in: the demo patient of story 3 and a deterministic
// synthetic population, each with the identity traits of the INS referential (birth name, first
// names, birth date, sex, birth place code) consistent with their INS: the NIR's sex digit, year
// and month of birth, and birth place (département and commune, or 99 and a country abroad).

import { CITIES } from './data/places.ts';
import { FEMALE_FIRST_NAMES, LAST_NAMES, MALE_FIRST_NAMES } from './data/names.ts';
import { insFromNir, pad } from './ids.ts';
import { createRng } from './prng.ts';
import { drawBirthPlace } from './birth-place.ts';
import { PERSONA_PATIENT_INS } from './personas.ts';

export interface SeedPatient {
  ins: string;
  birthName: string;
  /** Nom d'usage (a married name, say), when it differs from the birth name. */
  usedName: string | null;
  /** Every first name, in order, as the INS referential lists them. */
  firstNames: string[];
  usedFirstName: string;
  /** YYYY-MM-DD. */
  birthDate: string;
  sex: 'F' | 'M';
  /** INSEE code of the birth commune (5 characters: 2A004…), or 99 + the country's code. */
  birthPlace: string;
  /** Whether the patient's MES (and so their mailbox) is active; a closed one refuses mail. */
  active: boolean;
}

/** A second demo patient whose Mon Espace Santé is closed (mail to them is refused: 550 5.1.1). */
export const PERSONA_PATIENT_CLOSED_INS = insFromNir('1850775056123');

/** Story 3's patient, and one whose MES is closed. */
export function demoPatients(): SeedPatient[] {
  return [
    {
      ins: PERSONA_PATIENT_INS,
      birthName: 'Pat-Trois',
      usedName: null,
      firstNames: ['Dominique', 'Marie'],
      usedFirstName: 'Dominique',
      // 2 79 03 51 215 189: a woman born in March 1979 in the Marne (51), commune 215.
      birthDate: '1979-03-21',
      sex: 'F',
      birthPlace: '51215',
      active: true,
    },
    {
      ins: PERSONA_PATIENT_CLOSED_INS,
      birthName: 'Ferme',
      usedName: null,
      firstNames: ['Camille'],
      usedFirstName: 'Camille',
      birthDate: '1985-07-12',
      sex: 'M',
      birthPlace: '75056',
      active: false,
    },
  ];
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * `count` synthetic patients, the same for the same seed, never one of the demo patients'
 * NIRs. About 5 % were born abroad, 6 % in Corsica (whose 2A/2B letters break naive parsers),
 * 15 % of women carry a used name, 3 % of patients have closed their MES.
 */
export function generatePatients(opts: { seed: number; count: number }): SeedPatient[] {
  if (!Number.isSafeInteger(opts.count) || opts.count < 0) throw new RangeError('generatePatients: count must be a non-negative integer');
  const rng = createRng(opts.seed ^ 0x4d4553); // "MES": a stream apart from the directory's
  const used = new Set(demoPatients().map((p) => p.ins.slice(0, 13)));
  const out: SeedPatient[] = [];
  while (out.length < opts.count) {
    const female = rng.chance(0.5);
    const year = 1930 + rng.int(91);
    const month = 1 + rng.int(12);
    const day = 1 + rng.int(DAYS_IN_MONTH[month - 1]!);
    const { dept, commune } = drawBirthPlace(rng, year, () => rng.pick(CITIES));
    const nir = (female ? '2' : '1') + pad(year % 100, 2) + pad(month, 2) + dept + commune + pad(1 + rng.int(999), 3);
    if (used.has(nir)) continue;
    used.add(nir);
    const names = female ? FEMALE_FIRST_NAMES : MALE_FIRST_NAMES;
    const firstNames = [rng.pick(names)];
    while (firstNames.length < 3 && rng.chance(0.4)) {
      const next = rng.pick(names);
      if (!firstNames.includes(next)) firstNames.push(next);
    }
    const birthName = rng.pick(LAST_NAMES);
    out.push({
      ins: insFromNir(nir),
      birthName,
      usedName: female && rng.chance(0.15) ? rng.pick(LAST_NAMES) : null,
      firstNames,
      usedFirstName: firstNames[0]!,
      birthDate: `${year}-${pad(month, 2)}-${pad(day, 2)}`,
      sex: female ? 'F' : 'M',
      // The INSEE code of a commune abroad is 99 and the country; in Corsica before 1976, 20 stays.
      birthPlace: dept + commune,
      active: !rng.chance(0.03),
    });
  }
  return out;
}
