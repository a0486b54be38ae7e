import { initial } from './0001-initial.ts';
import { accessAudit } from './0002-access-audit.ts';
import { directoryOutbox } from './0003-directory-outbox.ts';
import { smtpQueue } from './0004-smtp-queue.ts';
import { imapCache } from './0005-imap-cache.ts';
import { directorySearch } from './0006-directory-search.ts';
import { directoryPages } from './0007-directory-pages.ts';
import { mailUsage } from './0008-mail-usage.ts';
import { mailRecent } from './0009-mail-recent.ts';
import { messageData } from './0010-message-data.ts';
import { mailSaved } from './0011-mail-saved.ts';
import { indicatorEvents } from './0012-indicator-events.ts';
import { localPersons } from './0013-local-persons.ts';
import { mes } from './0014-mes.ts';
import { operatorReads } from './0015-operator-reads.ts';
import { directoryAddress } from './0016-directory-address.ts';
import { groupAddresses } from './0017-group-addresses.ts';
import { directoryChanges } from './0018-directory-changes.ts';
import { addressTrigrams } from './0019-address-trigrams.ts';
import { rppsPlus } from './0020-rpps-plus.ts';
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
  directorySearch,
  directoryPages,
  mailUsage,
  mailRecent,
  messageData,
  mailSaved,
  indicatorEvents,
  localPersons,
  mes,
  operatorReads,
  directoryAddress,
  groupAddresses,
  directoryChanges,
  addressTrigrams,
  rppsPlus,
  busEvents,
  mailThreads,
  webSessions,
];
export type { Engine, MigrationContext, MssMigration } from './types.ts';
