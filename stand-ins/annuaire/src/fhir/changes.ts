import { randomUUID } from 'node:crypto';
import { EMPLOYER_EXTENSION, PERSON_KIND_EXTENSION } from '@mss/domain';
import type { Situation, Store } from '@mss/store';
import { AnnuaireRepos, type DirectoryChangeRow, type DirectoryFeedState, type PublishedMailbox } from '../store/index.ts';
import type { DirectoryData, DirectoryMailbox, Person } from '../directory/data.ts';
import { idnatOfPractitionerId, practitionerId } from './ids.ts';
import { FhirError, invalid } from './outcome.ts';
import { dateBounds } from './params.ts';
import { mailboxTelecom, organizationResource, practitionerResource, situationIsActive, type Resource } from './resources.ts';
import { MODE_SYSTEM, TECHNICAL_SYSTEM } from './systems.ts';

/** What the change feed reads besides the directory: the numbered changes and situations by id (ended ones too). */
export interface ChangeFeedSource {
  state(): Promise<DirectoryFeedState>;
  changesAfter(after: number, limit: number): Promise<DirectoryChangeRow[]>;
  positionBefore(instant: string): Promise<number>;
  situations(ids: readonly string[]): Promise<Situation[]>;
  /** The extraction's rows of these owners' published mailboxes (the delta extraction), by mailbox id. */
  publishedRowsOf(owners: readonly string[], afterId: number | undefined, limit: number): Promise<PublishedMailbox[]>;
}

export class StoreChangeFeed implements ChangeFeedSource {
  private readonly store: Store;
  private readonly repos: AnnuaireRepos;
  constructor(store: Store) {
    this.store = store;
    this.repos = new AnnuaireRepos(store);
  }
  state() {
    return this.repos.feed.state();
  }
  changesAfter(after: number, limit: number) {
    return this.repos.feed.changesAfter(after, limit);
  }
  positionBefore(instant: string) {
    return this.repos.feed.positionBefore(instant);
  }
  situations(ids: readonly string[]) {
    return this.store.directory.situationsById(ids);
  }
  publishedRowsOf(owners: readonly string[], afterId: number | undefined, limit: number) {
    return this.repos.publication.publishedMailboxes({ owners, afterId, limit });
  }
}

export const FEED_TYPES = ['Practitioner', 'PractitionerRole', 'Organization'] as const;
type FeedType = (typeof FEED_TYPES)[number];
const FEED_PARAMS = new Set(['_type', '_lastUpdated', '_cursor', '_count', '_format', '_pretty']);
export const FEED_DEFAULT_COUNT = 100;
export const FEED_MAX_COUNT = 1000;

/** The feed's cursor: the epoch of the Annuaire's feed and the last change number read. */
export function encodeFeedCursor(epoch: string, position: number): string {
  return Buffer.from(JSON.stringify(['feed', epoch, position])).toString('base64url');
}

export function decodeFeedCursor(token: string): { epoch: string; position: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed[0] !== 'feed' || typeof parsed[1] !== 'string' || !Number.isSafeInteger(parsed[2]) || parsed[2] < 0)
    throw invalid("_cursor is not a change-feed cursor this server gave out; follow the Bundle's next link as it is");
  return { epoch: parsed[1], position: parsed[2] };
}

/** 410: the Annuaire cannot say what changed since there; the client resynchronises in full, then follows from the head. */
export function unknownCursor(why: string): FhirError {
  return new FhirError(
    410,
    'not-found',
    `cursor-unknown: ${why}; resynchronise in full (Practitioner, PractitionerRole, Organization searches), ` +
      'after taking the head cursor with _count=0, then follow the feed from it',
  );
}

function parseTypes(values: string[]): FeedType[] {
  if (values.length === 0) return [...FEED_TYPES];
  const out = new Set<FeedType>();
  for (const v of values.flatMap((x) => x.split(','))) {
    if (!(FEED_TYPES as readonly string[]).includes(v))
      throw invalid(`_type ${v || '(empty)'} is not followed by the change feed: ${FEED_TYPES.join(', ')}`);
    out.add(v as FeedType);
  }
  return FEED_TYPES.filter((t) => out.has(t));
}

export interface ChangeFeedContext {
  data: DirectoryData;
  changes: ChangeFeedSource;
  base: string;
  now: () => Date;
}

/**
 * `GET [base]?_type=Practitioner,PractitionerRole,Organization&_lastUpdated=ge…` — the change feed
 * (issue #15). Entries come in the order the changes committed, each the resource as it is now;
 * the `next` link is always there and carries the cursor to ask from next time (an empty page
 * means "caught up": ask again later with the same link). See the README's "Change feed".
 */
