import type { AccessAuditRow, AccessAuditTable } from '../schema.ts';
import { isoNow, type RepoContext } from './executor.ts';
import type { ListingKey } from './mailbox-listing.ts';

/** What an operator administrator may filter the audit trail by; the fields combine with AND. */
export interface AuditFilter {
  /** The principal column: a person's IdNat, `operator-admin:<name>` or `certificate:<serial>`. */
  idnat?: string;
  mailbox?: string;
  /** ISO instants: `from` inclusive, `to` exclusive. */
  from?: string;
  to?: string;
  outcome?: AccessAuditTable['outcome'];
  channel?: string;
  action?: string;
}

export type AuditRecord = Omit<AccessAuditTable, 'id' | 'at'> & { at?: string };

/**
 * The audit trail of access decisions: who asked for which mailbox, through which channel and
 * client, and what was decided and why. Append-only (database triggers); never holds a token.
 */
export class AuditRepo {
  private readonly ctx: RepoContext;
  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  async append(r: AuditRecord): Promise<AccessAuditRow> {
    return this.ctx.db
      .insertInto('access_audit')
      .values({ ...r, mailbox: r.mailbox?.toLowerCase() ?? null, at: r.at ?? isoNow(this.ctx) })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  /**
   * A page of the trail in time order (at, then id), for the operator's reading of it: rows are
   * never changed (append-only), so a page that starts after the previous page's last row skips
   * and repeats nothing; new rows come after. Indexed by (at, id) alone and after each of
   * person, mailbox and outcome (migration 0015-operator-reads).
   */
  async page(filter: AuditFilter, after: ListingKey | undefined, limit: number): Promise<AccessAuditRow[]> {
    let q = this.ctx.db.selectFrom('access_audit').selectAll();
    if (filter.idnat !== undefined) q = q.where('idnat', '=', filter.idnat);
    if (filter.mailbox !== undefined) q = q.where('mailbox', '=', filter.mailbox.toLowerCase());
    if (filter.from !== undefined) q = q.where('at', '>=', filter.from);
    if (filter.to !== undefined) q = q.where('at', '<', filter.to);
    if (filter.outcome !== undefined) q = q.where('outcome', '=', filter.outcome);
    if (filter.channel !== undefined) q = q.where('channel', '=', filter.channel);
    if (filter.action !== undefined) q = q.where('action', '=', filter.action);
    if (after) q = q.where('at', '>=', after.at).where((eb) => eb.or([eb('at', '>', after.at), eb('id', '>', after.id)]));
    return q.orderBy('at').orderBy('id').limit(limit).execute();
  }

  /** Newest last; filter by person or mailbox; paginate with `afterId`. */
  async list(filter: { idnat?: string; mailbox?: string; afterId?: number; limit?: number } = {}): Promise<AccessAuditRow[]> {
    let q = this.ctx.db.selectFrom('access_audit').selectAll();
    if (filter.idnat !== undefined) q = q.where('idnat', '=', filter.idnat);
    if (filter.mailbox !== undefined) q = q.where('mailbox', '=', filter.mailbox.toLowerCase());
    if (filter.afterId !== undefined) q = q.where('id', '>', filter.afterId);
    return q
      .orderBy('id')
      .limit(Math.min(filter.limit ?? 100, 1000))
      .execute();
  }
}
