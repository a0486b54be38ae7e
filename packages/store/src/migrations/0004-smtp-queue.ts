import type { MssMigration } from './types.ts';
import { withId } from './0001-initial.ts';

/**
 * The outbound mail queue (one row per recipient at another operator, written in the same
 * transaction as the submission's local delivery) and the relay's record of what it has already
 * delivered, so that a sending operator's retry after a lost reply delivers nothing twice.
 */
export const smtpQueue: MssMigration = {
  name: '0004-smtp-queue',
  async up(db, engine) {
    await withId(db.schema.createTable('smtp_queue'), engine)
      .addColumn('message_ref', 'text', (c) => c.notNull())
      .addColumn('blob_hash', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('sender_address', 'text', (c) => c.notNull())
      .addColumn('sender_mailbox_id', 'bigint', (c) => c.notNull())
      .addColumn('author_idnat', 'text')
      .addColumn('mail_from', 'text', (c) => c.notNull())
      .addColumn('envid', 'text')
      .addColumn('ret', 'text')
      .addColumn('body_type', 'text', (c) => c.notNull())
      .addColumn('smtputf8', 'integer', (c) => c.notNull())
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('domain', 'text', (c) => c.notNull())
      .addColumn('notify', 'text')
      .addColumn('orcpt', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('next_attempt_at', 'text', (c) => c.notNull())
      .addColumn('claimed_by', 'text')
      .addColumn('last_attempt_at', 'text')
      .addColumn('last_error', 'text')
      .addColumn('done_at', 'text')
      .execute();
    await db.schema.createIndex('smtp_queue_due').on('smtp_queue').columns(['status', 'next_attempt_at']).execute();
    await db.schema.createIndex('smtp_queue_message').on('smtp_queue').columns(['message_ref']).execute();

    await withId(db.schema.createTable('smtp_relay_seen'), engine)
      .addColumn('peer', 'text', (c) => c.notNull())
      .addColumn('trace_id', 'text', (c) => c.notNull())
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('smtp_relay_seen_key', ['peer', 'trace_id', 'recipient'])
      .execute();
  },
};
