// What a stand-in needs to keep tables of its own in a store's database (`@mss/store/engine`):
// its migration set run by the store's runner (`Store.migrateSet`), and its repositories on the
// store's connection or inside one of its transactions (`repoContext`), on either engine.

export { contextOf as repoContext } from '../store.ts';
export { isoNow, chunkRows, isUniqueViolation, type RepoContext } from '../repos/executor.ts';
export { withId, makeAppendOnly } from '../migrations/0001-initial.ts';
export type { Engine, MssMigration, MigrationContext } from '../migrations/types.ts';
export { applyMigrationSet, STORE_MIGRATION_TABLE, type MigrationSet, type MigrationReport } from '../migrate.ts';
