// PSC users and their claims, read from the operator's directory. PSC's real accounts are
// federated from the RPPS by Keycloak, which is why its `sub` reads `f:<uuid>:<IdNat>`; the
// uuid here is derived from the IdNat so that a person keeps the same `sub` across restarts
// and machines, as they do at the ANS.

import { createHash } from 'node:crypto';
import { checkIdNatPerson } from '@mss/domain';
import type { Person, Situation, Structure } from '@mss/store';

/**
 * Where PSC's accounts come from: the operator's directory (`store.directory` fits), optionally
 * with more persons behind it, such as those whose e-CPS the RPPS+ portal has activated.
 */
export interface PscDirectory {
  person(idnat: string): Promise<Person | undefined>;
  situationsOf(idnat: string, activeOn?: string): Promise<Situation[]>;
  structure(idnat: string): Promise<Structure | undefined>;
  personsWithRppsBelow(rppsBelow: string, limit?: number): Promise<Person[]>;
}

/** The first directory that knows a person answers for that person (persons, situations, structures). */
export function combinedDirectory(first: PscDirectory, more: PscDirectory | undefined): PscDirectory {
  if (!more) return first;
  const owner = async (idnat: string) => ((await first.person(idnat)) ? first : more);
  return {
    person: async (idnat) => (await first.person(idnat)) ?? (await more.person(idnat)),
    situationsOf: async (idnat, activeOn) => (await owner(idnat)).situationsOf(idnat, activeOn),
    structure: async (idnat) => (await first.structure(idnat)) ?? (await more.structure(idnat)),
    personsWithRppsBelow: (rppsBelow, limit) => first.personsWithRppsBelow(rppsBelow, limit),
  };
}

/** Name-based (v5) uuids need a namespace of their own: this one was drawn once for the stand-in. */
const SUB_NAMESPACE = Buffer.from('3f0c9a5e6b2d4c71a8e45d19b7c2f604', 'hex');

