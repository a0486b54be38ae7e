import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { MailboxRow, Person, Repositories, Situation, Structure } from '@mss/store';
import type { Engine, RepoContext } from '@mss/store/engine';
import { foldName, foldNameSql } from './fold.ts';
import type { AnnuaireDatabase } from './schema.ts';

// The Annuaire's national directory, read: FHIR searches with keyset paging, and the lookups of
// extraction and resolution. The methods below only read. Each filter is an AND of ORs (FHIR: repeating a parameter ANDs, a
// comma ORs); paging is by keyset on the primary key, so a page never shifts when rows are added.

type DirectoryLookups = Pick<Repositories['directory'], 'persons' | 'structures'>;

/** A FHIR string comparison: `prefix` (default, case- and accent-insensitive), `exact`, `contains`. */
export interface TextMatch {
  value: string;
  mode: 'prefix' | 'exact' | 'contains';
}

/** A bound on the last-update instant (ISO-8601 UTC text, compared as text). */
export interface TimeBound {
  op: '>' | '>=' | '<' | '<=';
  at: string;
}

/** An identifier test: the column it lives in, and a value, or null for "has one" (`system|`). */
export interface IdentifierTest<F extends string> {
  field: F;
  value: string | null;
}

export interface PractitionerSearch {
  identifier?: IdentifierTest<'idnat' | 'rpps'>[][];
  family?: TextMatch[][];
  given?: TextMatch[][];
  name?: TextMatch[][];
  /** Published PER/CAB mailboxes the person owns. */
  mailbox?: TextMatch[][];
  /** Profession, savoir-faire or category code, each in its own column (indexed). */
  qualification?: QualificationTest[][];
  /** The person's record or one of their mailboxes changed within the bounds. */
  updated?: TimeBound[];
  /** A situation d'exercice of the person at this postal code (a prefix: `93` is the département). */
  postalCode?: TextMatch[][];
  /** A situation d'exercice of the person in this commune (case and accents ignored). */
  city?: TextMatch[][];
}

export interface StructureSearch {
  identifier?: IdentifierTest<'idnat' | 'finess' | 'siret'>[][];
  name?: TextMatch[][];
  /** Published ORG/APP mailboxes of the structure. */
  mailbox?: TextMatch[][];
  updated?: TimeBound[];
  postalCode?: TextMatch[][];
  city?: TextMatch[][];
}

export interface SituationSearch {
  id?: string[][];
  person?: string[][];
  structure?: string[][];
  family?: TextMatch[][];
  given?: TextMatch[][];
  name?: TextMatch[][];
  /** Published mailboxes attached to the situation, or the person's unattached ones (R-ANN-1). */
  mailbox?: TextMatch[][];
  qualification?: QualificationTest[][];
  updated?: TimeBound[];
  /** The situation's own address. */
  postalCode?: TextMatch[][];
  city?: TextMatch[][];
}

export interface QualificationTest {
  field: 'profession' | 'speciality' | 'category';
  code: string;
}

export interface KeysetPage {
  /** The last key of the previous page. */
  after?: string;
  limit: number;
}

/** The mailbox columns the directory shows (never holders, delegates or cotitulaires). */
export type DirectoryMailbox = Pick<
  MailboxRow,
  'id' | 'address' | 'type' | 'owner_idnat' | 'situation_id' | 'description' | 'service' | 'digitization' | 'updated_at'
>;

function likeEscape(text: string): string {
  return text.replace(/[%_!]/g, '!$&');
}

/** `expr` starts with `prefix`: a range an index can serve, then LIKE for the exact rule. */
function prefixSql(expr: RawBuilder<unknown>, prefix: string): RawBuilder<SqlBool> {
  if (prefix === '') return sql<SqlBool>`${expr} is not null`;
  const last = prefix.codePointAt(prefix.length - 1)!;
  const upper = prefix.slice(0, -1) + String.fromCodePoint(last + 1);
  return sql<SqlBool>`(${expr} >= ${prefix} and ${expr} < ${upper} and ${expr} like ${likeEscape(prefix) + '%'} escape '!')`;
}

