import type { DirectoryMailbox, Person, Situation, Structure } from '../directory/data.ts';
import { practitionerId } from './ids.ts';
import {
  ADELI_SYSTEM,
  BAL_TYPE_SYSTEM,
  CATEGORY_SYSTEM,
  EMAIL_TYPE_EXTENSION,
  EMAIL_TYPE_SYSTEM,
  FINESS_SYSTEM,
  IDENTIFIER_TYPE_SYSTEM,
  IDNPS_SYSTEM,
  IDNST_SYSTEM,
  MAILBOX_METADATA_EXTENSION,
  MODE_SYSTEM,
  PROFESSION_SYSTEM,
  RPPS_SYSTEM,
  SECTOR_SYSTEM,
  SIRENE_SYSTEM,
  SPECIALITY_SYSTEM,
  SUBSETTED_SYSTEM,
  TECHNICAL_SYSTEM,
} from './systems.ts';

export type Resource = Record<string, unknown> & { resourceType: string; id: string };

function identifier(typeCode: string, system: string, value: string): Record<string, unknown> {
  return { use: 'official', type: { coding: [{ system: IDENTIFIER_TYPE_SYSTEM, code: typeCode }] }, system, value };
}

/**
 * A mailbox as the v2 API shows it (profile as-mailbox-mss): an `email` ContactPoint with the
 * MSSANTE e-mail type and the mailbox metadata extension (type, description, service,
 * digitization). `responsible` is not published in open access and liste rouge mailboxes never
 * get here; `rank` marks the mailbox a resolution chose.
 */
export function mailboxTelecom(m: DirectoryMailbox, rank?: number): Record<string, unknown> {
  const meta: Record<string, unknown>[] = [{ url: 'type', valueCodeableConcept: { coding: [{ system: BAL_TYPE_SYSTEM, code: m.type }] } }];
  if (m.type !== 'PER' && m.description) meta.push({ url: 'description', valueString: m.description });
  if ((m.type === 'ORG' || m.type === 'APP') && m.service) meta.push({ url: 'service', valueString: m.service });
  meta.push({ url: 'digitization', valueBoolean: m.digitization === 1 });
  return {
    system: 'email',
    value: m.address,
    ...(rank === undefined ? {} : { rank }),
    extension: [
      { url: EMAIL_TYPE_EXTENSION, valueCoding: { system: EMAIL_TYPE_SYSTEM, code: 'MSSANTE' } },
      { url: MAILBOX_METADATA_EXTENSION, extension: meta },
    ],
  };
}

function lastUpdated(own: string, mailboxChange: string | undefined): string {
  return mailboxChange !== undefined && mailboxChange > own ? mailboxChange : own;
}

export function personIdentifiers(p: Person): Record<string, unknown>[] {
  const ids = [identifier('IDNPS', IDNPS_SYSTEM, p.idnat)];
  if (p.rpps) ids.push(identifier('RPPS', RPPS_SYSTEM, p.rpps));
  else if (p.id_type === 'ADELI' && p.idnat.startsWith('0')) ids.push(identifier('ADELI', ADELI_SYSTEM, p.idnat.slice(1)));
  return ids;
}

/**
 * Practitioner: the person's exercise identity and every published PER and CAB mailbox they hold
 * (a CAB on its owner only, R-CAB-6). Never a phone number: the directory has none to give (R-ANN-3).
 */
export function practitionerResource(p: Person, mailboxes: readonly DirectoryMailbox[], mailboxChange: string | undefined): Resource {
  const qualification: Record<string, unknown>[] = [];
  const coding = (system: string, code: string | null, display: string | null) =>
    code ? [{ code: { coding: [{ system, code, ...(display ? { display } : {}) }] } }] : [];
  qualification.push(...coding(PROFESSION_SYSTEM, p.profession_code, p.profession_label));
  qualification.push(...coding(CATEGORY_SYSTEM, p.category_code, null));
  qualification.push(...coding(SPECIALITY_SYSTEM, p.speciality_code, p.speciality_label));
  const name: Record<string, unknown> = { family: p.last_name, given: [p.first_name] };
  if (p.civility) name.prefix = [p.civility];
  if (p.profession_code === '10') name.suffix = ['DR'];
  const telecom = mailboxes
    .filter((m) => m.owner_idnat === p.idnat && (m.type === 'PER' || m.type === 'CAB'))
    .map((m) => mailboxTelecom(m));
  return {
    resourceType: 'Practitioner',
    id: practitionerId(p.idnat),
    meta: { lastUpdated: lastUpdated(p.updated_at, mailboxChange) },
    identifier: personIdentifiers(p),
    active: true,
    name: [name],
    ...(telecom.length ? { telecom } : {}),
    ...(qualification.length ? { qualification } : {}),
  };
}

