import type { MigrationReport, Store } from '@mss/store';
import { RPPS_PLUS_MIGRATIONS } from './migrations/index.ts';

/** Applies the portal's own migrations to its store (after the store's, which `Store.open` ran). */
export function migrateRppsPlus(store: Store): Promise<MigrationReport> {
  return store.migrateSet(RPPS_PLUS_MIGRATIONS);
}

export { RPPS_PLUS_MIGRATIONS } from './migrations/index.ts';
export { RppsPlusRepo, type NewRppsPlusRequest, type RppsPlusRequestUpdate } from './requests.ts';
export type { RppsPlusRequestRow, RppsPlusEventRow, RppsPlusDatabase } from './schema.ts';
