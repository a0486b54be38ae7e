import type { DirectoryData } from '../directory/data.ts';
import { FHIR_ID, idnatOfPractitionerId } from '../fhir/ids.ts';
import { FhirError, invalid } from '../fhir/outcome.ts';
import { search, type SearchableType } from '../fhir/search.ts';
import type { FeedTarget } from './writer.ts';

/** The resource `PATCH [base]/{type}/{id}` names; 404 when the directory does not know it. */
export async function targetById(data: DirectoryData, type: SearchableType, id: string): Promise<FeedTarget> {
  if (!FHIR_ID.test(id)) throw invalid(`"${id}" is not a FHIR id ([A-Za-z0-9.-]{1,64})`);
  const missing = () => new FhirError(404, 'not-found', `${type}/${id} is not known to the directory`);
  if (type === 'Practitioner') {
    const [person] = await data.persons([idnatOfPractitionerId(id)]);
    if (!person) throw missing();
    return { resourceType: type, id, ownerIdnat: person.idnat, situationId: null };
  }
  if (type === 'Organization') {
    const [structure] = await data.structures([id]);
    if (!structure) throw missing();
    return { resourceType: type, id, ownerIdnat: structure.idnat, situationId: null };
  }
  const [situation] = await data.searchSituations({ id: [[id]] }, { limit: 1 });
  if (!situation) throw missing();
  return { resourceType: type, id, ownerIdnat: situation.person_idnat, situationId: situation.id };
}

/**
 * Conditional PATCH (`PATCH [base]/{type}?identifier=system|value`): the one resource the
 * business identifier names, found by the same search the read API runs; 412 when several
 * match (the writer must be more precise), 404 when none does.
 */
export async function targetByIdentifier(
  data: DirectoryData,
  type: SearchableType,
  query: URLSearchParams,
  now: () => Date,
): Promise<FeedTarget> {
  const names = [...new Set(query.keys())];
  if (names.length !== 1 || names[0] !== 'identifier' || query.getAll('identifier').length !== 1) {
    throw invalid(
      `a conditional PATCH names its target with one identifier parameter only (${type}?identifier=<system>|<value>), got ${names.join(', ') || 'none'}`,
    );
  }
  const identifier = query.get('identifier')!;
  const params = new URLSearchParams({ identifier, _count: '2', _total: 'none', _elements: 'identifier' });
  const bundle = (await search({ data, base: '', now }, type, params)) as {
    entry?: { resource: { id: string }; search: { mode: string } }[];
  };
  const ids = (bundle.entry ?? []).filter((e) => e.search.mode === 'match').map((e) => e.resource.id);
  if (ids.length === 0) throw new FhirError(404, 'not-found', `no ${type} has the identifier ${identifier}`);
  if (ids.length > 1)
    throw new FhirError(
      412,
      'processing',
      `several ${type} resources have the identifier ${identifier} (${ids.join(', ')}): give a system, or PATCH one by id`,
    );
  return targetById(data, type, ids[0]!);
}
