import type { Generated, Selectable } from 'kysely';
import type { Database } from '@mss/store';

// The Annuaire's own tables, beside the store's persons, structures, situations and mailboxes
// (its national directory and the mailboxes operators declared): created by its migrations
// (./migrations/), never by the store's.

/** The Annuaire's change feed (issue #15): one row, its epoch and whether the triggers record. */
export interface DirectoryFeedTable {
  id: number;
  epoch: string;
  enabled: number;
  enabled_at: string | null;
  /** Changes up to this sequence number were pruned: a cursor before it is no longer known. */
  pruned_through: number;
}

/** One change to a feed resource, numbered in commit order (`id`), written by triggers. */
export interface DirectoryChangesTable {
  id: Generated<number>;
  resource_type: 'Practitioner' | 'PractitionerRole' | 'Organization';
  resource_id: string;
  changed_at: string;
}

/** The number of practitioners, structures and situations, kept by triggers (0002-published-pages). */
export interface DirectoryCountsTable {
  name: string;
  n: number | string;
}

export interface AnnuaireTables {
  directory_feed: DirectoryFeedTable;
  directory_changes: DirectoryChangesTable;
  directory_counts: DirectoryCountsTable;
}

/** The Annuaire's database: the store's tables and its own. */
export type AnnuaireDatabase = Database & AnnuaireTables;

export type DirectoryChangeRow = Selectable<DirectoryChangesTable>;
