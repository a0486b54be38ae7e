import { initial } from './0001-initial.ts';
import { accessAudit } from './0002-access-audit.ts';
import { directoryOutbox } from './0003-directory-outbox.ts';
import { smtpQueue } from './0004-smtp-queue.ts';
import { imapCache } from './0005-imap-cache.ts';
import { mailUsage } from './0008-mail-usage.ts';
import { mailRecent } from './0009-mail-recent.ts';
import { messageData } from './0010-message-data.ts';
import { mailSaved } from './0011-mail-saved.ts';
import { indicatorEvents } from './0012-indicator-events.ts';
import { localPersons } from './0013-local-persons.ts';
import { mes } from './0014-mes.ts';
import { operatorReads } from './0015-operator-reads.ts';
import { operatorListing } from './0016-operator-listing.ts';
import { groupAddresses } from './0017-group-addresses.ts';
import { directorySync } from './0018-directory-sync.ts';
import { addressTrigrams } from './0019-address-trigrams.ts';
import { busEvents } from './0021-bus-events.ts';
import { mailThreads } from './0022-mail-threads.ts';
import { webSessions } from './0023-web-sessions.ts';
import type { MssMigration } from './types.ts';

/** Every migration, in order. Append only: a released migration is never edited. */
export const MIGRATIONS: readonly MssMigration[] = [
  initial,
  accessAudit,
  directoryOutbox,
  smtpQueue,
  imapCache,
  mailUsage,
  mailRecent,
  messageData,
  mailSaved,
  indicatorEvents,
  localPersons,
  mes,
  operatorReads,
  operatorListing,
  groupAddresses,
  directorySync,
  addressTrigrams,
  busEvents,
  mailThreads,
  webSessions,
];

/**
 * Store migrations that a database may have run and that this set no longer has: their work
 * moved to a stand-in's own set (docs/choices.md, "Stand-ins' own migrations"), whose migrations
 * `replace` them. Kept as names only, so that a database made before the move opens as it is.
 */
export const RETIRED_MIGRATIONS: readonly string[] = [
  // The Annuaire stand-in's FHIR search indexes and counters (stand-ins/annuaire/src/store/migrations).
  '0006-directory-search',
  '0007-directory-pages',
  // Split: the operator's half is 0016-operator-listing and 0018-directory-sync, the Annuaire's half moved.
  '0016-directory-address',
  '0018-directory-changes',
  // The RPPS+ portal stand-in's requests (stand-ins/rpps-plus/src/store/migrations).
  '0020-rpps-plus',
];

export type { Engine, MigrationContext, MssMigration } from './types.ts';
