import type { Person, Situation, Store, Structure } from '@mss/store';
import {
  AnnuaireRepos,
  type DirectoryMailbox,
  type DirectorySearchRepo,
  type KeysetPage,
  type PractitionerSearch,
  type PublishedMailbox,
  type SearchPage,
  type SituationSearch,
  type StructureSearch,
} from '../store/index.ts';

export type { TextMatch, TimeBound } from '../store/index.ts';
export type { DirectoryMailbox, KeysetPage, PractitionerSearch, SearchPage, SituationSearch, StructureSearch };
export type { Person, PublishedMailbox, Situation, Structure };

/**
 * What the stand-in's HTTP side reads: persons, structures, situations d'exercice, published
 * mailboxes (R-BAL-3: liste rouge and closed ones are never handed out) and last-update instants.
 * Every search pages by keyset on the primary key (IdNat, situation id, mailbox id), so an
 * implementation over 1M entries answers a page from an index, never by counting offsets.
 */
export interface DirectoryData {
  /**
   * A page of matches; with `withTotal`, their number too when it costs little (few enough
   * matches to count on the way, or a search without filter): else `total` is left out and
   * `count…` gives it at the price of a count.
   */
  pagePractitioners(q: PractitionerSearch, page: KeysetPage, withTotal?: boolean): Promise<SearchPage<Person>>;
  pageStructures(q: StructureSearch, page: KeysetPage, withTotal?: boolean): Promise<SearchPage<Structure>>;
  pageSituations(q: SituationSearch, page: KeysetPage, withTotal?: boolean): Promise<SearchPage<Situation>>;
  searchPractitioners(q: PractitionerSearch, page: KeysetPage): Promise<Person[]>;
  countPractitioners(q: PractitionerSearch): Promise<number>;
  searchStructures(q: StructureSearch, page: KeysetPage): Promise<Structure[]>;
  countStructures(q: StructureSearch): Promise<number>;
  searchSituations(q: SituationSearch, page: KeysetPage): Promise<Situation[]>;
  countSituations(q: SituationSearch): Promise<number>;
  /** Persons by IdNat (never patients). */
  persons(idnats: readonly string[]): Promise<Person[]>;
  structures(idnats: readonly string[]): Promise<Structure[]>;
  situationsOfPersons(idnats: readonly string[]): Promise<Situation[]>;
  situationsAtStructures(idnats: readonly string[], limit: number): Promise<Situation[]>;
  /** Published mailboxes of persons (PER, CAB: the owner only) or structures (ORG, APP). */
  publishedMailboxesOf(ownerIdnats: readonly string[]): Promise<DirectoryMailbox[]>;
  /** Latest change of any mailbox per owner, published or not (a withdrawal is a change too). */
  mailboxChangesOf(ownerIdnats: readonly string[]): Promise<Map<string, string>>;
  /** Published mailboxes with what the extraction shows beside them, by mailbox id. */
  publishedMailboxPage(afterId: number | undefined, limit: number): Promise<PublishedMailbox[]>;
}

/** The directory read from the Annuaire's store, the seeded data included. */
export class StoreDirectoryData implements DirectoryData {
  private readonly repos: AnnuaireRepos;
  constructor(store: Store) {
    this.repos = new AnnuaireRepos(store);
  }
  private get read(): DirectorySearchRepo {
    return this.repos.search;
  }
  pagePractitioners(q: PractitionerSearch, page: KeysetPage, withTotal?: boolean) {
    return this.read.pagePractitioners(q, page, withTotal);
  }
  pageStructures(q: StructureSearch, page: KeysetPage, withTotal?: boolean) {
    return this.read.pageStructures(q, page, withTotal);
  }
  pageSituations(q: SituationSearch, page: KeysetPage, withTotal?: boolean) {
    return this.read.pageSituations(q, page, withTotal);
  }
  searchPractitioners(q: PractitionerSearch, page: KeysetPage) {
    return this.read.searchPractitioners(q, page);
  }
  countPractitioners(q: PractitionerSearch) {
    return this.read.countPractitioners(q);
  }
  searchStructures(q: StructureSearch, page: KeysetPage) {
    return this.read.searchStructures(q, page);
  }
  countStructures(q: StructureSearch) {
    return this.read.countStructures(q);
  }
  searchSituations(q: SituationSearch, page: KeysetPage) {
    return this.read.searchSituations(q, page);
  }
  countSituations(q: SituationSearch) {
    return this.read.countSituations(q);
  }
  persons(idnats: readonly string[]) {
    return this.read.persons(idnats);
  }
  structures(idnats: readonly string[]) {
    return this.read.structures(idnats);
  }
  situationsOfPersons(idnats: readonly string[]) {
    return this.read.situationsOfPersons(idnats);
  }
  situationsAtStructures(idnats: readonly string[], limit: number) {
    return this.read.situationsAtStructures(idnats, limit);
  }
  publishedMailboxesOf(ownerIdnats: readonly string[]) {
    return this.read.publishedMailboxesOf(ownerIdnats);
  }
  mailboxChangesOf(ownerIdnats: readonly string[]) {
    return this.read.mailboxChangesOf(ownerIdnats);
  }
  publishedMailboxPage(afterId: number | undefined, limit: number) {
    return this.repos.publication.publishedMailboxes({ afterId, limit });
  }
}
