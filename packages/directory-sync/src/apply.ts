import type { NewPerson, NewSituation, NewStructure, Repositories } from '@mss/store';
import { personFromPractitioner, situationFromRole, structureFromOrganization } from './mapping.ts';

export interface Applied {
  /** Feed entries read. */
  entries: number;
  /** Rows written because they were new or differed (a change seen twice writes nothing the second time). */
  rowsChanged: number;
  /** Entries that could not be mapped or referred to what the operator does not know (logged by the caller). */
  skipped: { resource: string; why: string }[];
  /** Persons whose record or situations changed: whose delegations the consequences look at. */
  persons: Set<string>;
}

const PERSON_FIELDS = [
  'kind',
  'id_type',
  'rpps',
  'civility',
  'last_name',
  'first_name',
  'profession_code',
  'profession_label',
  'category_code',
  'speciality_code',
  'speciality_label',
] as const;
const STRUCTURE_FIELDS = ['id_type', 'finess', 'siret', 'name', 'sector_code', 'street', 'postal_code', 'city', 'departement'] as const;
const SITUATION_FIELDS = [
  'person_idnat',
  'structure_idnat',
  'practice_name',
  'mode',
  'role_label',
  'street',
  'postal_code',
  'city',
  'departement',
  'start_date',
  'end_date',
  'employer_idnat',
] as const;

function differs<T extends object>(fields: readonly (keyof T)[], next: T, current: T | undefined): boolean {
  if (!current) return true;
  return fields.some((f) => (next[f] ?? null) !== (current[f] ?? null));
}

/**
 * Writes one page of the feed into the operator's copy, in the caller's transaction: persons and
 * structures first, then situations (which refer to them), whatever the order of the page. Only
 * rows that are new or differ are written, so applying a page again changes nothing.
 */
export async function applyEntries(tx: Repositories, entries: readonly Record<string, unknown>[]): Promise<Applied> {
  const out: Applied = { entries: entries.length, rowsChanged: 0, skipped: [], persons: new Set() };
  const persons = new Map<string, NewPerson>();
  const structures = new Map<string, NewStructure>();
  const situations = new Map<string, NewSituation>();
  for (const r of entries) {
    const name = `${String(r.resourceType)}/${String(r.id)}`;
    const row =
      r.resourceType === 'Practitioner'
        ? personFromPractitioner(r)
        : r.resourceType === 'Organization'
          ? structureFromOrganization(r)
          : r.resourceType === 'PractitionerRole'
            ? situationFromRole(r)
            : undefined;
    if (!row) {
      out.skipped.push({ resource: name, why: 'not a resource of the change feed, or incomplete' });
      continue;
    }
    if (r.resourceType === 'Practitioner') persons.set((row as NewPerson).idnat, row as NewPerson);
    else if (r.resourceType === 'Organization') structures.set((row as NewStructure).idnat, row as NewStructure);
    else situations.set((row as NewSituation).id, row as NewSituation);
  }

  const knownPersons = new Map((await tx.directory.persons([...persons.keys()])).map((p) => [p.idnat, p]));
  const changedPersons = [...persons.values()].filter((p) => differs(PERSON_FIELDS, p, knownPersons.get(p.idnat)));
  await tx.directory.upsertPersons(changedPersons);
  for (const p of changedPersons) out.persons.add(p.idnat);

  const knownStructures = new Map((await tx.directory.structures([...structures.keys()])).map((s) => [s.idnat, s]));
  const changedStructures = [...structures.values()].filter((s) => differs(STRUCTURE_FIELDS, s, knownStructures.get(s.idnat)));
  await tx.directory.upsertStructures(changedStructures);

  const knownSituations = new Map((await tx.directory.situationsById([...situations.keys()])).map((s) => [s.id, s]));
  const changedSituations: NewSituation[] = [];
  for (const s of situations.values()) {
    if (!differs(SITUATION_FIELDS, s as Required<NewSituation>, knownSituations.get(s.id) as Required<NewSituation> | undefined)) continue;
    // A reference the operator cannot resolve would break the page for good: left out and reported.
    if (!(await tx.directory.person(s.person_idnat))) {
      out.skipped.push({ resource: `PractitionerRole/${s.id}`, why: `its person ${s.person_idnat} is unknown` });
      continue;
    }
    if (s.structure_idnat && !(await tx.directory.structure(s.structure_idnat))) {
      out.skipped.push({ resource: `PractitionerRole/${s.id}`, why: `its structure ${s.structure_idnat} is unknown` });
      continue;
    }
    changedSituations.push(s);
    out.persons.add(s.person_idnat);
  }
  await tx.directory.upsertSituations(changedSituations);
  out.rowsChanged = changedPersons.length + changedStructures.length + changedSituations.length;
  return out;
}
