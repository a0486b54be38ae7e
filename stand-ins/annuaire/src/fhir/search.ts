import { randomUUID } from 'node:crypto';
import type {
  DirectoryData,
  Person,
  PractitionerSearch,
  Situation,
  SituationSearch,
  Structure,
  StructureSearch,
} from '../directory/data.ts';
import { resolveMailbox, ResolutionError } from '../resolve/resolver.ts';
import { decodeCursor, encodeCursor, searchScope } from './cursor.ts';
import { idnatOfPractitionerId } from './ids.ts';
import { FhirError, invalid, operationOutcome } from './outcome.ts';
import {
  DEFAULT_COUNT,
  RESULT_PARAMS,
  dateBounds,
  noModifier,
  rawParams,
  resultParam,
  stringValues,
  tokenValues,
  type RawParam,
  type ResultParams,
  type Token,
} from './params.ts';
import { organizationResource, practitionerResource, roleResource, subset, type Resource } from './resources.ts';
import {
  ADELI_SYSTEM,
  CATEGORY_SYSTEM,
  FINESS_SYSTEM,
  FINESS_SYSTEM_OLD,
  IDNPS_SYSTEM,
  IDNST_SYSTEM,
  PROFESSION_SYSTEM,
  RPPS_SYSTEM,
  SIRENE_SYSTEM,
  SPECIALITY_SYSTEM,
  TECHNICAL_SYSTEM,
} from './systems.ts';

export type SearchableType = 'Practitioner' | 'PractitionerRole' | 'Organization';
export const SEARCHABLE_TYPES: readonly SearchableType[] = ['Practitioner', 'PractitionerRole', 'Organization'];

/** `_revinclude` of an organization's roles is bounded: a hospital may have thousands. */
export const MAX_REVINCLUDE = 1000;

export const INCLUDES: Record<SearchableType, { include: string[]; revinclude: string[] }> = {
  Practitioner: { include: [], revinclude: ['PractitionerRole:practitioner'] },
  PractitionerRole: { include: ['PractitionerRole:practitioner', 'PractitionerRole:organization'], revinclude: [] },
  Organization: { include: [], revinclude: ['PractitionerRole:organization'] },
};

