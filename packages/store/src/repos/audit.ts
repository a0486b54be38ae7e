import type { AccessAuditRow, AccessAuditTable } from '../schema.ts';
import { isoNow, type RepoContext } from './executor.ts';

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
