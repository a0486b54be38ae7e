import { sql, type Kysely } from 'kysely';
import type { MssMigration } from './types.ts';

/**
 * What a mailbox uses, kept per folder so that a quota check (IMAP QUOTA, RFC 9208; SMTP's
 * "mailbox full") reads a handful of folder rows rather than summing every message: the bytes
 * and the number of the folder's messages, maintained by MailRepo in the same UPDATE that takes
 * a UID or a MODSEQ (the folder row is written then anyway). Existing folders are counted once here.
 */
export const mailUsage: MssMigration = {
  name: '0008-mail-usage',
  async up(db) {
    await db.schema
      .alterTable('mail_folders')
      .addColumn('storage_used', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable('mail_folders')
      .addColumn('message_count', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    await recountMailUsage(db);
  },
};

/** Sets every folder's usage counters from its messages (the migration's backfill). */
export async function recountMailUsage(db: Kysely<any>): Promise<void> {
  await sql`update mail_folders set
      storage_used = (select coalesce(sum(m.size), 0) from mail_messages m where m.folder_id = mail_folders.id),
      message_count = (select count(*) from mail_messages m where m.folder_id = mail_folders.id)`.execute(db);
}