/** Search parameters per type (besides the result parameters), for the CapabilityStatement too. */
export const SEARCH_PARAMS: Record<SearchableType, Record<string, { type: string; documentation: string }>> = {
  Practitioner: {
    _id: { type: 'token', documentation: 'technical id (the IdNat, `/` written `.`)' },
    _lastUpdated: { type: 'date', documentation: 'the person or one of their mailboxes changed (eq, gt, ge, lt, le): the delta' },
    identifier: {
      type: 'token',
      documentation: `IdNat (${IDNPS_SYSTEM}), RPPS (${RPPS_SYSTEM}), ADELI (${ADELI_SYSTEM}); without system: IdNat or RPPS`,
    },
    family: { type: 'string', documentation: 'exercise family name; starts-with, case and accents ignored; :exact, :contains' },
    given: { type: 'string', documentation: 'exercise given name; :exact, :contains' },
    name: { type: 'string', documentation: 'family or given name; :exact, :contains' },
    'mailbox-mss': {
      type: 'string',
      documentation: 'a published PER/CAB mailbox address; starts-with, :exact (case-sensitive), :contains',
    },
    'qualification-code': { type: 'token', documentation: 'profession (TRE_G15), category (TRE_R09) or savoir-faire (TRE_R38) code' },
    'address-postalcode': {
      type: 'string',
      documentation:
        'postal code of one situation d’exercice of the practitioner (both tests on the same one); starts-with, so `93` is a département; :exact, :contains',
    },
    'address-city': {
      type: 'string',
      documentation:
        'commune of one situation d’exercice of the practitioner (both tests on the same one); starts-with, case and accents ignored; :exact, :contains',
    },
  },
  PractitionerRole: {
    _id: { type: 'token', documentation: "the situation d'exercice id" },
    _lastUpdated: { type: 'date', documentation: 'the person or one of their mailboxes changed' },
    identifier: { type: 'token', documentation: `situation id (${TECHNICAL_SYSTEM})` },
    practitioner: { type: 'reference', documentation: 'Practitioner/<id> or <id>' },
    organization: { type: 'reference', documentation: 'Organization/<id> or <id>' },
    family: { type: 'string', documentation: "the practitioner's family name" },
    given: { type: 'string', documentation: "the practitioner's given name" },
    name: { type: 'string', documentation: "the practitioner's family or given name" },
    'mailbox-mss': { type: 'string', documentation: 'a mailbox shown on the role (attached to it, or to no situation: R-ANN-1)' },
    'qualification-code': { type: 'token', documentation: "the practitioner's profession, category or savoir-faire code" },
    'address-postalcode': {
      type: 'string',
      documentation: 'postal code of the situation d’exercice; starts-with, so `93` is a département; :exact, :contains',
    },
    'address-city': {
      type: 'string',
      documentation: 'commune of the situation d’exercice; starts-with, case and accents ignored; :exact, :contains',
    },
    _query: {
      type: 'special',
      documentation: '`resolve-mailbox` with professional, structure, postal-code, city: the mailbox to use (R-ANN-4)',
    },
  },
  Organization: {
    _id: { type: 'token', documentation: 'technical id (the structure IdNat)' },
    _lastUpdated: { type: 'date', documentation: 'the structure or one of its mailboxes changed' },
    identifier: {
      type: 'token',
      documentation: `IdNat (${IDNST_SYSTEM}), FINESS (${FINESS_SYSTEM}), SIRET (${SIRENE_SYSTEM}); without system: any`,
    },
    name: { type: 'string', documentation: 'raison sociale; starts-with, :exact, :contains' },
    'mailbox-mss': { type: 'string', documentation: 'a published ORG/APP mailbox address' },
    'address-postalcode': {
      type: 'string',
      documentation: 'postal code of the structure; starts-with, so `93` is a département; :exact, :contains',
    },
    'address-city': {
      type: 'string',
      documentation: 'commune of the structure; starts-with, case and accents ignored; :exact, :contains',
    },
  },
};

const RESOLVE_PARAMS = new Set(['_query', 'professional', 'structure', 'postal-code', 'city']);

export interface SearchContext {
  data: DirectoryData;
  /** `http://host:port/fhir/v2`, for fullUrl and links. */
  base: string;
  now: () => Date;
}

type Entry = { fullUrl: string; resource: Record<string, unknown>; search: { mode: 'match' | 'include' | 'outcome' } };

function referenceIds(p: RawParam, type: string): string[] {
  if (p.modifier !== null && p.modifier !== type) throw invalid(`modifier :${p.modifier} is not supported on ${p.name}`);
  return p.values.map((v) => {
    if (v === '') throw invalid(`parameter ${p.name} has an empty value`);
    const slash = v.lastIndexOf('/');
    if (slash >= 0 && v.slice(0, slash).split('/').pop() !== type) throw invalid(`${p.name} must reference a ${type}, not "${v}"`);
    return slash >= 0 ? v.slice(slash + 1) : v;
  });
}

type QualificationTest = NonNullable<PractitionerSearch['qualification']>[number][number];

/**
 * Each code goes to its own column so that an index serves it: by its system when given, else by
 * its shape — a letter is a category (TRE_R09), digits a profession (TRE_G15), anything else a
 * savoir-faire (TRE_R38, e.g. SM54).
 */
function qualificationCodes(p: RawParam): QualificationTest[] {
  return tokenValues(p).flatMap((t): QualificationTest[] => {
    if (t.code === null) return [];
    if (t.system === PROFESSION_SYSTEM) return [{ field: 'profession', code: t.code }];
    if (t.system === CATEGORY_SYSTEM) return [{ field: 'category', code: t.code }];
    if (t.system === SPECIALITY_SYSTEM) return [{ field: 'speciality', code: t.code }];
    if (t.system !== null) return [];
    if (/^[A-Z]$/.test(t.code)) return [{ field: 'category', code: t.code }];
    if (/^\d+$/.test(t.code)) return [{ field: 'profession', code: t.code }];
    return [{ field: 'speciality', code: t.code }];
  });
}

