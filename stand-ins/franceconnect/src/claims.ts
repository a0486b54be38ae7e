// FranceConnect's scopes and the claims each releases (its partner documentation, "scopes et
// claims"): one scope per claim, plus `profile`, `birth` and `identite_pivot` as groups. Since
// v2, `preferred_username` (the usage name) is no longer part of `identite_pivot`.

import type { Citizen } from './citizens.ts';

export const SCOPE_CLAIMS: Readonly<Record<string, readonly string[]>> = {
  openid: ['sub'],
  given_name: ['given_name'],
  family_name: ['family_name'],
  birthdate: ['birthdate'],
  gender: ['gender'],
  birthplace: ['birthplace'],
  birthcountry: ['birthcountry'],
  email: ['email'],
  preferred_username: ['preferred_username'],
  profile: ['family_name', 'given_name', 'preferred_username', 'gender', 'birthdate'],
  birth: ['birthplace', 'birthcountry'],
  identite_pivot: ['given_name', 'family_name', 'birthdate', 'gender', 'birthplace', 'birthcountry'],
};

export const SCOPES = Object.keys(SCOPE_CLAIMS);

/** What the identity provider asserts about a citizen; the provider keeps what the scopes allow. */
export function citizenClaims(c: Citizen): Record<string, string> {
  return {
    given_name: c.givenName,
    family_name: c.familyName,
    birthdate: c.birthdate,
    gender: c.gender,
    birthplace: c.birthplace,
    birthcountry: c.birthcountry,
    // A claim with no value is left out (OpenID Connect Core §5.3.2).
    ...(c.usageName ? { preferred_username: c.usageName } : {}),
    ...(c.email ? { email: c.email } : {}),
  };
}

/** French labels of the claims, for the page that tells the citizen what is transmitted. */
export const CLAIM_LABELS: Readonly<Record<string, string>> = {
  given_name: 'Prénoms',
  family_name: 'Nom de naissance',
  preferred_username: "Nom d'usage",
  birthdate: 'Date de naissance',
  gender: 'Sexe',
  birthplace: 'Lieu de naissance (code INSEE)',
  birthcountry: 'Pays de naissance (code INSEE)',
  email: 'Adresse électronique',
};

/** The claims the scopes of a request release, in the order the page lists them. */
export function claimsForScopes(scopes: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const s of scopes) for (const c of SCOPE_CLAIMS[s] ?? []) if (c !== 'sub') out.add(c);
  return Object.keys(CLAIM_LABELS).filter((c) => out.has(c));
}
