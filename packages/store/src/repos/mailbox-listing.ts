import { sql } from 'kysely';
import { ADDRESS_TRIGRAMS } from '../migrations/0019-address-trigrams.ts';
import type { MailboxRow, MailboxesTable } from '../schema.ts';
import type { RepoContext } from './executor.ts';

/** What an operator administrator may filter all mailboxes by; every field is optional and they combine with AND. */
export interface MailboxListingFilter {
  type?: MailboxesTable['type'];
  status?: MailboxesTable['status'];
  /** The directory attachment (`owner_idnat`): a person for PER/CAB, the structure for ORG/APP. */
  ownerIdnat?: string;
  /** Attached to this structure: an ORG/APP it owns, or a PER/CAB whose situation is in it. */
  structureIdnat?: string;
  listeRouge?: boolean;
  /** Case-insensitive part of the address. */
  addressContains?: string;
  /** ISO instants: `from` inclusive, `to` exclusive. */
  createdFrom?: string;
  createdTo?: string;
  closedFrom?: string;
  closedTo?: string;
}

/** A row's place in the listing's order; the next page starts strictly after it. */
export interface ListingKey {
  at: string;
  id: number;
}

export type ListedMailbox = MailboxRow & { structure_idnat: string | null };

/** `%` and `_` match themselves in a LIKE with `ESCAPE '\'`. */
export function likeLiteral(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Above this many addresses holding the searched part, walking the creation order meets a page
 * of them sooner than fetching and sorting them all (on 200,000 addresses, a part found in one
 * address in 40 fills a page of 100 after some 4,000 rows).
 */
const TRIGRAM_CANDIDATES = 2000;

/**
 * The operator's listing of every mailbox, released ones included (an audit needs them), in
 * creation order (created_at, then id): both are set once, so a page that starts after the last
 * row of the previous one neither skips nor repeats a row, whatever is created or closed
 * meanwhile. The filters that pick few rows have an index giving them in that order (migrations
 * 0015-operator-reads, 0016-directory-address); the common ones (active, PER, CAB) walk it.
 */
export class MailboxListingRepo {
  private readonly ctx: RepoContext;
  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  async page(filter: MailboxListingFilter, after: ListingKey | undefined, limit: number): Promise<ListedMailbox[]> {
    let q = this.ctx.db
      .selectFrom('mailboxes as m')
      .leftJoin('situations as s', 's.id', 'm.situation_id')
      .selectAll('m')
      .select((eb) =>
        eb.fn
          .coalesce(eb.case().when('m.type', 'in', ['ORG', 'APP']).then(eb.ref('m.owner_idnat')).end(), eb.ref('s.structure_idnat'))
          .as('structure_idnat'),
      );
    if (filter.type !== undefined) {
      q = q.where('m.type', '=', filter.type);
      if (filter.type === 'ORG' || filter.type === 'APP') q = q.where(sql<boolean>`m.type not in ('PER', 'CAB')`);
    }
    if (filter.status !== undefined) {
      q = q.where('m.status', '=', filter.status);
      // The partial index's condition, written out with literals so that both planners see it applies (0016).
      if (filter.status !== 'active') q = q.where(sql<boolean>`m.status <> 'active'`);
    }
    if (filter.ownerIdnat !== undefined) q = q.where('m.owner_idnat', '=', filter.ownerIdnat);
    if (filter.structureIdnat !== undefined) {
      const structure = filter.structureIdnat;
      q = q.where((eb) =>
        eb.or([
          eb.and([eb('m.type', 'in', ['ORG', 'APP']), eb('m.owner_idnat', '=', structure)]),
          eb('m.situation_id', 'in', eb.selectFrom('situations as st').select('st.id').where('st.structure_idnat', '=', structure)),
        ]),
      );
    }
    if (filter.listeRouge !== undefined) q = q.where('m.liste_rouge', '=', filter.listeRouge ? 1 : 0);
    if (filter.addressContains !== undefined) {
      const part = filter.addressContains.toLowerCase();
      // The LIKE decides on both engines: the trigram index only narrows the rows it looks at.
      q = q.where(sql<boolean>`m.address_key like ${`%${likeLiteral(part)}%`} escape '\\'`);
      if (this.ctx.engine === 'sqlite' && (await this.fewHold(part))) {
        q = q.where(
          'm.id',
          'in',
          sql<number>`(select rowid from ${sql.table(ADDRESS_TRIGRAMS)} where ${sql.table(ADDRESS_TRIGRAMS)} match ${phrase(part)})`,
        );
      }
    }
    if (filter.createdFrom !== undefined) q = q.where('m.created_at', '>=', filter.createdFrom);
    if (filter.createdTo !== undefined) q = q.where('m.created_at', '<', filter.createdTo);
    if (filter.closedFrom !== undefined) q = q.where('m.closed_at', '>=', filter.closedFrom);
    if (filter.closedTo !== undefined) q = q.where('m.closed_at', '<', filter.closedTo);
    if (after) {
      // Written as a range on the first column plus a tie-break, which both engines' planners
      // turn into an index range (a row-value comparison is not always one on SQLite).
      q = q.where('m.created_at', '>=', after.at).where((eb) => eb.or([eb('m.created_at', '>', after.at), eb('m.id', '>', after.id)]));
    }
    return (await q.orderBy('m.created_at').orderBy('m.id').limit(limit).execute()) as ListedMailbox[];
  }

  /**
   * Whether the SQLite trigram index should pick the rows (migration 0019): the part has the three
   * characters a trigram needs, and at most TRIGRAM_CANDIDATES addresses hold it. Otherwise the
   * listing walks the creation order and tests each address (a part of one or two characters
   * has no trigram; a common one fills its page early in the walk). PostgreSQL's planner makes
   * the same choice itself from pg_trgm's statistics.
   */
  private async fewHold(part: string): Promise<boolean> {
    if ([...part].length < 3) return false;
    const { rows } = await sql<{ id: number }>`select rowid as id from ${sql.table(ADDRESS_TRIGRAMS)}
      where ${sql.table(ADDRESS_TRIGRAMS)} match ${phrase(part)} limit ${TRIGRAM_CANDIDATES + 1}`.execute(this.ctx.db);
    return rows.length <= TRIGRAM_CANDIDATES;
  }
}

/**
 * An FTS5 phrase of the part's trigrams, in order: every character inside double quotes is
 * literal but the quote, which is doubled. The trigram tokenizer folds case, so the phrase finds
 * a superset of the LIKE's rows, which the LIKE then narrows.
 */
function phrase(part: string): string {
  return `"${part.replace(/"/g, '""')}"`;
}