function personIdentifiers(tokens: Token[]): NonNullable<PractitionerSearch['identifier']>[number] {
  return tokens.flatMap((t): NonNullable<PractitionerSearch['identifier']>[number] => {
    if (t.system === null)
      return t.code === null
        ? []
        : [
            { field: 'idnat', value: t.code },
            { field: 'rpps', value: t.code },
          ];
    if (t.system === IDNPS_SYSTEM) return [{ field: 'idnat', value: t.code }];
    if (t.system === RPPS_SYSTEM) return [{ field: 'rpps', value: t.code }];
    if (t.system === ADELI_SYSTEM) return t.code === null ? [{ field: 'idnat', value: null }] : [{ field: 'idnat', value: `0${t.code}` }];
    return [];
  });
}

function structureIdentifiers(tokens: Token[]): NonNullable<StructureSearch['identifier']>[number] {
  return tokens.flatMap((t): NonNullable<StructureSearch['identifier']>[number] => {
    // A structure's IdNat is its type digit and its FINESS or SIRET (TRE_G07), so a FINESS or a
    // SIRET is looked up by primary key; only "has one" (`system|`) needs their own columns.
    if (t.system === null)
      return t.code === null
        ? []
        : [
            { field: 'idnat', value: t.code },
            { field: 'idnat', value: `1${t.code}` },
            { field: 'idnat', value: `3${t.code}` },
          ];
    if (t.system === IDNST_SYSTEM) return [{ field: 'idnat', value: t.code }];
    if (t.system === FINESS_SYSTEM || t.system === FINESS_SYSTEM_OLD)
      return [t.code === null ? { field: 'finess', value: null } : { field: 'idnat', value: `1${t.code}` }];
    if (t.system === SIRENE_SYSTEM) return [t.code === null ? { field: 'siret', value: null } : { field: 'idnat', value: `3${t.code}` }];
    return [];
  });
}

function parse(type: SearchableType, raw: RawParam[], r: ResultParams): PractitionerSearch | SituationSearch | StructureSearch {
  const q: PractitionerSearch & SituationSearch & StructureSearch = {};
  const push = <K extends keyof typeof q>(k: K, v: NonNullable<(typeof q)[K]>[number]) => {
    ((q[k] ??= []) as unknown[]).push(v);
  };
  const known = SEARCH_PARAMS[type];
  for (const p of raw) {
    if (RESULT_PARAMS.has(p.name)) {
      resultParam(p, r, INCLUDES[type].include, INCLUDES[type].revinclude);
      continue;
    }
    if (!(p.name in known)) {
      throw invalid(
        `unknown search parameter ${p.name} for ${type}; supported: ${Object.keys(known).join(', ')}, and ${[...RESULT_PARAMS].filter((n) => n !== '_cursor').join(', ')}`,
      );
    }
    switch (p.name) {
      case '_id': {
        noModifier(p);
        const ids = p.values;
        if (type === 'Practitioner')
          push('identifier', ids.map((id) => ({ field: 'idnat' as const, value: idnatOfPractitionerId(id) })) as never);
        else if (type === 'Organization') push('identifier', ids.map((id) => ({ field: 'idnat' as const, value: id })) as never);
        else push('id', ids);
        break;
      }
      case 'identifier': {
        const tokens = tokenValues(p);
        if (type === 'Practitioner') push('identifier', personIdentifiers(tokens) as never);
        else if (type === 'Organization') push('identifier', structureIdentifiers(tokens) as never);
        else
          push(
            'id',
            tokens.flatMap((t) => (t.code !== null && (t.system === null || t.system === TECHNICAL_SYSTEM) ? [t.code] : [])),
          );
        break;
      }
      case 'family':
      case 'given':
      case 'name':
        push(p.name, stringValues(p));
        break;
      case 'mailbox-mss':
        push('mailbox', stringValues(p));
        break;
      case 'qualification-code':
        push('qualification', qualificationCodes(p));
        break;
      case 'address-postalcode':
        push('postalCode', stringValues(p));
        break;
      case 'address-city':
        push('city', stringValues(p));
        break;
      case '_lastUpdated':
        q.updated = [...(q.updated ?? []), ...dateBounds(p)];
        break;
      case 'practitioner':
        push('person', referenceIds(p, 'Practitioner').map(idnatOfPractitionerId));
        break;
      case 'organization':
        push('structure', referenceIds(p, 'Organization'));
        break;
      default:
        throw invalid(`parameter ${p.name} cannot be combined with this search`);
    }
  }
  return q;
}

