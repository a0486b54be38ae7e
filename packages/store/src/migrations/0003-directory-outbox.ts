import type { MssMigration } from './types.ts';
import { withId } from './0001-initial.ts';

/**
 * Changes to publish to the national directory (R-ANN-1), written in the same transaction as
 * the governance change, sent later with retries: nothing is lost while the directory is down.
 */
export const directoryOutbox: MssMigration = {
  name: '0003-directory-outbox',
  async up(db, engine) {
    await withId(db.schema.createTable('directory_outbox'), engine)
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('mailbox_id', 'bigint', (c) => c.notNull())
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('operation', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('sent_at', 'text')
      .addColumn('last_error', 'text')
      .execute();
    await db.schema.createIndex('directory_outbox_pending').on('directory_outbox').columns(['sent_at', 'id']).execute();
  },
};
