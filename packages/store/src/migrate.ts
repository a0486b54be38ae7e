import { Migrator, type Kysely, type Migration } from 'kysely';
import { MssError } from '@mss/runtime';
import { MIGRATIONS, type Engine, type MigrationContext } from './migrations/index.ts';

export interface MigrationReport {
  applied: string[];
  current: string | undefined;
}

/** Applies every pending migration, in order, each in its own transaction. */
export async function migrateToLatest(
  db: Kysely<any>,
  engine: Engine,
  context: MigrationContext,
  schema?: string,
): Promise<MigrationReport> {
  const migrations: Record<string, Migration> = {};
  for (const m of MIGRATIONS) migrations[m.name] = { up: (trx) => m.up(trx, engine, context) };
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'mss_migrations',
    migrationLockTableName: 'mss_migrations_lock',
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
  return { applied, current: MIGRATIONS.at(-1)?.name };
}
