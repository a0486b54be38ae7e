import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import { MssError } from '@mss/runtime';
import { MIGRATIONS, RETIRED_MIGRATIONS, type Engine, type MigrationContext, type MssMigration } from './migrations/index.ts';

export interface MigrationReport {
  applied: string[];
  current: string | undefined;
}

/**
 * A set of forward-only migrations and the table that records which ran. The store's own set is
 * recorded in `mss_migrations`; a stand-in that keeps tables of its own beside the store's (the
 * Annuaire's search indexes and change feed, RPPS+'s requests) brings its set and its table.
 */
export interface MigrationSet {
  /** The table recording this set (its lock table is `<table>_lock`), in the store's schema. */
  table: string;
  /** In name order. Append only: a released migration is never edited. */
  migrations: readonly MssMigration[];
  /**
   * Names this set applied once and no longer has (their work moved to another set): a database
   * that ran them is not "corrupted" for it. Never applied to a database that did not.
   */
  retired?: readonly string[];
}

/** The table where the store records its own migrations, and where retired names stay recorded. */
export const STORE_MIGRATION_TABLE = 'mss_migrations';

const NO_BLOBS: MigrationContext = {
  readBlob: () => Promise.reject(new Error('this migration set has no message bodies to read')),
};

/** Applies every pending migration of the store's own set, in order, each in its own transaction. */
export function migrateToLatest(db: Kysely<any>, engine: Engine, context: MigrationContext, schema?: string): Promise<MigrationReport> {
  return applyMigrationSet(
    db,
    engine,
    { table: STORE_MIGRATION_TABLE, migrations: MIGRATIONS, retired: RETIRED_MIGRATIONS },
    context,
    schema,
  );
}

/**
 * Applies every pending migration of a set, in order, each in its own transaction. A migration
 * that `replaces` store migrations recorded in `mss_migrations` (the same work, done before it
 * moved to this set) is recorded as applied without running: a database made by an earlier
 * version keeps what it has and is not changed twice.
 */
export async function applyMigrationSet(
  db: Kysely<any>,
  engine: Engine,
  set: MigrationSet,
  context: MigrationContext = NO_BLOBS,
  schema?: string,
): Promise<MigrationReport> {
  const done = await storeMigrationsRun(db, schema);
  const migrations: Record<string, Migration> = {};
  for (const m of set.migrations) {
    const replaced = m.replaces?.some((name) => done.has(name)) ?? false;
    migrations[m.name] = { up: (trx) => (replaced ? Promise.resolve() : m.up(trx, engine, context)) };
  }
  const executed = set.table === STORE_MIGRATION_TABLE ? done : await migrationsRun(db, set.table, schema);
  for (const name of set.retired ?? []) if (executed.has(name)) migrations[name] = { up: () => Promise.resolve() };
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: set.table,
    migrationLockTableName: `${set.table}_lock`,
    // Numbers are reserved for changes in flight, so a database may have applied 0008 before
    // 0007 landed: a pending migration is applied even when a later one ran already (each
    // stands on 0001–0006 only, never on a later one).
    allowUnorderedMigrations: true,
    // Without a schema Kysely would take a migration table found in ANY schema as ours.
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error');
    throw new MssError(
      'MIGRATION_FAILED',
      `database migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const applied = results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
  return { applied, current: set.migrations.at(-1)?.name };
}

/** The store migrations this database ran (none when it has no migration table yet). */
function storeMigrationsRun(db: Kysely<any>, schema: string | undefined): Promise<Set<string>> {
  return migrationsRun(db, STORE_MIGRATION_TABLE, schema);
}

async function migrationsRun(db: Kysely<any>, table: string, schema: string | undefined): Promise<Set<string>> {
  const exists = schema
    ? await sql<{
        n: number;
      }>`select 1 as n from information_schema.tables where table_schema = ${schema} and table_name = ${table}`.execute(db)
    : await sql<{ n: number }>`select 1 as n from sqlite_master where type = 'table' and name = ${table}`.execute(db);
  if (exists.rows.length === 0) return new Set();
  const from = schema ? db.withSchema(schema) : db;
  const rows = await from.selectFrom(table).select('name').execute();
  return new Set(rows.map((r) => String(r.name)));
}
