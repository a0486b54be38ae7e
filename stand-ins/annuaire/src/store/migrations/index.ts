import type { MigrationSet } from '@mss/store/engine';
import { searchIndexes } from './0001-search-indexes.ts';
import { publishedPages } from './0002-published-pages.ts';
import { placeIndexes } from './0003-place-indexes.ts';
import { changeFeed } from './0004-change-feed.ts';

/**
 * The Annuaire's own migrations, applied on its database after the store's (which made the
 * persons, structures, situations and mailboxes they index), recorded in `annuaire_migrations`.
 * Append only. Each `replaces` the store migration that did its work before it moved here, so a
 * database made by an earlier version records it without running it again.
 */
export const ANNUAIRE_MIGRATIONS: MigrationSet = {
  table: 'annuaire_migrations',
  migrations: [searchIndexes, publishedPages, placeIndexes, changeFeed],
};
