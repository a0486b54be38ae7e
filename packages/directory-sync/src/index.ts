// The operator follows the Annuaire Santé's change feed (issue #15): persons, structures and
// situations d'exercice kept up to date over HTTP, and what an ended situation ends (R-DEL-5).
export { DirectorySync, statusOf, type DirectorySyncOptions, type SyncStatus, type CatchUpResult } from './sync.ts';
export { FeedClient, FeedError, FEED_TYPES, type FeedPage, type FeedFailure, type FeedClientOptions } from './client.ts';
export { applyEntries, type Applied } from './apply.ts';
export { personFromPractitioner, structureFromOrganization, situationFromRole } from './mapping.ts';
export { SITUATION_ENDED_REASON, employersLost, endUnsupportedDelegations, type SyncConsequences } from './consequences.ts';
