import type { MssMigration } from './types.ts';
import { withId } from './0001-initial.ts';

/**
 * What IMAP needs to answer a selected folder without reading message bodies: the ENVELOPE and
 * BODYSTRUCTURE as sent on the wire and the decoded header values SEARCH compares (filled at
 * APPEND, or on first use for messages stored otherwise), and a log of expunged UIDs by MODSEQ
 * so that a folder's in-memory index follows changes without rereading every row.
 */
export const imapCache: MssMigration = {
  name: '0005-imap-cache',
  async up(db, engine) {
    await db.schema.alterTable('mail_messages').addColumn('envelope', 'text').execute();
    await db.schema.alterTable('mail_messages').addColumn('body_structure', 'text').execute();
    await db.schema.alterTable('mail_messages').addColumn('search_headers', 'text').execute();
    await withId(db.schema.createTable('mail_expunged'), engine)
      .addColumn('folder_id', 'bigint', (c) => c.notNull())
      .addColumn('uid', 'bigint', (c) => c.notNull())
      .addColumn('modseq', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('mail_expunged_modseq').on('mail_expunged').columns(['folder_id', 'modseq']).execute();
  },
};
