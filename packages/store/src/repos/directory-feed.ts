import { sql } from 'kysely';
import type { DirectoryChangeRow, DirectorySyncRow } from '../schema.ts';
import { isoNow, type RepoContext } from './executor.ts';

export interface DirectoryFeedState {
  /** Changes as the store's own identity: another store (recreated, another Annuaire) has another. */
  epoch: string;
  enabled: boolean;
  enabledAt: string | null;
  /** Changes up to here were pruned (or were never recorded: before the feed was enabled). */
  prunedThrough: number;
  /** The last change recorded (0 when none). */
  head: number;
}

/**
 * The Annuaire's change feed (issue #15), recorded by triggers on persons, situations, structures
 * and mailboxes while enabled (migration 0018). Read side: changes after a sequence number, in order.
 */
export class DirectoryFeedRepo {
  private readonly ctx: RepoContext;
  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  /** Starts recording (the Annuaire's store only). Changes before this were never recorded: a full resync covers them. */
  async enable(): Promise<DirectoryFeedState> {
    const head = await this.head();
    await this.ctx.db
      .updateTable('directory_feed')
      .set({ enabled: 1, enabled_at: isoNow(this.ctx), pruned_through: head })
      .where('id', '=', 1)
      .where('enabled', '=', 0)
      .execute();
    return this.state();
  }

  async state(): Promise<DirectoryFeedState> {
    const row = await this.ctx.db.selectFrom('directory_feed').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
    return {
      epoch: row.epoch,
      enabled: Number(row.enabled) === 1,
      enabledAt: row.enabled_at,
      prunedThrough: Number(row.pruned_through),
      head: await this.head(),
    };
  }

  async head(): Promise<number> {
    const row = await this.ctx.db
      .selectFrom('directory_changes')
      .select((eb) => eb.fn.max('id').as('head'))
      .executeTakeFirst();
    return Number(row?.head ?? 0);
  }

  /** Up to `limit` changes after sequence number `after`, in order. */
  async changesAfter(after: number, limit: number): Promise<DirectoryChangeRow[]> {
    const rows = await this.ctx.db.selectFrom('directory_changes').selectAll().where('id', '>', after).orderBy('id').limit(limit).execute();
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  }

  /** The sequence number just before the first change at or after `instant` (ISO-8601 UTC): where `_lastUpdated=ge` starts. */
  async positionBefore(instant: string): Promise<number> {
    const row = await this.ctx.db
      .selectFrom('directory_changes')
      .select((eb) => eb.fn.min('id').as('first'))
      .where('changed_at', '>=', instant)
      .executeTakeFirst();
    if (row?.first === null || row?.first === undefined) return this.head();
    return Number(row.first) - 1;
  }

  /** Forgets changes up to `through`: cursors before it are then answered "unknown, resynchronise". */
  async prune(through: number): Promise<number> {
    const r = await this.ctx.db.deleteFrom('directory_changes').where('id', '<=', through).executeTakeFirst();
    await this.ctx.db
      .updateTable('directory_feed')
      .set({ pruned_through: sql<number>`case when pruned_through > ${through} then pruned_through else ${through} end` })
      .where('id', '=', 1)
      .execute();
    return Number(r.numDeletedRows);
  }
}

export type DirectorySyncUpdate = Partial<Omit<DirectorySyncRow, 'source'>>;

/** The operator's side: its cursor in an Annuaire's feed and its lag, one row per source. */
export class DirectorySyncRepo {
  private readonly ctx: RepoContext;
  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  async get(source: string): Promise<DirectorySyncRow | undefined> {
    const row = await this.ctx.db.selectFrom('directory_sync').selectAll().where('source', '=', source).executeTakeFirst();
    return row
      ? {
          ...row,
          failures: Number(row.failures),
          entries_applied: Number(row.entries_applied),
          rows_changed: Number(row.rows_changed),
          full_resyncs: Number(row.full_resyncs),
        }
      : undefined;
  }

  async update(source: string, set: DirectorySyncUpdate): Promise<void> {
    await this.ctx.db
      .insertInto('directory_sync')
      .values({ source, failures: 0, entries_applied: 0, rows_changed: 0, full_resyncs: 0, ...set })
      .onConflict((oc) => (Object.keys(set).length === 0 ? oc.column('source').doNothing() : oc.column('source').doUpdateSet(set)))
      .execute();
  }

  /** Adds to the counters in the same statement (the page's transaction), so a replayed page would show. */
  async count(source: string, entries: number, rowsChanged: number): Promise<void> {
    await this.update(source, {});
    await this.ctx.db
      .updateTable('directory_sync')
      .set((eb) => ({
        entries_applied: eb('entries_applied', '+', entries),
        rows_changed: eb('rows_changed', '+', rowsChanged),
      }))
      .where('source', '=', source)
      .execute();
  }
}
