import type { MssMigration } from './types.ts';

/**
 * The operator's side of the Annuaire's change feed (issue #15).
 *
 * - `situations.employer_idnat`: the professional who employs a secretary or an assistant (RPPS+
 *   situation, §7): the delegations that situation supports are those on that person's mailboxes
 *   (R-DEL-5). Null for every other situation.
 * - `directory_sync`: the operator's cursor in an Annuaire's feed and what it knows of its lag.
 *
 * The operator half of the former `0018-directory-changes`, whose other half (the feed itself:
 * its log, its epoch and the triggers that record it) moved to the Annuaire stand-in's own
 * migrations: a database that ran the former has this already.
 */
export const directorySync: MssMigration = {
  name: '0018-directory-sync',
  replaces: ['0018-directory-changes'],
  async up(db) {
    await db.schema.alterTable('situations').addColumn('employer_idnat', 'text').execute();
    await db.schema
      .createTable('directory_sync')
      .addColumn('source', 'text', (c) => c.primaryKey())
      .addColumn('cursor', 'text')
      .addColumn('caught_up_at', 'text')
      .addColumn('last_attempt_at', 'text')
      .addColumn('last_success_at', 'text')
      .addColumn('last_error', 'text')
      .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('entries_applied', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('rows_changed', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('full_resyncs', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_full_resync_at', 'text')
      .addColumn('last_full_resync_reason', 'text')
      .execute();
  },
};