/** Runs a search and returns a `searchset` Bundle. */
export async function search(ctx: SearchContext, type: SearchableType, params: URLSearchParams): Promise<Record<string, unknown>> {
  const raw = rawParams(params);
  const r: ResultParams = { count: DEFAULT_COUNT, total: null, include: new Set(), revinclude: new Set(), elements: null, cursor: null };
  const query = params.get('_query');
  if (query !== null || raw.some((p) => p.name === '_query')) {
    if (type !== 'PractitionerRole' || query !== 'resolve-mailbox')
      throw invalid(`_query=${query ?? ''} is not a query this server knows (PractitionerRole?_query=resolve-mailbox)`);
    return resolveSearch(ctx, params, raw);
  }
  if (raw.some((p) => RESOLVE_PARAMS.has(p.name) && p.name !== '_query')) {
    throw invalid(`professional, structure, postal-code and city go with PractitionerRole?_query=resolve-mailbox`);
  }
  const q = parse(type, raw, r);
  const scope = searchScope(type, params);
  const after = r.cursor === null ? undefined : decodeCursor(r.cursor, scope);
  const page = { after, limit: r.count + 1 };
  // The total is the same on every page: given on the first one (or when asked), so that a
  // client walking a million entries does not pay a count per page. Without `_total`, it comes
  // when it costs little — counted on the way to the page when there are at most 10,000 matches,
  // or kept by the store for a search without filters — and is left out otherwise, as FHIR lets
  // a server do; `_total=accurate` (or `estimate`) counts them all. A broad text filter
  // (`:contains`, a 1–2 letter prefix) may match most of the directory: its total comes only
  // when asked.
  const exact = r.total === 'accurate' || r.total === 'estimate';
  const cheap = r.total === null && after === undefined && !hasBroadText(q);
  const today = ctx.now().toISOString().slice(0, 10);
  const d = ctx.data;

  let rows: (Person | Situation | Structure)[] = [];
  let total: number | undefined;
  let exactTotal: number | undefined;
  let key: (row: never) => string;
  let matches: Resource[] = [];
  const included: Resource[] = [];
  if (type === 'Practitioner') {
    const pq = q as PractitionerSearch;
    [{ rows, total }, exactTotal] = await Promise.all([d.pagePractitioners(pq, page, cheap), exact ? d.countPractitioners(pq) : undefined]);
    key = (p: Person) => p.idnat;
    const persons = (rows as Person[]).slice(0, r.count);
    matches = await renderPractitioners(d, persons);
    if (r.revinclude.has('PractitionerRole:practitioner'))
      included.push(...(await renderRoles(d, await d.situationsOfPersons(persons.map((p) => p.idnat)), today)));
  } else if (type === 'PractitionerRole') {
    const sq = q as SituationSearch;
    [{ rows, total }, exactTotal] = await Promise.all([d.pageSituations(sq, page, cheap), exact ? d.countSituations(sq) : undefined]);
    key = (s: Situation) => s.id;
    const situations = (rows as Situation[]).slice(0, r.count);
    matches = await renderRoles(d, situations, today);
    if (r.include.has('PractitionerRole:practitioner'))
      included.push(...(await renderPractitioners(d, await d.persons([...new Set(situations.map((s) => s.person_idnat))]))));
    if (r.include.has('PractitionerRole:organization')) {
      included.push(
        ...(await renderOrganizations(
          d,
          await d.structures([...new Set(situations.flatMap((s) => (s.structure_idnat ? [s.structure_idnat] : [])))]),
        )),
      );
    }
  } else {
    const oq = q as StructureSearch;
    [{ rows, total }, exactTotal] = await Promise.all([d.pageStructures(oq, page, cheap), exact ? d.countStructures(oq) : undefined]);
    key = (s: Structure) => s.idnat;
    const structures = (rows as Structure[]).slice(0, r.count);
    matches = await renderOrganizations(d, structures);
    if (r.revinclude.has('PractitionerRole:organization')) {
      included.push(
        ...(await renderRoles(
          d,
          await d.situationsAtStructures(
            structures.map((s) => s.idnat),
            MAX_REVINCLUDE,
          ),
          today,
        )),
      );
    }
  }

  const shape = (res: Resource) => (r.elements ? subset(res, r.elements) : res);
  const entries: Entry[] = [
    ...matches.map((res) => ({
      fullUrl: `${ctx.base}/${res.resourceType}/${res.id}`,
      resource: shape(res),
      search: { mode: 'match' as const },
    })),
    ...included.map((res) => ({
      fullUrl: `${ctx.base}/${res.resourceType}/${res.id}`,
      resource: shape(res),
      search: { mode: 'include' as const },
    })),
  ];
  const links = [{ relation: 'self', url: `${ctx.base}/${type}${queryString(params)}` }];
  if (rows.length > r.count && r.count > 0) {
    const next = new URLSearchParams([...params].filter(([k]) => k !== '_cursor'));
    next.append('_cursor', encodeCursor(scope, key(rows[r.count - 1] as never)));
    links.push({ relation: 'next', url: `${ctx.base}/${type}?${next}` });
  }
  return bundle(ctx, exactTotal ?? total, links, entries);
}