function containsSql(expr: RawBuilder<unknown>, part: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`${expr} like ${'%' + likeEscape(part) + '%'} escape '!'`;
}

function anyOf(parts: RawBuilder<SqlBool>[]): RawBuilder<SqlBool> {
  if (parts.length === 0) return sql<SqlBool>`1 = 0`;
  return sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}

function allOf(parts: RawBuilder<SqlBool>[]): RawBuilder<SqlBool> {
  if (parts.length === 0) return sql<SqlBool>`1 = 1`;
  return sql<SqlBool>`(${sql.join(parts, sql` and `)})`;
}

function textSql(column: string, m: TextMatch): RawBuilder<SqlBool> {
  if (m.mode === 'exact') return sql<SqlBool>`${sql.ref(column)} = ${m.value}`;
  const folded = sql.raw(foldNameSql(column));
  return m.mode === 'prefix' ? prefixSql(folded, foldName(m.value)) : containsSql(folded, foldName(m.value));
}

/** Mailbox addresses are matched on their lower-cased key (indexed); `exact` is case-sensitive. */
function addressSql(m: TextMatch): RawBuilder<SqlBool> {
  const key = sql.ref('m.address_key');
  const v = m.value.toLowerCase();
  if (m.mode === 'exact') return sql<SqlBool>`(m.address_key = ${v} and m.address = ${m.value})`;
  return m.mode === 'prefix' ? prefixSql(key, v) : containsSql(key, v);
}

/**
 * Postal codes (`93260`, Corsica's `20000`) compared as written, upper-cased (the old `2A`/`2B`
 * département codes): a prefix is a range on the column's index, so `93` finds a département.
 */
function postalSql(column: string, m: TextMatch): RawBuilder<SqlBool> {
  const v = m.value.toUpperCase();
  if (m.mode === 'exact') return sql<SqlBool>`${sql.ref(column)} = ${m.value}`;
  return m.mode === 'prefix' ? prefixSql(sql.ref(column), v) : containsSql(sql.ref(column), v);
}

/** The address tests of a search (postal code, commune), on a table with `postal_code` and `city`. */
function placeParts(q: { postalCode?: TextMatch[][]; city?: TextMatch[][] }): RawBuilder<SqlBool>[] {
  return [
    ...(q.postalCode ?? []).map((or) => anyOf(or.map((m) => postalSql('postal_code', m)))),
    ...(q.city ?? []).map((or) => anyOf(or.map((m) => textSql('city', m)))),
  ];
}

const PUBLISHED_SQL = sql<SqlBool>`m.status = 'active' and m.liste_rouge = 0 and m.released_at is null`;

function timeSql(column: string, bounds: readonly TimeBound[]): RawBuilder<SqlBool> {
  return allOf(bounds.map((b) => sql<SqlBool>`${sql.ref(column)} ${sql.raw(b.op)} ${b.at}`));
}

/** Exact addresses and prefixes of 3 characters or more find few mailboxes through the address index. */
function narrowMatches(matches: readonly TextMatch[]): boolean {
  return matches.every((m) => m.mode === 'exact' || (m.mode === 'prefix' && m.value.length >= 3));
}

/**
 * Mailbox filters whose matches, though narrow in shape, are many (`cabinet.` is the start of
 * every CAB address): found by counting their first matches on the published-address index
 * before the search, they are tested per candidate like broad ones instead of being listed.
 */
type DenseMailboxes = ReadonlySet<readonly TextMatch[]>;

const NONE_DENSE: DenseMailboxes = new Set();

/**
 * `mailboxList`: above this many matching mailboxes, a mailbox filter is dense (DenseMailboxes).
 * `cheapTotal`: up to this many matches, a search counts them on the way to its page (page()).
 * `walkTotal`: the same for a search that walks the key order (its count reads rows).
 * `nameSkipScan`: family + given prefixes found by a skip scan (familyGivenSkipScan).
 * Tests lower them (or turn the skip scan off) to take the other paths on a small directory.
 */
export const directorySearchLimits = { mailboxList: 2000, cheapTotal: 50_000, walkTotal: 10_000, nameSkipScan: true };

