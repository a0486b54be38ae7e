import {
  CATEGORY_SYSTEM,
  EMPLOYER_EXTENSION,
  FINESS_SYSTEM,
  IDNPS_SYSTEM,
  MODE_SYSTEM,
  PERSON_KIND_EXTENSION,
  PROFESSION_SYSTEM,
  RPPS_SYSTEM,
  SECTOR_SYSTEM,
  SIRENE_SYSTEM,
  SPECIALITY_SYSTEM,
} from '@mss/domain';
import type { NewPerson, NewSituation, NewStructure } from '@mss/store';

// The change feed's resources (stand-ins/annuaire README, "Change feed") read back into the
// operator's rows. A resource that lacks what a row needs is not mapped (undefined): the caller
// counts and logs it, and the rest of the page goes on.

type Json = Record<string, unknown>;
interface Coding {
  system?: string;
  code?: string;
  display?: string;
}

const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

function identifierValue(r: Json, system: string): string | null {
  return str(arr(r.identifier).find((i) => i.system === system)?.value);
}

function idOfReference(ref: unknown, type: string): string | null {
  const reference = str((ref as Json | undefined)?.reference);
  if (!reference?.startsWith(`${type}/`)) return null;
  return reference.slice(type.length + 1).replaceAll('.', '/');
}

const PERSON_KINDS = new Set(['PS', 'SECRETARY', 'MEDICAL_ASSISTANT']);

export function personFromPractitioner(r: Json): NewPerson | undefined {
  const idnat = identifierValue(r, IDNPS_SYSTEM) ?? (typeof r.id === 'string' ? r.id.replaceAll('.', '/') : null);
  const name = arr(r.name)[0];
  const family = str(name?.family);
  if (!idnat || !family) return undefined;
  const kindCode = str(arr(r.extension).find((e) => e.url === PERSON_KIND_EXTENSION)?.valueCode);
  const codings = arr(r.qualification).map((q) => (q.code ?? {}) as Json);
  const coded = (system: string) =>
    codings.flatMap((c) => arr(c.coding) as Coding[]).find((c) => c.system === system && typeof c.code === 'string');
  const profession = coded(PROFESSION_SYSTEM);
  const speciality = coded(SPECIALITY_SYSTEM);
  const professionText = str(codings.find((c) => arr(c.coding).length === 0)?.text);
  return {
    idnat,
    kind: kindCode && PERSON_KINDS.has(kindCode) ? (kindCode as NewPerson['kind']) : 'PS',
    id_type: idnat.startsWith('0') ? 'ADELI' : idnat.startsWith('3') ? 'FINESS_STAFF' : 'RPPS',
    rpps: identifierValue(r, RPPS_SYSTEM),
    civility: str(arr(name?.prefix as unknown)[0] as unknown),
    last_name: family,
    first_name: str(arr(name?.given as unknown)[0] as unknown) ?? '',
    profession_code: profession?.code ?? null,
    profession_label: profession?.display ?? professionText,
    category_code: coded(CATEGORY_SYSTEM)?.code ?? null,
    speciality_code: speciality?.code ?? null,
    speciality_label: speciality?.display ?? null,
  };
}

export function structureFromOrganization(r: Json): NewStructure | undefined {
  const idnat = str(r.id);
  const name = str(r.name);
  const address = arr(r.address)[0];
  if (!idnat || !name || !address) return undefined;
  const sector = arr(r.type)
    .flatMap((t) => arr(t.coding) as Coding[])
    .find((c) => c.system === SECTOR_SYSTEM);
  return {
    idnat,
    id_type: idnat.startsWith('1') ? 'FINESS' : idnat.startsWith('2') ? 'SIREN' : 'SIRET',
    finess: identifierValue(r, FINESS_SYSTEM),
    siret: identifierValue(r, SIRENE_SYSTEM),
    name,
    sector_code: sector?.code ?? null,
    street: str(arr(address.line)[0] as unknown) ?? '',
    postal_code: str(address.postalCode) ?? '',
    city: str(address.city) ?? '',
    departement: str(address.district) ?? '',
  };
}

/** A situation from the feed's full PractitionerRole (period, contained place); undefined for the search API's bare ended form. */
export function situationFromRole(r: Json): NewSituation | undefined {
  const id = str(r.id);
  const period = r.period as Json | undefined;
  const start = str(period?.start);
  const person = idOfReference(r.practitioner, 'Practitioner');
  const place = arr(r.contained).find((c) => c.resourceType === 'Location');
  const address = place?.address as Json | undefined;
  if (!id || !start || !person || !address) return undefined;
  const code = arr(r.code)[0];
  const mode = (arr(code?.coding) as Coding[]).find((c) => c.system === MODE_SYSTEM)?.code;
  const employer = arr(r.extension).find((e) => e.url === EMPLOYER_EXTENSION)?.valueReference;
  return {
    id,
    person_idnat: person,
    structure_idnat: idOfReference(r.organization, 'Organization'),
    practice_name: str(place?.name),
    mode: mode === 'L' ? 'L' : 'S',
    role_label: str(code?.text),
    street: str(arr(address.line)[0] as unknown) ?? '',
    postal_code: str(address.postalCode) ?? '',
    city: str(address.city) ?? '',
    departement: str(address.district) ?? '',
    start_date: start,
    end_date: str(period?.end),
    employer_idnat: idOfReference(employer, 'Practitioner'),
  };
}
