import type { WebSessionRow, WebSessionsTable } from '../schema.ts';
import type { RepoContext } from './executor.ts';

/**
 * Web applications' server-side sessions (the webmail's): rows keyed by a hash of the cookie's
 * secret, with an expiry; the data is the application's, opaque here. Shared by every node on
 * the database, so a restart or another node serves the same session.
 */
export class WebSessionRepo {
  private readonly ctx: RepoContext;
  constructor(ctx: RepoContext) {
    this.ctx = ctx;
  }

  async insert(row: WebSessionsTable): Promise<void> {
    await this.ctx.db.insertInto('web_sessions').values(row).execute();
  }

  /** The row, if it has not expired at `nowIso`. */
  async get(id: string, nowIso: string): Promise<WebSessionRow | undefined> {
    return this.ctx.db.selectFrom('web_sessions').selectAll().where('id', '=', id).where('expires_at', '>', nowIso).executeTakeFirst();
  }

  async update(id: string, change: Partial<Pick<WebSessionsTable, 'expires_at' | 'data'>>): Promise<boolean> {
    const r = await this.ctx.db.updateTable('web_sessions').set(change).where('id', '=', id).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Deletes the row and returns it if it had not expired: one use only, whichever node asks first. */
  async take(id: string, nowIso: string): Promise<WebSessionRow | undefined> {
    const row = await this.ctx.db.deleteFrom('web_sessions').where('id', '=', id).returningAll().executeTakeFirst();
    return row && row.expires_at > nowIso ? row : undefined;
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.ctx.db.deleteFrom('web_sessions').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Removes the rows expired at `nowIso`; how many. */
  async deleteExpired(nowIso: string): Promise<number> {
    const r = await this.ctx.db.deleteFrom('web_sessions').where('expires_at', '<=', nowIso).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