function listable(matches: readonly TextMatch[], dense: DenseMailboxes): boolean {
  return narrowMatches(matches) && !dense.has(matches);
}

/**
 * The owner (column `ownerColumn` of the outer row) has a published mailbox of these types that
 * matches. Narrow matches list the few owners from the address index; broad ones (`:contains`,
 * short prefixes, which may match most of the directory) test each candidate owner through the
 * owner index, so a page stops after its rows instead of listing — and sorting — every owner.
 * The `limit 1` keeps SQLite from building a Bloom filter over every mailbox before the first
 * candidate (it would for a plain EXISTS: 0.7 s at 1M).
 */
function hasMailboxSql(ownerColumn: string, matches: TextMatch[], types: readonly string[], dense: DenseMailboxes): RawBuilder<SqlBool> {
  if (listable(matches, dense)) return sql<SqlBool>`${sql.ref(ownerColumn)} in (${mailboxOwnersSql(matches, types)})`;
  const typeList = sql.join(types.map((t) => sql.lit(t)));
  return sql<SqlBool>`exists (select 1 from mailboxes m where m.owner_idnat = ${sql.ref(ownerColumn)} and ${PUBLISHED_SQL} and m.type in (${typeList}) and ${anyOf(matches.map(addressSql))} limit 1)`;
}

/** Owners whose mailboxes match, among the given types, and optionally only unattached ones. */
function mailboxOwnersSql(matches: TextMatch[], types: readonly string[], unattached = false): RawBuilder<unknown> {
  const typeList = sql.join(types.map((t) => sql.lit(t)));
  return sql`select m.owner_idnat from mailboxes m where ${PUBLISHED_SQL} and m.type in (${typeList})${unattached ? sql` and m.situation_id is null` : sql``} and ${anyOf(matches.map(addressSql))}`;
}

/**
 * The owner's last update is the latest of its own row and of its mailboxes (a withdrawn mailbox
 * changes the record too). Lower bounds hold when any part is recent enough — found through the
 * updated_at indexes of both tables; upper bounds when every part is old enough.
 */
function changedSql(engine: Engine, table: 'persons' | 'structures', bounds: readonly TimeBound[]): RawBuilder<SqlBool> {
  const lower = bounds.filter((b) => b.op === '>' || b.op === '>=');
  const upper = bounds.filter((b) => b.op === '<' || b.op === '<=');
  const parts: RawBuilder<SqlBool>[] = [];
  if (lower.length) {
    const recentMailboxes = sql`select m.owner_idnat from mailboxes m where ${timeSql('m.updated_at', lower)}`;
    // Each engine gets the form its planner turns into two index lookups: SQLite ORs them (a
    // UNION it would merge by walking both tables in key order); PostgreSQL semi-joins a UNION
    // (an OR with a subquery it would check row by row).
    parts.push(
      engine === 'sqlite'
        ? sql<SqlBool>`(${timeSql('updated_at', lower)} or idnat in (${recentMailboxes}))`
        : sql<SqlBool>`idnat in (select idnat from ${sql.table(table)} where ${timeSql('updated_at', lower)} union ${recentMailboxes})`,
    );
  }
  if (upper.length) {
    parts.push(timeSql('updated_at', upper));
    parts.push(
      sql<SqlBool>`not exists (select 1 from mailboxes m where m.owner_idnat = ${sql.ref(`${table}.idnat`)} and not ${timeSql('m.updated_at', upper)})`,
    );
  }
  return allOf(parts);
}

function qualificationSql(codes: QualificationTest[]): RawBuilder<SqlBool> {
  return anyOf(codes.map((c) => sql<SqlBool>`${sql.ref(QUALIFICATION_COLUMNS[c.field])} = ${c.code}`));
}

const QUALIFICATION_COLUMNS = { profession: 'profession_code', speciality: 'speciality_code', category: 'category_code' } as const;

/** `[from, to)`: the folded values starting with `prefix`. */
function prefixRange(prefix: string): [string, string] {
  const last = prefix.codePointAt(prefix.length - 1)!;
  return [prefix, prefix.slice(0, -1) + String.fromCodePoint(last + 1)];
}

