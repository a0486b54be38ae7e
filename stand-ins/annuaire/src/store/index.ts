// The Annuaire's national directory in its database: a store (`@mss/store`: its engines, and
// the persons, structures, situations and mailboxes it shares in shape with an operator's copy)
// plus the Annuaire's own tables, migrations and queries — FHIR search, published mailboxes,
// the change feed — which no operator runs.

import type { MigrationReport, Repositories, Store } from '@mss/store';
import { repoContext, type RepoContext } from '@mss/store/engine';
import { ChangeFeedRepo } from './change-feed.ts';
import { ANNUAIRE_MIGRATIONS } from './migrations/index.ts';
import { PublicationRepo } from './publication.ts';
import type { AnnuaireDatabase } from './schema.ts';
import { DirectorySearchRepo } from './search.ts';

/** The Annuaire's repositories over a store or one of its transactions. */
export class AnnuaireRepos {
  /** FHIR searches and the lookups of extraction and resolution. */
  readonly search: DirectorySearchRepo;
  /** Published mailboxes (LDAP, extraction, feed) and the situations RPPS+ ends. */
  readonly publication: PublicationRepo;
  /** The change feed operators follow (issue #15). */
  readonly feed: ChangeFeedRepo;

  constructor(on: Repositories) {
    const ctx = repoContext(on) as unknown as RepoContext<AnnuaireDatabase>;
    this.search = new DirectorySearchRepo(ctx, on.directory);
    this.publication = new PublicationRepo(ctx);
    this.feed = new ChangeFeedRepo(ctx);
  }
}

/** Applies the Annuaire's own migrations to its store (after the store's, which `Store.open` ran). */
export function migrateAnnuaire(store: Store): Promise<MigrationReport> {
  return store.migrateSet(ANNUAIRE_MIGRATIONS);
}

export { ANNUAIRE_MIGRATIONS } from './migrations/index.ts';
export { DirectorySearchRepo, directorySearchLimits } from './search.ts';
export type {
  PractitionerSearch,
  StructureSearch,
  SituationSearch,
  TextMatch,
  TimeBound,
  IdentifierTest,
  QualificationTest,
  KeysetPage,
  SearchPage,
  DirectoryMailbox,
} from './search.ts';
export type { PublishedMailbox } from './publication.ts';
export type { DirectoryFeedState } from './change-feed.ts';
export type { DirectoryChangeRow, AnnuaireDatabase } from './schema.ts';
export { foldName, foldNameSql } from './fold.ts';
