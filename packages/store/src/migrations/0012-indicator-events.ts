import type { MssMigration } from './types.ts';
import { makeAppendOnly, withId } from './0001-initial.ts';

/**
 * The Ségur indicators' ledger (R-IND-1, R-CAB-8): one row per message sent (attributed to the
 * person who acted) and one per mailbox that received a message, written in the transaction that
 * stores the message, so that a count exists if and only if its message does — never twice, never
 * lost across a crash. Append-only in the database, like the history; the month's figures are a
 * GROUP BY over (period, …).
 */
export const indicatorEvents: MssMigration = {
  name: '0012-indicator-events',
  async up(db, engine) {
    await withId(db.schema.createTable('indicator_events'), engine)
      .addColumn('at', 'text', (c) => c.notNull())
      /** `YYYY-MM`, the month in Europe/Paris. */
      .addColumn('period', 'text', (c) => c.notNull())
      .addColumn('direction', 'text', (c) => c.notNull())
      .addColumn('idnat', 'text', (c) => c.notNull())
      .addColumn('mailbox_id', 'bigint', (c) => c.notNull())
      .addColumn('mailbox', 'text', (c) => c.notNull())
      .addColumn('mailbox_type', 'text', (c) => c.notNull())
      .addColumn('message_ref', 'text', (c) => c.notNull())
      .addColumn('document_types', 'text', (c) => c.notNull())
      .addColumn('ins_qualified', 'integer', (c) => c.notNull())
      .addColumn('mes', 'integer', (c) => c.notNull())
      .addColumn('mismatches', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('indicator_events_period').on('indicator_events').columns(['period', 'idnat']).execute();
    await makeAppendOnly(db, engine, 'indicator_events');
  },
};
