// The birth place a NIR carries (département and commune, digits 6 to 10), drawn for the synthetic
// patients of the directory and of Mon Espace Santé alike. Each caller draws the rest of the NIR
// (sex, dates, serial) in its own order: this draws only the place, always in the same order
// from the stream, so that the seeded data stays the same.

import type { City } from './data/places.ts';
import { pad } from './ids.ts';
import type { Rng } from './prng.ts';

/** Country codes (INSEE "99xxx") for people born abroad: Morocco, Tunisia, Algeria, Portugal, Spain, Italy, Belgium, Germany. */
const BIRTH_COUNTRIES = ['350', '351', '352', '139', '134', '127', '131', '109'];

/**
 * About 5 % born abroad, then 6 % in Corsica — over-represented on purpose: letters in a number
 * (2A, 2B) are what breaks parsers; Corsica was one département, 20, until 1976, so someone born
 * there before says 20 — and the rest in a city `pickCity` draws, as it is (a city of Corsica
 * included: the directory's caller applies the 1976 rule to it, the patients' generator never
 * did, and its seeded patients stay as they are). Overseas départements (971–976) keep "97" and
 * move their third digit into the commune.
 */
export function drawBirthPlace(rng: Rng, year: number, pickCity: () => City): { dept: string; commune: string } {
  if (rng.chance(0.05)) return { dept: '99', commune: rng.pick(BIRTH_COUNTRIES) };
  if (rng.chance(0.06)) return { dept: year < 1976 ? '20' : rng.chance(0.5) ? '2A' : '2B', commune: pad(1 + rng.int(366), 3) };
  const dept = pickCity().departement;
  const commune = pad(1 + rng.int(899), 3);
  if (dept.length === 3) return { dept: '97', commune: dept[2] + pad(rng.int(100), 2) };
  return { dept, commune };
}