export async function changeFeed(ctx: ChangeFeedContext, params: URLSearchParams): Promise<Record<string, unknown>> {
  for (const name of params.keys()) {
    if (!FEED_PARAMS.has(name))
      throw invalid(`unknown parameter ${name} for the change feed (_type, _lastUpdated, _cursor, _count): see the README's "Change feed"`);
  }
  const types = parseTypes(params.getAll('_type'));
  const countText = params.get('_count');
  let count = FEED_DEFAULT_COUNT;
  if (countText !== null) {
    if (!/^\d{1,7}$/.test(countText)) throw invalid(`_count must be a whole number from 0 to ${FEED_MAX_COUNT} (got "${countText}")`);
    count = Math.min(Number(countText), FEED_MAX_COUNT);
  }
  const state = await ctx.changes.state();
  if (!state.enabled) throw new FhirError(404, 'not-supported', 'this Annuaire does not record its changes: no change feed');
  const cursor = params.get('_cursor');
  const since = params.getAll('_lastUpdated');
  let position: number;
  if (cursor !== null) {
    if (since.length) throw invalid('_cursor and _lastUpdated cannot be combined: the cursor already says where to go on from');
    const c = decodeFeedCursor(cursor);
    if (c.epoch !== state.epoch) throw unknownCursor(`the cursor belongs to another feed (epoch ${c.epoch}, this one is ${state.epoch})`);
    if (c.position < state.prunedThrough)
      throw unknownCursor(`changes up to ${state.prunedThrough} are no longer kept and the cursor is at ${c.position}`);
    if (c.position > state.head) throw unknownCursor(`the cursor is at ${c.position}, past the last change recorded (${state.head})`);
    position = c.position;
  } else if (since.length) {
    if (since.length > 1) throw invalid('_lastUpdated is given once in the change feed (ge or gt an instant)');
    const raw = since[0] as string;
    if (!/^(ge|gt)/.test(raw)) throw invalid('the change feed starts from a point in time: _lastUpdated=ge<instant> or gt<instant>');
    const from = (dateBounds({ name: '_lastUpdated', modifier: null, values: [raw] })[0] as { at: string }).at;
    if (state.enabledAt === null || from < state.enabledAt)
      throw unknownCursor(`changes are recorded since ${state.enabledAt}, after ${from}`);
    position = await ctx.changes.positionBefore(from);
    if (position < state.prunedThrough) throw unknownCursor(`changes up to ${state.prunedThrough} are no longer kept`);
  } else {
    position = state.prunedThrough;
  }

  const rows = count === 0 ? [] : await ctx.changes.changesAfter(position, count);
  const last = rows.length ? (rows[rows.length - 1] as DirectoryChangeRow).id : count === 0 ? state.head : position;
  const entries = await render(ctx, rows, types);
  const link = (c: string) => {
    const q = new URLSearchParams();
    q.set('_type', types.join(','));
    q.set('_count', String(count === 0 ? FEED_DEFAULT_COUNT : count));
    q.set('_cursor', c);
    return `${ctx.base}?${q.toString()}`;
  };
  const self = new URLSearchParams(params);
  return {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { lastUpdated: ctx.now().toISOString() },
    type: 'searchset',
    link: [
      { relation: 'self', url: `${ctx.base}${self.toString() ? `?${self.toString()}` : ''}` },
      { relation: 'next', url: link(encodeFeedCursor(state.epoch, last)) },
    ],
    ...(entries.length ? { entry: entries } : {}),
  };
}