function hasBroadText(q: PractitionerSearch | SituationSearch | StructureSearch): boolean {
  const all = q as PractitionerSearch & SituationSearch & StructureSearch;
  return [all.family, all.given, all.name, all.mailbox].some((ands) =>
    (ands ?? []).some((or) => or.some((m) => m.mode === 'contains' || (m.mode === 'prefix' && m.value.length < 3))),
  );
}

function queryString(params: URLSearchParams): string {
  const s = params.toString();
  return s ? `?${s}` : '';
}

function bundle(
  ctx: SearchContext,
  total: number | undefined,
  link: { relation: string; url: string }[],
  entry: Entry[],
): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { lastUpdated: ctx.now().toISOString() },
    type: 'searchset',
    ...(total === undefined ? {} : { total }),
    link,
    ...(entry.length ? { entry } : {}),
  };
}

export async function renderPractitioners(d: DirectoryData, persons: Person[]): Promise<Resource[]> {
  const ids = persons.map((p) => p.idnat);
  const [mailboxes, changes] = await Promise.all([d.publishedMailboxesOf(ids), d.mailboxChangesOf(ids)]);
  return persons.map((p) => practitionerResource(p, mailboxes, changes.get(p.idnat)));
}

export async function renderOrganizations(d: DirectoryData, structures: Structure[]): Promise<Resource[]> {
  const ids = structures.map((s) => s.idnat);
  const [mailboxes, changes] = await Promise.all([d.publishedMailboxesOf(ids), d.mailboxChangesOf(ids)]);
  return structures.map((s) => organizationResource(s, mailboxes, changes.get(s.idnat)));
}