/**
 * `family=Martin&given=Jean`: both are prefixes, so the (family, given) index can only range over
 * every family starting with "martin" (20,000 entries at 1M: Martin, Martinez, Martineau…) and
 * check the given name in each. A skip scan instead: the distinct families of the range one by
 * one (each the next value of the index, a recursive CTE of seeks), and for each the given
 * names' range — a few dozen seeks. Exactly the family and given tests, from the index alone
 * (it carries both names, the key and the kind), so it replaces them.
 */
function familyGivenSkipScan(q: PractitionerSearch): RawBuilder<SqlBool> | undefined {
  if (!directorySearchLimits.nameSkipScan) return undefined;
  const [family] = q.family ?? [];
  const [given] = q.given ?? [];
  // The first family and given tests (a repeated parameter ANDs more: they stay as they are).
  if (family?.length !== 1 || given?.length !== 1) return undefined;
  const f = family[0]!;
  const g = given[0]!;
  if (f.mode !== 'prefix' || g.mode !== 'prefix' || foldName(f.value).length < 3 || foldName(g.value) === '') return undefined;
  const fam = sql.raw(foldNameSql('last_name'));
  const giv = sql.raw(foldNameSql('first_name'));
  const [flo, fhi] = prefixRange(foldName(f.value));
  // `order by … limit 1` rather than min(): a seek that stops at the first entry on both engines.
  // CROSS JOIN keeps SQLite to that order (families first, then the index for each).
  return sql<SqlBool>`idnat in (with recursive families(v) as (
    select (select ${fam} from persons where ${fam} >= ${flo} and ${fam} < ${fhi} order by 1 limit 1)
    union all
    select (select ${fam} from persons where ${fam} > families.v and ${fam} < ${fhi} order by 1 limit 1) from families where families.v is not null
  ) select persons.idnat from families cross join persons
    where families.v is not null and ${fam} = families.v and ${prefixSql(fam, foldName(f.value))} and ${prefixSql(giv, foldName(g.value))} and kind <> 'PATIENT')`;
}

function practitionerWhere(engine: Engine, q: PractitionerSearch, dense: DenseMailboxes = NONE_DENSE): RawBuilder<SqlBool> {
  const skip = familyGivenSkipScan(q);
  // The skip scan checks the kind in the index: the row need not be read for it.
  const parts: RawBuilder<SqlBool>[] = [skip ?? sql<SqlBool>`kind <> 'PATIENT'`];
  for (const or of q.identifier ?? []) {
    parts.push(
      anyOf(
        or.map((t) => (t.value === null ? sql<SqlBool>`${sql.ref(t.field)} is not null` : sql<SqlBool>`${sql.ref(t.field)} = ${t.value}`)),
      ),
    );
  }
  for (const or of q.family?.slice(skip ? 1 : 0) ?? []) parts.push(anyOf(or.map((m) => textSql('last_name', m))));
  for (const or of q.given?.slice(skip ? 1 : 0) ?? []) parts.push(anyOf(or.map((m) => textSql('first_name', m))));
  for (const or of q.name ?? []) parts.push(anyOf(or.flatMap((m) => [textSql('last_name', m), textSql('first_name', m)])));
  for (const or of q.mailbox ?? []) parts.push(hasMailboxSql('persons.idnat', or, ['PER', 'CAB'], dense));
  for (const or of q.qualification ?? []) parts.push(qualificationSql(or));
  if (q.updated?.length) parts.push(changedSql(engine, 'persons', q.updated));
  const place = placeParts(q);
  // One situation of the person satisfies every address test (not one the postal code, another the city).
  if (place.length) parts.push(sql<SqlBool>`idnat in (select person_idnat from situations where ${allOf(place)})`);
  return allOf(parts);
}

