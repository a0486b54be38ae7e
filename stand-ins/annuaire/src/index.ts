// The Annuaire Santé stand-in: LDAP, the FHIR API v2, extraction files and mailbox resolution.

export { startLdapServer, DEFAULT_HIDDEN_ATTRIBUTES, DEFAULT_NAMING_CONTEXTS } from './ldap/server.ts';
export type { LdapServerOptions, RunningLdapServer } from './ldap/server.ts';
export type { LdapEntry, LdapEntrySource, SourceSearchRequest } from './ldap/source.ts';
export { VERIFIED } from './ldap/source.ts';
export { MemoryEntrySource } from './ldap/memory-source.ts';
export { ResultCode, LdapResultError } from './ldap/result-codes.ts';
export type { LdapResult } from './ldap/result-codes.ts';
export {
  FilterError,
  defaultFilterLimits,
  decodeFilter,
  encodeFilter,
  hideAttributes,
  baseAttributeType,
  absoluteTrue,
  absoluteFalse,
} from './ldap/filter.ts';
export type { FilterNode, FilterLimits, AssertionType } from './ldap/filter.ts';
export { parseFilter, formatFilter, escapeFilterValue } from './ldap/filter-string.ts';
export {
  IndexedEntrySource,
  DEFAULT_INDEXED_ATTRIBUTES,
  DEFAULT_FLAGGED_ATTRIBUTES,
  type IndexedEntrySourceOptions,
} from './ldap/indexed-source.ts';
export { matches, evaluate, compileFilter, createMatchingSchema } from './ldap/filter-match.ts';
export type { Truth, MatchingSchema, AttributeTypeRules, ResolvedAttributeType, EqualityRule } from './ldap/filter-match.ts';
export { parseDn, formatDn, normalizeDn, dnEquals, isInScope, NormalizedDn, DnSyntaxError } from './ldap/dn.ts';
export type { Dn, Rdn, Ava, Scope } from './ldap/dn.ts';
export { caseIgnoreValue, caseIgnorePiece, approxValue } from './ldap/matching-rules.ts';
export { createAttributePicker, parseAttributeSelection } from './ldap/attributes.ts';
export type { AttributeSelection } from './ldap/attributes.ts';

// The wire format, for tools that speak LDAP without a client library (benchmarks, probes).
export { BerError, BerReader, BerWriter, defaultBerLimits } from './ldap/ber.ts';
export type { BerErrorKind, BerLimits } from './ldap/ber.ts';
export { MessageFramer } from './ldap/framing.ts';
export {
  decodeMessage,
  encodeResult,
  encodeBindResponse,
  encodeSearchResultEntry,
  encodeSearchResultDone,
  encodeExtendedResponse,
  encodeNoticeOfDisconnection,
  OpTag,
  OID,
} from './ldap/messages.ts';
export type { LdapMessage, LdapRequest, SearchRequest, Control, PartialAttribute, ExtendedResult } from './ldap/messages.ts';

// The directory content served by the stand-in.
export { mailboxEntry, containerEntries, BAL_BASE } from './directory/ldap-entries.ts';
export { StoreSnapshotSource } from './directory/store-source.ts';

// The HTTP side: FHIR API v2, extraction files, mailbox resolution (R-ANN-4).
export { startAnnuaireHttp, SANDBOX_API_KEY, API_KEY_HEADER, FHIR_BASE_PATH, LEGACY_EXTRACTION_PATH } from './http/server.ts';
export type { AnnuaireHttpOptions, RunningAnnuaireHttp } from './http/server.ts';
export { SearchWorkers, type SearchWorkerData } from './http/search-workers.ts';
export { StoreDirectoryData } from './directory/data.ts';
export type { DirectoryData, DirectoryMailbox } from './directory/data.ts';
export { resolveMailbox, ResolutionError, professionalIdnat, structureIdnat } from './resolve/resolver.ts';
export type { Resolution, ResolutionContext, ResolutionOutcome, MailboxCandidate } from './resolve/resolver.ts';
export { extractionZip, extractionText, extractionBaseName, EXTRACTION_COLUMNS } from './extraction/extraction.ts';
export { extractionRow } from './extraction/columns.ts';
export { writeExtractionFile, listExtractionFiles } from './extraction/files.ts';
export { search as fhirSearch, SEARCH_PARAMS } from './fhir/search.ts';

// The write side fed by operators: FHIR PATCH on telecom, full declaration (R-ANN-1).
export { DECLARATION_PATH, type FeedOptions } from './feed/routes.ts';
export type { FeedOperator } from './feed/operators.ts';
export type { DeclarationSummary } from './feed/declaration.ts';
export type { MailboxDeclaration } from './feed/telecom.ts';

// RPPS+ (the Enreg portal) writes persons and situations through this; the change feed records them.
export {
  AnnuaireRegistry,
  RegistryError,
  type RegistryErrorKind,
  type RegisteredPerson,
  type DeclaredSituation,
} from './registry/registry.ts';
export { StoreChangeFeed, changeFeed, encodeFeedCursor, FEED_TYPES, type ChangeFeedSource } from './fhir/changes.ts';

// Its database: the store's engines and tables, and its own migrations, tables and queries.
export {
  AnnuaireRepos,
  migrateAnnuaire,
  ANNUAIRE_MIGRATIONS,
  directorySearchLimits,
  foldName,
  type PublishedMailbox,
  type DirectoryFeedState,
  type DirectoryChangeRow,
} from './store/index.ts';