export function situationIsActive(s: Situation, today: string): boolean {
  return s.end_date === null || s.end_date > today;
}

/** Where a situation is exercised, for people reading the role (PractitionerRole has no address). */
export function situationPlace(s: Situation, structure: Structure | undefined): string {
  const name = structure?.name ?? s.practice_name;
  return [name, s.street, `${s.postal_code} ${s.city}`].filter(Boolean).join(', ');
}

/**
 * PractitionerRole: one situation d'exercice. Its telecom holds the mailboxes attached to it and
 * the person's mailboxes attached to no situation, which R-ANN-1 shows on every situation. An
 * ended situation only shows its id, identifier and `active: false`, as the v2 API does.
 */
export function roleResource(
  s: Situation,
  person: Person | undefined,
  structure: Structure | undefined,
  mailboxes: readonly DirectoryMailbox[],
  mailboxChange: string | undefined,
  today: string,
  chosen?: string,
): Resource {
  const base: Resource = {
    resourceType: 'PractitionerRole',
    id: s.id,
    meta: { lastUpdated: lastUpdated(person?.updated_at ?? '', mailboxChange) },
    identifier: [{ use: 'official', system: TECHNICAL_SYSTEM, value: s.id }],
  };
  if (!situationIsActive(s, today) || !person) return { ...base, active: false };
  const telecom = mailboxes
    .filter(
      (m) =>
        m.owner_idnat === s.person_idnat && (m.type === 'PER' || m.type === 'CAB') && (m.situation_id === s.id || m.situation_id === null),
    )
    .map((m) => mailboxTelecom(m, chosen === undefined ? undefined : m.address === chosen ? 1 : 2));
  return {
    ...base,
    active: true,
    period: { start: s.start_date, ...(s.end_date ? { end: s.end_date } : {}) },
    practitioner: { reference: `Practitioner/${practitionerId(s.person_idnat)}`, display: `${person.first_name} ${person.last_name}` },
    ...(s.structure_idnat
      ? { organization: { reference: `Organization/${s.structure_idnat}`, ...(structure ? { display: structure.name } : {}) } }
      : {}),
    code: [{ coding: [{ system: MODE_SYSTEM, code: s.mode }], ...(s.role_label ? { text: s.role_label } : {}) }],
    location: [{ display: situationPlace(s, structure) }],
    ...(telecom.length ? { telecom } : {}),
  };
}

export function structureIdentifiers(st: Structure): Record<string, unknown>[] {
  const ids = [identifier('IDNST', IDNST_SYSTEM, st.idnat)];
  if (st.finess) ids.push(identifier('FINEG', FINESS_SYSTEM, st.finess));
  if (st.siret) ids.push(identifier('SIRET', SIRENE_SYSTEM, st.siret));
  return ids;
}

/** Organization: a structure and its published ORG and APP mailboxes. */
export function organizationResource(st: Structure, mailboxes: readonly DirectoryMailbox[], mailboxChange: string | undefined): Resource {
  const telecom = mailboxes
    .filter((m) => m.owner_idnat === st.idnat && (m.type === 'ORG' || m.type === 'APP'))
    .map((m) => mailboxTelecom(m));
  return {
    resourceType: 'Organization',
    id: st.idnat,
    meta: { lastUpdated: lastUpdated(st.updated_at, mailboxChange) },
    identifier: structureIdentifiers(st),
    active: true,
    ...(st.sector_code ? { type: [{ coding: [{ system: SECTOR_SYSTEM, code: st.sector_code }] }] } : {}),
    name: st.name,
    ...(telecom.length ? { telecom } : {}),
    address: [{ use: 'work', line: [st.street], postalCode: st.postal_code, city: st.city, district: st.departement, country: 'FRA' }],
  };
}

const ALWAYS_KEPT = new Set(['resourceType', 'id', 'meta']);

/** `_elements`: the named top-level elements only, marked SUBSETTED (R4 §3.1.1.5.9). */
export function subset(r: Resource, elements: readonly string[]): Resource {
  const keep = new Set(elements);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (ALWAYS_KEPT.has(k) || keep.has(k)) out[k] = v;
  const meta = { ...(r.meta as Record<string, unknown>), tag: [{ system: SUBSETTED_SYSTEM, code: 'SUBSETTED' }] };
  return { ...(out as Resource), meta };
}