function structureWhere(engine: Engine, q: StructureSearch, dense: DenseMailboxes = NONE_DENSE): RawBuilder<SqlBool> {
  const parts: RawBuilder<SqlBool>[] = [];
  for (const or of q.identifier ?? []) {
    parts.push(
      anyOf(
        or.map((t) => (t.value === null ? sql<SqlBool>`${sql.ref(t.field)} is not null` : sql<SqlBool>`${sql.ref(t.field)} = ${t.value}`)),
      ),
    );
  }
  for (const or of q.name ?? []) parts.push(anyOf(or.map((m) => textSql('name', m))));
  for (const or of q.mailbox ?? []) parts.push(hasMailboxSql('structures.idnat', or, ['ORG', 'APP'], dense));
  if (q.updated?.length) parts.push(changedSql(engine, 'structures', q.updated));
  parts.push(...placeParts(q));
  return allOf(parts);
}

function situationWhere(engine: Engine, q: SituationSearch, dense: DenseMailboxes = NONE_DENSE): RawBuilder<SqlBool> {
  const parts: RawBuilder<SqlBool>[] = [];
  const inList = (column: string, values: string[]) =>
    values.length ? sql<SqlBool>`${sql.ref(column)} in (${sql.join(values)})` : sql<SqlBool>`1 = 0`;
  for (const or of q.id ?? []) parts.push(inList('id', or));
  for (const or of q.person ?? []) parts.push(inList('person_idnat', or));
  for (const or of q.structure ?? []) parts.push(inList('structure_idnat', or));
  const personPart: PractitionerSearch = { family: q.family, given: q.given, name: q.name, qualification: q.qualification };
  if (q.family?.length || q.given?.length || q.name?.length || q.qualification?.length) {
    parts.push(sql<SqlBool>`person_idnat in (select idnat from persons where ${practitionerWhere(engine, personPart)})`);
  }
  for (const or of q.mailbox ?? []) {
    if (!listable(or, dense)) {
      // Broad: test each candidate situation through its person's mailboxes (owner index).
      parts.push(
        sql<SqlBool>`exists (select 1 from mailboxes m where m.owner_idnat = situations.person_idnat and (m.situation_id = situations.id or m.situation_id is null) and ${PUBLISHED_SQL} and m.type in ('PER', 'CAB') and ${anyOf(or.map(addressSql))} limit 1)`,
      );
      continue;
    }
    const attached = sql`select m.situation_id from mailboxes m where ${PUBLISHED_SQL} and m.type in ('PER', 'CAB') and m.situation_id is not null and ${anyOf(or.map(addressSql))}`;
    const unattachedOwners = mailboxOwnersSql(or, ['PER', 'CAB'], true);
    // One list of situation ids, a UNION both engines build from indexes (SQLite's ORed form
    // reads every situation row to merge its two halves: a third slower at 2,000 matches).
    parts.push(sql<SqlBool>`id in (${attached} union select s2.id from situations s2 where s2.person_idnat in (${unattachedOwners}))`);
  }
  if (q.updated?.length)
    parts.push(sql<SqlBool>`person_idnat in (select idnat from persons where ${changedSql(engine, 'persons', q.updated)})`);
  parts.push(...placeParts(q));
  return allOf(parts);
}

/**
 * Whether a search is narrow enough that its index should drive it: an identifier, a reference,
 * a delta, or a name or address of at least 3 characters (a 1- or 2-letter prefix may match a
 * tenth of the directory, better found walking the key order and stopping at a page).
 */
function isSelective(q: PractitionerSearch | StructureSearch | SituationSearch, dense: DenseMailboxes = NONE_DENSE): boolean {
  const narrow = (ors: TextMatch[][] | undefined) => (ors ?? []).some((or) => narrowMatches(or));
  const listed = (ors: TextMatch[][] | undefined) => (ors ?? []).some((or) => listable(or, dense));
  const any = (ors: unknown[][] | undefined) => (ors ?? []).some((or) => or.length > 0);
  const sq = q as SituationSearch & PractitionerSearch & StructureSearch;
  return (
    any(sq.identifier) ||
    any(sq.id) ||
    any(sq.person) ||
    any(sq.structure) ||
    (sq.updated ?? []).some((b) => b.op === '>' || b.op === '>=') ||
    narrow(sq.family) ||
    narrow(sq.given) ||
    narrow(sq.name) ||
    narrow(sq.city) ||
    // A postal code of 2 characters or more is at most a département (2% of the directory).
    (sq.postalCode ?? []).some((or) => or.every((m) => m.mode === 'exact' || (m.mode === 'prefix' && m.value.length >= 2))) ||
    listed(sq.mailbox)
  );
}

