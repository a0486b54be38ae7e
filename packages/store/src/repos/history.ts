import type { HistoryRow } from '../schema.ts';
import { chunkRows, isoNow, type RepoContext } from './executor.ts';

export interface HistoryEvent {
  mailboxId: number | null;
  /** IdNat of who acted, or `operator-admin` / `system`. */
  actor: string;
  /** Dotted event name, e.g. `cotitulaire.added`, `delegation.revoked`, `mailbox.closed`. */
  event: string;
  subjectIdnat?: string | null;
  reason?: string | null;
  details?: Record<string, unknown>;
  at?: string;
}

export interface HistoryEntry {
  id: number;
  at: string;
  mailboxId: number | null;
  actor: string;
  event: string;
  subjectIdnat: string | null;
  reason: string | null;
  details: Record<string, unknown>;
}

function toRow(e: HistoryEvent, at: string) {
  return {
    at: e.at ?? at,
    mailbox_id: e.mailboxId,
    actor: e.actor,
    event: e.event,
    subject_idnat: e.subjectIdnat ?? null,
    reason: e.reason ?? null,
    details: JSON.stringify(e.details ?? {}),
  };
}

function toEntry(r: HistoryRow): HistoryEntry {
  return {
    id: r.id,
    at: r.at,
    mailboxId: r.mailbox_id,
    actor: r.actor,
    event: r.event,
    subjectIdnat: r.subject_idnat,
    reason: r.reason,
    details: JSON.parse(r.details) as Record<string, unknown>,
  };
}

/**
 * The governance history (R-CAB-7, R-DEL-4): append-only. There is deliberately no update or
 * delete here, and the database itself refuses them (triggers from the first migration).
 */
export class HistoryRepo {
  private readonly ctx: RepoContext;
  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  async append(e: HistoryEvent): Promise<HistoryEntry> {
    const row = await this.ctx.db
      .insertInto('history')
      .values(toRow(e, isoNow(this.ctx)))
      .returningAll()
      .executeTakeFirstOrThrow();
    return toEntry(row);
  }

  /** Many events at once (bulk imports, the seed); same rows as append. */
  async appendMany(events: readonly HistoryEvent[]): Promise<void> {
    const at = isoNow(this.ctx);
    for (const chunk of chunkRows(events, 7)) {
      await this.ctx.db
        .insertInto('history')
        .values(chunk.map((e) => toRow(e, at)))
        .execute();
    }
  }

  /** Oldest first, paginated by id (`afterId` = the last id of the previous page). */
  async list(filter: { mailboxId?: number; afterId?: number; limit?: number } = {}): Promise<HistoryEntry[]> {
    let q = this.ctx.db.selectFrom('history').selectAll();
    if (filter.mailboxId !== undefined) q = q.where('mailbox_id', '=', filter.mailboxId);
    if (filter.afterId !== undefined) q = q.where('id', '>', filter.afterId);
    const rows = await q
      .orderBy('id')
      .limit(Math.min(filter.limit ?? 100, 1000))
      .execute();
    return rows.map(toEntry);
  }
}
