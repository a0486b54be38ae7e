import { withId } from './0001-initial.ts';
import type { MssMigration } from './types.ts';

/**
 * Group addresses of practices without FINESS (issue #20 rule 7): a list address kept by a CAB's
 * owner that fans out to named mailboxes of the practice. Nobody opens or sends as it. A closed
 * group keeps its row and its address (never reused: docs/choices.md); its history is the CAB's.
 */
export const groupAddresses: MssMigration = {
  name: '0017-group-addresses',
  async up(db, engine) {
    await withId(db.schema.createTable('group_addresses'), engine)
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('address_key', 'text', (c) => c.notNull().unique())
      .addColumn('cab_mailbox_id', 'bigint', (c) => c.notNull().references('mailboxes.id'))
      .addColumn('description', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('closed_at', 'text')
      .execute();
    await db.schema.createIndex('group_addresses_cab').on('group_addresses').column('cab_mailbox_id').execute();
    await db.schema
      .createTable('group_members')
      .addColumn('group_id', 'bigint', (c) => c.notNull().references('group_addresses.id'))
      .addColumn('mailbox_id', 'bigint', (c) => c.notNull().references('mailboxes.id'))
      .addColumn('added_at', 'text', (c) => c.notNull())
      .addColumn('added_by', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('group_members_pk', ['group_id', 'mailbox_id'])
      .execute();
  },
};