/** No filter at all: every practitioner, structure or situation (its total is a kept counter). */
function isUnrestricted(q: PractitionerSearch | StructureSearch | SituationSearch): boolean {
  return Object.values(q).every((v) => v === undefined || (Array.isArray(v) && v.length === 0));
}

type DirectorySearch = PractitionerSearch | StructureSearch | SituationSearch;

/** What differs between the three searches: their table, key, mailbox types and counter. */
interface SearchKind<Q extends DirectorySearch> {
  table: 'persons' | 'structures' | 'situations';
  key: string;
  mailboxTypes: readonly string[];
  counter: string;
  where: (engine: Engine, q: Q, dense?: DenseMailboxes) => RawBuilder<SqlBool>;
}

const PRACTITIONERS: SearchKind<PractitionerSearch> = {
  table: 'persons',
  key: 'idnat',
  mailboxTypes: ['PER', 'CAB'],
  counter: 'practitioners',
  where: practitionerWhere,
};
const STRUCTURES: SearchKind<StructureSearch> = {
  table: 'structures',
  key: 'idnat',
  mailboxTypes: ['ORG', 'APP'],
  counter: 'structures',
  where: structureWhere,
};
const SITUATIONS: SearchKind<SituationSearch> = {
  table: 'situations',
  key: 'id',
  mailboxTypes: ['PER', 'CAB'],
  counter: 'situations',
  where: situationWhere,
};

/** A page of search results, with the total when it came at little cost (see DirectorySearchRepo.page). */
export interface SearchPage<T> {
  rows: T[];
  total?: number;
}

export class DirectorySearchRepo {
  private readonly ctx: RepoContext<AnnuaireDatabase>;
  /** The persons and structures by IdNat the store already reads for an operator's copy. */
  private readonly lookups: DirectoryLookups;
  constructor(ctx: RepoContext<AnnuaireDatabase>, lookups: DirectoryLookups) {
    this.ctx = ctx;
    this.lookups = lookups;
  }

