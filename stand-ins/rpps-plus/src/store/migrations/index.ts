import type { MigrationSet } from '@mss/store/engine';
import { requests } from './0001-requests.ts';

/**
 * The portal's own migrations, applied on its store after the store's, recorded in
 * `rpps_plus_migrations`. Append only; `replaces` names the store migration that did the work
 * before it moved here (a data directory made by an earlier version records it without running it).
 */
export const RPPS_PLUS_MIGRATIONS: MigrationSet = { table: 'rpps_plus_migrations', migrations: [requests] };
