import type { DirectorySyncRow } from '../schema.ts';
import type { RepoContext } from './executor.ts';

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