  /**
   * One page in key order, and, when `withTotal`, the number of matches if it costs little.
   *
   * A planner without statistics (SQLite always, PostgreSQL until it has analysed a freshly
   * loaded table) prefers walking the primary key in order, which satisfies ORDER BY … LIMIT, even
   * when an index would find a handful of rows. So a selective search takes its keys from the
   * filter's index, at most `cheapTotal` + 1 of them (a LIMIT without ORDER BY: the planner
   * has no order to keep and uses the index), sorts them (a top-n sort: only a page is kept) and
   * counts them in the same pass (`count(*) over ()`): the first page and its total for one read
   * of the index. More matches than that (50,000 by default: 5% of a national directory): the
   * page's keys from the index as well, the total left to `count…` (`_total=accurate`). A search
   * without any filter takes its total from the counters kept by triggers (migration 0002-published-pages).
   * Mailbox filters matching thousands of mailboxes are tested per candidate instead
   * (denseMailboxes), which is not selective: those walk the key order and stop at a page.
   */
  private async page<T>(
    table: 'persons' | 'structures' | 'situations',
    key: string,
    where: RawBuilder<SqlBool>,
    page: KeysetPage,
    selective: boolean,
    withTotal: { counter: string } | false,
  ): Promise<SearchPage<T>> {
    const t = sql.table(table);
    const k = sql.ref(key);
    const after = page.after === undefined ? sql`` : sql` and ${k} > ${page.after}`;
    const walk = async () =>
      (await sql<T>`select * from ${t} where ${where}${after} order by ${k} limit ${page.limit}`.execute(this.ctx.db)).rows;
    if (!selective) {
      const rows = await walk();
      if (!withTotal) return { rows };
      if (withTotal.counter) return { rows, total: await this.counter(withTotal.counter) };
      // At most `walkTotal` + 1 matches counted (rows read, not an index alone): the total when
      // there are no more.
      const first = sql`select 1 from ${t} where ${where} limit ${directorySearchLimits.walkTotal + 1}`;
      const n = Number(
        (await sql<{ n: number | string }>`select count(*) as n from (${first}) first_matches`.execute(this.ctx.db)).rows[0]?.n ?? 0,
      );
      return n > directorySearchLimits.walkTotal ? { rows } : { rows, total: n };
    }
    const found = sql`select ${k} as k from ${t} where ${where}${after} limit ${directorySearchLimits.cheapTotal + 1}`;
    const keys = (
      await sql<{
        k: string;
        n: number | string;
      }>`select k, count(*) over () as n from (${found}) found order by k limit ${page.limit}`.execute(this.ctx.db)
    ).rows;
    const n = Number(keys[0]?.n ?? 0);
    if (n > directorySearchLimits.cheapTotal) {
      // Too many to count on the way: the page's keys from the index all the same (ordered on an
      // expression of the key, `+key` / `key || ''`, so that the index drives), the total left out.
      const order = this.ctx.engine === 'sqlite' ? sql`+${k}` : sql`${k} || ''`;
      const pageKeys = sql`select ${k} from ${t} where ${where}${after} order by ${order} limit ${page.limit}`;
      return { rows: (await sql<T>`select * from ${t} where ${k} in (${pageKeys}) order by ${k}`.execute(this.ctx.db)).rows };
    }
    const rows = keys.length
      ? (await sql<T>`select * from ${t} where ${k} in (${sql.join(keys.map((r) => r.k))}) order by ${k}`.execute(this.ctx.db)).rows
      : [];
    return withTotal ? { rows, total: n } : { rows };
  }

