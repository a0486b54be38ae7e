import { sql } from 'kysely';
import { isoNow, type RepoContext } from '@mss/store/engine';
import type { AnnuaireDatabase, DirectoryChangeRow } from './schema.ts';

export interface DirectoryFeedState {
  /** Changes as the store's own identity: another store (recreated, another Annuaire) has another. */
  epoch: string;
  enabled: boolean;
  enabledAt: string | null;
  /** Changes up to here were forgotten (compacted, or before the feed was enabled): a cursor before it is unknown. */
  prunedThrough: number;
  /** The last change recorded (0 when none). */
  head: number;
}

/**
 * The Annuaire's change feed (issue #15), recorded by triggers on persons, situations, structures
 * and mailboxes while enabled (migration 0004-change-feed). Read side: changes after a sequence number, in order.
 */
export class ChangeFeedRepo {
  private readonly ctx: RepoContext<AnnuaireDatabase>;
  constructor(ctx: RepoContext<AnnuaireDatabase>) {
    this.ctx = ctx;
  }

  /**
   * Starts recording, then records a **baseline**: one change per
   * person, structure and situation that exists (in that order, so that a follower meets a person
   * before her situations), so that following the feed from its beginning is a full
   * resynchronisation. Enabled first: a write racing the baseline is recorded twice, never lost.
   * Idempotent: a feed already enabled is left as it is.
   */
  async enable(): Promise<DirectoryFeedState> {
    const head = await this.head();
    const r = await this.ctx.db
      .updateTable('directory_feed')
      .set({ enabled: 1, enabled_at: isoNow(this.ctx), pruned_through: head })
      .where('id', '=', 1)
      .where('enabled', '=', 0)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) > 0) await this.recordBaseline();
    return this.state();
  }

  /**
   * Forgets every change recorded so far and records a new baseline: a cursor from before is then
   * answered "unknown, resynchronise", and resynchronising (following from the beginning) gives
   * the whole directory. The feed's way of pruning: what it keeps stays a complete picture.
   */
  async compact(): Promise<DirectoryFeedState> {
    const head = await this.head();
    await this.ctx.db.deleteFrom('directory_changes').where('id', '<=', head).execute();
    await this.ctx.db.updateTable('directory_feed').set({ pruned_through: head }).where('id', '=', 1).execute();
    await this.recordBaseline();
    return this.state();
  }

  private async recordBaseline(): Promise<void> {
    const at = isoNow(this.ctx);
    await sql`insert into directory_changes (resource_type, resource_id, changed_at)
      select 'Practitioner', idnat, ${at} from persons where kind <> 'PATIENT' order by idnat`.execute(this.ctx.db);
    await sql`insert into directory_changes (resource_type, resource_id, changed_at)
      select 'Organization', idnat, ${at} from structures order by idnat`.execute(this.ctx.db);
    await sql`insert into directory_changes (resource_type, resource_id, changed_at)
      select 'PractitionerRole', id, ${at} from situations order by id`.execute(this.ctx.db);
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
}
