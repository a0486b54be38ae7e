import type { DirectoryData } from '../directory/data.ts';
import { FHIR_ID, idnatOfPractitionerId } from './ids.ts';
import { FhirError } from './outcome.ts';
import type { Resource } from './resources.ts';
import { renderOrganizations, renderPractitioners, renderRoles, type SearchableType } from './search.ts';

/** `GET [base]/{type}/{id}`: the unitary view of one professional, situation or structure. */
export async function readResource(data: DirectoryData, type: SearchableType, id: string, today: string): Promise<Resource> {
  if (!FHIR_ID.test(id)) throw new FhirError(400, 'invalid', `"${id}" is not a FHIR id ([A-Za-z0-9.-]{1,64})`);
  let found: Resource | undefined;
  if (type === 'Practitioner') [found] = await renderPractitioners(data, await data.persons([idnatOfPractitionerId(id)]));
  else if (type === 'Organization') [found] = await renderOrganizations(data, await data.structures([id]));
  else {
    const [situation] = await data.searchSituations({ id: [[id]] }, { limit: 1 });
    if (situation) [found] = await renderRoles(data, [situation], today);
  }
  if (!found) throw new FhirError(404, 'not-found', `${type}/${id} is not known to the directory`);
  return found;
}
