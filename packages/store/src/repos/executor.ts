import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema.ts';
import type { Engine } from '../migrations/types.ts';

/**
 * What every repository needs: somewhere to run queries (the database or a transaction) and the
 * time. `DB` is the store's schema; a stand-in's repositories add their own tables to it.
 */
export interface RepoContext<DB = Database> {
  readonly db: Kysely<DB> | Transaction<DB>;
  readonly engine: Engine;
  readonly now: () => Date;
}

export function isoNow(ctx: Pick<RepoContext<unknown>, 'now'>): string {
  return ctx.now().toISOString();
}

/** Rows per multi-row INSERT: below SQLite's and PostgreSQL's bound-parameter limits for our widest table. */
export function chunkRows<T>(rows: readonly T[], columns: number): T[][] {
  const size = Math.max(1, Math.floor(30_000 / Math.max(1, columns)));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** True when a database error is a unique-constraint violation, on either engine. */
export function isUniqueViolation(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; errcode?: unknown; message?: unknown };
  if (e.code === '23505') return true; // PostgreSQL unique_violation
  return typeof e.message === 'string' && /UNIQUE constraint failed/.test(e.message);
}
