import type { Kysely } from 'kysely';

export type Engine = 'sqlite' | 'postgres';

/** What a migration may read besides the database: the message bodies, for backfills. */
export interface MigrationContext {
  readBlob(hash: string): Promise<Buffer>;
}

/** A forward-only migration: there is no `down`; a mistake is fixed by a later migration. */
export interface MssMigration {
  name: string;
  /**
   * Store migrations (names in `mss_migrations`) that did this one's work before it moved here:
   * on a database that ran any of them, this one is recorded as applied without running.
   */
  replaces?: readonly string[];
  up(db: Kysely<any>, engine: Engine, context: MigrationContext): Promise<void>;
}