  private async count(
    table: 'persons' | 'structures' | 'situations',
    where: RawBuilder<SqlBool>,
    counter: string | undefined,
  ): Promise<number> {
    if (counter) return this.counter(counter);
    const r = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)} where ${where}`.execute(this.ctx.db);
    return Number(r.rows[0]?.n ?? 0);
  }

  private async counter(name: string): Promise<number> {
    const r = await sql<{ n: number | string }>`select n from directory_counts where name = ${name}`.execute(this.ctx.db);
    return Number(r.rows[0]?.n ?? 0);
  }

  /** The mailbox filters of a search that match too many mailboxes to be listed (DenseMailboxes). */
  private async denseMailboxes(groups: readonly TextMatch[][] | undefined, types: readonly string[]): Promise<DenseMailboxes> {
    const dense = new Set<readonly TextMatch[]>();
    for (const or of groups ?? []) {
      if (!narrowMatches(or) || or.every((m) => m.mode === 'exact')) continue;
      const typeList = sql.join(types.map((ty) => sql.lit(ty)));
      const first = sql`select 1 from mailboxes m where ${PUBLISHED_SQL} and m.type in (${typeList}) and ${anyOf(or.map(addressSql))} limit ${directorySearchLimits.mailboxList + 1}`;
      const r = await sql<{ n: number | string }>`select count(*) as n from (${first}) first_matches`.execute(this.ctx.db);
      if (Number(r.rows[0]?.n ?? 0) > directorySearchLimits.mailboxList) dense.add(or);
    }
    return dense;
  }

  /**
   * A page of one kind of search, with the total when asked and cheap (see page()). A dense
   * mailbox filter is common enough to walk to a page, rare enough that counting its matches
   * would walk the whole table: its total only comes with count… (_total=accurate).
   */
  private async pageOf<Q extends DirectorySearch, T>(
    kind: SearchKind<Q>,
    q: Q,
    page: KeysetPage,
    withTotal: boolean,
  ): Promise<SearchPage<T>> {
    const dense = await this.denseMailboxes(q.mailbox, kind.mailboxTypes);
    const total = withTotal && dense.size === 0 && { counter: isUnrestricted(q) ? kind.counter : '' };
    return this.page<T>(kind.table, kind.key, kind.where(this.ctx.engine, q, dense), page, isSelective(q, dense), total);
  }

  private countOf<Q extends DirectorySearch>(kind: SearchKind<Q>, q: Q): Promise<number> {
    return this.count(kind.table, kind.where(this.ctx.engine, q), isUnrestricted(q) ? kind.counter : undefined);
  }

  pagePractitioners(q: PractitionerSearch, page: KeysetPage, withTotal = false): Promise<SearchPage<Person>> {
    return this.pageOf(PRACTITIONERS, q, page, withTotal);
  }

  async searchPractitioners(q: PractitionerSearch, page: KeysetPage): Promise<Person[]> {
    return (await this.pagePractitioners(q, page)).rows;
  }

  countPractitioners(q: PractitionerSearch): Promise<number> {
    return this.countOf(PRACTITIONERS, q);
  }

  pageStructures(q: StructureSearch, page: KeysetPage, withTotal = false): Promise<SearchPage<Structure>> {
    return this.pageOf(STRUCTURES, q, page, withTotal);
  }

  async searchStructures(q: StructureSearch, page: KeysetPage): Promise<Structure[]> {
    return (await this.pageStructures(q, page)).rows;
  }

  countStructures(q: StructureSearch): Promise<number> {
    return this.countOf(STRUCTURES, q);
  }

  pageSituations(q: SituationSearch, page: KeysetPage, withTotal = false): Promise<SearchPage<Situation>> {
    return this.pageOf(SITUATIONS, q, page, withTotal);
  }

  async searchSituations(q: SituationSearch, page: KeysetPage): Promise<Situation[]> {
    return (await this.pageSituations(q, page)).rows;
  }

  countSituations(q: SituationSearch): Promise<number> {
    return this.countOf(SITUATIONS, q);
  }

  /** Persons by IdNat, patients excluded (they are not in the directory): the store's own look-up. */
  persons(idnats: readonly string[]): Promise<Person[]> {
    return this.lookups.persons(idnats);
  }

  structures(idnats: readonly string[]): Promise<Structure[]> {
    return this.lookups.structures(idnats);
  }

  async situationsOfPersons(idnats: readonly string[]): Promise<Situation[]> {
    if (idnats.length === 0) return [];
    return this.ctx.db
      .selectFrom('situations')
      .selectAll()
      .where('person_idnat', 'in', [...idnats])
      .orderBy('id')
      .execute();
  }

  /** Situations at the given structures, at most `limit` (an `_revinclude` is bounded). */
  async situationsAtStructures(idnats: readonly string[], limit: number): Promise<Situation[]> {
    if (idnats.length === 0) return [];
    return this.ctx.db
      .selectFrom('situations')
      .selectAll()
      .where('structure_idnat', 'in', [...idnats])
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  /** Published mailboxes (R-BAL-3: active, not on liste rouge) of persons or structures. */
  async publishedMailboxesOf(ownerIdnats: readonly string[]): Promise<DirectoryMailbox[]> {
    if (ownerIdnats.length === 0) return [];
    return this.ctx.db
      .selectFrom('mailboxes')
      .select(['id', 'address', 'type', 'owner_idnat', 'situation_id', 'description', 'service', 'digitization', 'updated_at'])
      .where('owner_idnat', 'in', [...ownerIdnats])
      .where('status', '=', 'active')
      .where('liste_rouge', '=', 0)
      .where('released_at', 'is', null)
      .orderBy('id')
      .execute();
  }

  /** The latest change of any mailbox (published or not) per owner: part of the owner's last update. */
  async mailboxChangesOf(ownerIdnats: readonly string[]): Promise<Map<string, string>> {
    if (ownerIdnats.length === 0) return new Map();
    const rows = await this.ctx.db
      .selectFrom('mailboxes')
      .select((eb) => ['owner_idnat', eb.fn.max('updated_at').as('at')])
      .where('owner_idnat', 'in', [...ownerIdnats])
      .groupBy('owner_idnat')
      .execute();
    return new Map(rows.map((r) => [r.owner_idnat, String(r.at)]));
  }
}
