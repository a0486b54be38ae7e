import { INCLUDES, SEARCH_PARAMS, SEARCHABLE_TYPES } from './search.ts';

const RESULT_PARAMS_DOC: Record<string, string> = {
  _count: 'page size, 50 by default, at most 1000',
  _total: 'none | estimate | accurate (default: accurate; none skips counting)',
  _elements: 'top-level elements to return (meta.tag SUBSETTED)',
  _cursor: "opaque paging cursor: follow the Bundle's next link",
};

/** The CapabilityStatement (`GET [base]/metadata`): what this stand-in serves, read-only. */
export function capabilityStatement(base: string, date: string): Record<string, unknown> {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    publisher: 'mss-operator (Annuaire Santé stand-in)',
    kind: 'instance',
    software: { name: 'mss-operator annuaire stand-in', version: '0.1.0' },
    implementation: { description: 'Annuaire Santé FHIR API v2, played locally', url: base },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        security: { description: 'Every request carries the header ESANTE-API-KEY (a sandbox key); 401 otherwise.' },
        resource: SEARCHABLE_TYPES.map((type) => ({
          type,
          interaction: [{ code: 'read' }, { code: 'search-type' }],
          searchInclude: INCLUDES[type].include,
          searchRevInclude: INCLUDES[type].revinclude,
          searchParam: [
            ...Object.entries(SEARCH_PARAMS[type]).map(([name, p]) => ({ name, type: p.type, documentation: p.documentation })),
            ...Object.entries(RESULT_PARAMS_DOC).map(([name, documentation]) => ({
              name,
              type: name === '_count' ? 'number' : name === '_cursor' ? 'string' : 'token',
              documentation,
            })),
          ],
        })),
      },
    ],
  };
}