export async function renderRoles(d: DirectoryData, situations: Situation[], today: string, chosen?: string): Promise<Resource[]> {
  const personIds = [...new Set(situations.map((s) => s.person_idnat))];
  const structureIds = [...new Set(situations.flatMap((s) => (s.structure_idnat ? [s.structure_idnat] : [])))];
  const [persons, structures, mailboxes, changes] = await Promise.all([
    d.persons(personIds),
    d.structures(structureIds),
    d.publishedMailboxesOf(personIds),
    d.mailboxChangesOf(personIds),
  ]);
  const personById = new Map(persons.map((p) => [p.idnat, p]));
  const structureById = new Map(structures.map((s) => [s.idnat, s]));
  return situations.map((s) =>
    roleResource(
      s,
      personById.get(s.person_idnat),
      s.structure_idnat ? structureById.get(s.structure_idnat) : undefined,
      mailboxes,
      changes.get(s.person_idnat),
      today,
      chosen,
    ),
  );
}

/**
 * `PractitionerRole?_query=resolve-mailbox&professional=…&structure=…` (or `postal-code`, `city`):
 * R-ANN-4 in FHIR. Matches are the situations that fit, the chosen mailbox ranked 1 in their
 * telecom; when none fits, every active situation of the person. The Practitioner comes as an
 * include (it carries every mailbox) and an OperationOutcome entry says why.
 */
async function resolveSearch(ctx: SearchContext, params: URLSearchParams, raw: RawParam[]): Promise<Record<string, unknown>> {
  let elements: string[] | null = null;
  for (const p of raw) {
    if (p.name === '_elements') elements = p.values;
    else if (p.name === '_format' || p.name === '_pretty')
      resultParam(p, { count: 0, total: 'none', include: new Set(), revinclude: new Set(), elements: null, cursor: null }, [], []);
    else if (!RESOLVE_PARAMS.has(p.name))
      throw invalid(`parameter ${p.name} does not go with _query=resolve-mailbox (professional, structure, postal-code, city)`);
    else if (p.modifier !== null) throw invalid(`modifier :${p.modifier} is not supported on ${p.name}`);
    else if (p.values.length !== 1 || params.getAll(p.name).length !== 1) throw invalid(`${p.name} takes a single value`);
  }
  const professional = params.get('professional');
  if (!professional) throw invalid('_query=resolve-mailbox needs professional (an IdNat or RPPS)');
  const today = ctx.now().toISOString().slice(0, 10);
  let resolution;
  try {
    resolution = await resolveMailbox(
      ctx.data,
      professional,
      {
        structure: params.get('structure') ?? undefined,
        postalCode: params.get('postal-code') ?? undefined,
        city: params.get('city') ?? undefined,
      },
      today,
    );
  } catch (err) {
    if (err instanceof ResolutionError) throw new FhirError(err.status, err.status === 404 ? 'not-found' : 'invalid', err.message);
    throw err;
  }
  const idnat = resolution.professional.idnat;
  const situations = (await ctx.data.situationsOfPersons([idnat])).filter((s) => s.end_date === null || s.end_date > today);
  const fitting = new Set(resolution.matchedSituations);
  const matched = resolution.mailbox ? situations.filter((s) => fitting.has(s.id)) : situations;
  const roles = await renderRoles(ctx.data, matched, today, resolution.mailbox?.address);
  const [practitioner] = await renderPractitioners(ctx.data, await ctx.data.persons([idnat]));
  const shape = (res: Resource) => (elements ? subset(res, elements) : res);
  const entries: Entry[] = [
    ...roles.map((res) => ({
      fullUrl: `${ctx.base}/PractitionerRole/${res.id}`,
      resource: shape(res),
      search: { mode: 'match' as const },
    })),
    ...(practitioner
      ? [{ fullUrl: `${ctx.base}/Practitioner/${practitioner.id}`, resource: shape(practitioner), search: { mode: 'include' as const } }]
      : []),
    {
      fullUrl: `urn:uuid:${randomUUID()}`,
      resource: operationOutcome(
        'information',
        'informational',
        `${resolution.outcome}: ${resolution.mailbox ? `${resolution.mailbox.address} — ` : ''}${resolution.reason}`,
      ),
      search: { mode: 'outcome' as const },
    },
  ];
  return bundle(ctx, roles.length, [{ relation: 'self', url: `${ctx.base}/PractitionerRole${queryString(params)}` }], entries);
}