/** Each changed resource once, at its last change in the page, as it is now; patients and what no longer exists are left out. */
async function render(ctx: ChangeFeedContext, rows: readonly DirectoryChangeRow[], types: readonly FeedType[]) {
  const lastAt = new Map<string, DirectoryChangeRow>();
  for (const r of rows) {
    if (!types.includes(r.resource_type)) continue;
    const key = `${r.resource_type}/${r.resource_id}`;
    lastAt.delete(key);
    lastAt.set(key, r);
  }
  const wanted = [...lastAt.values()];
  const ids = (t: FeedType) => wanted.filter((r) => r.resource_type === t).map((r) => r.resource_id);
  const situations = await ctx.changes.situations(ids('PractitionerRole'));
  const personIds = [...new Set([...ids('Practitioner'), ...situations.map((s) => s.person_idnat)])];
  const structureIds = [...new Set([...ids('Organization'), ...situations.flatMap((s) => (s.structure_idnat ? [s.structure_idnat] : []))])];
  const [persons, structures] = await Promise.all([ctx.data.persons(personIds), ctx.data.structures(structureIds)]);
  const owners = [...new Set([...personIds, ...ids('Organization')])];
  const [mailboxes, mailboxChanges] = await Promise.all([ctx.data.publishedMailboxesOf(owners), ctx.data.mailboxChangesOf(owners)]);
  const personOf = new Map(persons.map((p) => [p.idnat, p]));
  const structureOf = new Map(structures.map((s) => [s.idnat, s]));
  const situationOf = new Map(situations.map((s) => [s.id, s]));
  const today = ctx.now().toISOString().slice(0, 10);
  const out: Record<string, unknown>[] = [];
  for (const change of wanted) {
    let resource: Resource | undefined;
    if (change.resource_type === 'Practitioner') {
      const p = personOf.get(change.resource_id);
      if (p) resource = feedPractitioner(p, mailboxes, mailboxChanges.get(p.idnat));
    } else if (change.resource_type === 'Organization') {
      const st = structureOf.get(change.resource_id);
      if (st) resource = organizationResource(st, mailboxes, mailboxChanges.get(st.idnat));
    } else {
      const s = situationOf.get(change.resource_id);
      const p = s ? personOf.get(s.person_idnat) : undefined;
      if (s && p) resource = feedRole(s, p, s.structure_idnat ? structureOf.get(s.structure_idnat) : undefined, mailboxes, today);
    }
    if (!resource) continue;
    resource.meta = { ...(resource.meta as Record<string, unknown>), lastUpdated: change.changed_at };
    out.push({ fullUrl: `${ctx.base}/${change.resource_type}/${resource.id}`, resource, search: { mode: 'match' } });
  }
  return out;
}

/** The Practitioner with what an operator needs to keep its copy: the kind of person, a profession without a code. */
function feedPractitioner(p: Person, mailboxes: readonly DirectoryMailbox[], mailboxChange: string | undefined): Resource {
  const r = practitionerResource(p, mailboxes, mailboxChange);
  const qualification = [...((r.qualification as Record<string, unknown>[] | undefined) ?? [])];
  if (!p.profession_code && p.profession_label) qualification.unshift({ code: { text: p.profession_label } });
  return {
    ...r,
    extension: [{ url: PERSON_KIND_EXTENSION, valueCode: p.kind }],
    ...(qualification.length ? { qualification } : {}),
  };
}

/**
 * A situation d'exercice in full, ended or not (the search API shows an ended one as its id and
 * `active: false` only; a follower needs its end date): period, practitioner, organization, mode,
 * the place as a contained Location, and the employer (RPPS+).
 */
function feedRole(
  s: Situation,
  person: Person,
  structure: { idnat: string; name: string } | undefined,
  mailboxes: readonly DirectoryMailbox[],
  today: string,
): Resource {
  const active = situationIsActive(s, today);
  const telecom = active
    ? mailboxes
        .filter(
          (m) =>
            m.owner_idnat === s.person_idnat &&
            (m.type === 'PER' || m.type === 'CAB') &&
            (m.situation_id === s.id || m.situation_id === null),
        )
        .map((m) => mailboxTelecom(m))
    : [];
  return {
    resourceType: 'PractitionerRole',
    id: s.id,
    meta: {},
    identifier: [{ use: 'official', system: TECHNICAL_SYSTEM, value: s.id }],
    ...(s.employer_idnat
      ? { extension: [{ url: EMPLOYER_EXTENSION, valueReference: { reference: `Practitioner/${practitionerId(s.employer_idnat)}` } }] }
      : {}),
    contained: [
      {
        resourceType: 'Location',
        id: 'place',
        ...(s.practice_name ? { name: s.practice_name } : {}),
        address: { use: 'work', line: [s.street], postalCode: s.postal_code, city: s.city, district: s.departement, country: 'FRA' },
      },
    ],
    active,
    period: { start: s.start_date, ...(s.end_date ? { end: s.end_date } : {}) },
    practitioner: { reference: `Practitioner/${practitionerId(s.person_idnat)}`, display: `${person.first_name} ${person.last_name}` },
    ...(s.structure_idnat
      ? { organization: { reference: `Organization/${s.structure_idnat}`, ...(structure ? { display: structure.name } : {}) } }
      : {}),
    code: [{ coding: [{ system: MODE_SYSTEM, code: s.mode }], ...(s.role_label ? { text: s.role_label } : {}) }],
    location: [{ reference: '#place' }],
    ...(telecom.length ? { telecom } : {}),
  };
}

export { idnatOfPractitionerId };