/** RFC 9562 §5.5: SHA-1 over namespace + name, version and variant bits set. */
function uuidV5(name: string): string {
  const h = createHash('sha1').update(SUB_NAMESPACE).update(name, 'utf8').digest();
  h[6] = ((h[6] as number) & 0x0f) | 0x50;
  h[8] = ((h[8] as number) & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function subFor(idnat: string): string {
  return `f:${uuidV5(idnat)}:${idnat}`;
}

/** The IdNat inside a `sub` we minted, or undefined for anything else (a forged uuid included). */
export function idnatFromSub(sub: string): string | undefined {
  const m = /^f:([0-9a-f-]{36}):(.+)$/.exec(sub);
  if (!m) return undefined;
  const idnat = m[2] as string;
  return uuidV5(idnat) === m[1] ? idnat : undefined;
}

export type LoginCheck = { ok: true; person: Person } | { ok: false; reason: string };

/**
 * Whether this IdNat may log in: a well-formed person IdNat (RPPS, ADELI, FINESS staff) of a
 * person in the directory who is not a patient. Patients use Mon Espace Santé, never PSC.
 */
export async function checkLogin(directory: PscDirectory, input: string): Promise<LoginCheck> {
  const checked = checkIdNatPerson(input.trim());
  if (!checked.ok) return { ok: false, reason: checked.error.message };
  const person = await directory.person(checked.value.idnat);
  if (!person) return { ok: false, reason: `IdNat ${checked.value.idnat} is not known to Pro Santé Connect` };
  if (person.kind === 'PATIENT') return { ok: false, reason: `IdNat ${checked.value.idnat} is not a health professional account` };
  return { ok: true, person };
}

export async function pscUser(directory: PscDirectory, idnat: string): Promise<Person | undefined> {
  const r = await checkLogin(directory, idnat);
  return r.ok ? r.person : undefined;
}

/**
 * The people the login page offers in one click: the demo personas. They are the persons whose
 * RPPS sequence is below the synthetic directory's first one (1000100000, i.e. RPPS below
 * 10001000000).
 */
export async function loginPersonas(directory: PscDirectory): Promise<Person[]> {
  return directory.personsWithRppsBelow('10001000000', 50);
}

/** Claims grouped by the scope that releases them; `sub` comes with `openid` by definition. */
export const SCOPE_CLAIMS: Readonly<Record<string, readonly string[]>> = {
  openid: ['sub', 'SubjectNameID', 'preferred_username'],
  profile: ['given_name', 'family_name', 'preferred_username'],
  scope_all: [
    'SubjectNameID',
    'preferred_username',
    'given_name',
    'family_name',
    'email_verified',
    'SubjectRefPro',
    'otherIds',
    'SubjectRole',
    'Secteur_Activite',
    'SubjectOrganization',
    'SubjectOrganizationID',
    'PSI_Locale',
    'Palier_Authentification',
    'Acces_Regulation_Medicale',
    'UITVersion',
  ],
};

export function claimsForScopes(scopes: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const s of scopes) for (const c of SCOPE_CLAIMS[s] ?? []) out.add(c);
  return out;
}

/** TRE_R11 "Docteur" is the civilité d'exercice of doctors, dentists and pharmacists. */
const DOCTOR_TITLE_PROFESSIONS = new Set(['10', '21', '40']);
const OID_PROFESSION = '1.2.250.1.213.1.1.5.5';
const OID_SECTEUR = '1.2.250.1.71.4.2.4';

function splitStreet(street: string): { numeroVoie: string; libelleVoie: string } {
  const m = /^(\d+)\s*(?:bis|ter)?\s+(.*)$/i.exec(street.trim());
  return m ? { numeroVoie: m[1] as string, libelleVoie: m[2] as string } : { numeroVoie: '', libelleVoie: street.trim() };
}

/** One `activities` entry of PSC's SubjectRefPro, from a situation d'exercice. */
function activity(s: Situation, structure: Structure | undefined): Record<string, string> {
  const siret = structure?.siret ?? '';
  const { numeroVoie, libelleVoie } = splitStreet(s.street);
  return {
    codeModeExercice: s.mode,
    codeSecteurDactivite: structure?.sector_code ?? '',
    codeSectionPharmacien: '',
    codeRole: '',
    codeGenreActivite: 'GENR01',
    numeroSiretSite: siret,
    numeroSirenSite: siret ? siret.slice(0, 9) : '',
    numeroFinessSite: structure?.finess ?? '',
    numeroFinessetablissementJuridique: '',
    identifiantTechniqueDeLaStructure: structure?.idnat ?? s.id,
    raisonSocialeSite: structure?.name ?? s.practice_name ?? '',
    enseigneCommercialeSite: '',
    complementDestinataire: '',
    complementPointGeographique: '',
    numeroVoie,
    indiceRepetitionVoie: '',
    codeTypeDeVoie: '',
    libelleVoie,
    mentionDistribution: '',
    bureauCedex: `${s.postal_code} ${s.city.toUpperCase()}`,
    codePostal: s.postal_code,
    codeCommune: '',
    codePays: '',
    telephone: '',
    telephone2: '',
    telecopie: '',
    adresseEMail: '',
    codeDepartement: s.departement,
    ancienIdentifiantDeLaStructure: '',
    autoriteDenregistrement: '',
  };
}

/**
 * Everything PSC's userinfo says about a person (formats-notes §6.3), or undefined when the
 * IdNat is no PSC user. Situations are those not ended on `today` (YYYY-MM-DD); fields PSC has
 * and the directory does not (telephones, INSEE commune code…) are empty strings, as PSC
 * sends them.
 */
export async function pscClaims(directory: PscDirectory, idnat: string, today: string): Promise<Record<string, unknown> | undefined> {
  const person = await pscUser(directory, idnat);
  if (!person) return undefined;
  const situations = await directory.situationsOf(idnat, today);
  const structures = new Map<string, Structure | undefined>();
  for (const s of situations) {
    if (s.structure_idnat && !structures.has(s.structure_idnat))
      structures.set(s.structure_idnat, await directory.structure(s.structure_idnat));
  }
  const activities = situations.map((s) => activity(s, s.structure_idnat ? structures.get(s.structure_idnat) : undefined));
  const first = activities[0];
  const profession = person.profession_code ?? '';
  const claims: Record<string, unknown> = {
    sub: subFor(idnat),
    SubjectNameID: idnat,
    preferred_username: idnat,
    given_name: person.first_name,
    family_name: person.last_name,
    email_verified: false,
    SubjectRefPro: {
      codeCivilite: person.civility ?? '',
      exercices: [
        {
          codeProfession: profession,
          codeCategorieProfessionnelle: person.category_code ?? '',
          codeCiviliteDexercice: DOCTOR_TITLE_PROFESSIONS.has(profession) ? 'DR' : '',
          nomDexercice: person.last_name,
          prenomDexercice: person.first_name,
          codeTypeSavoirFaire: person.speciality_code ? 'S' : '',
          codeSavoirFaire: person.speciality_code ?? '',
          activities,
        },
      ],
    },
    otherIds: [{ identifiant: idnat, origine: person.id_type === 'RPPS' ? 'RPPS' : person.id_type, qualite: 1 }],
    SubjectRole: profession ? [`${profession}^${OID_PROFESSION}`] : [],
    PSI_Locale: '1.2.250.1.213.1.3.1.1',
    Palier_Authentification: 'APPPRIP3^1.2.250.1.213.1.5.1.1.1',
    Acces_Regulation_Medicale: 'FAUX',
    UITVersion: '1.0',
  };
  if (first) {
    if (first.codeSecteurDactivite) claims.Secteur_Activite = `${first.codeSecteurDactivite}^${OID_SECTEUR}`;
    if (first.raisonSocialeSite) claims.SubjectOrganization = first.raisonSocialeSite;
    claims.SubjectOrganizationID = first.identifiantTechniqueDeLaStructure;
  }
  return claims;
}

export function personLabel(p: Person): string {
  return `${p.first_name} ${p.last_name}`;
}
