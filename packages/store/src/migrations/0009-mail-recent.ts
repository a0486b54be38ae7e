import { sql } from 'kysely';
import type { MssMigration } from './types.ts';

/**
 * IMAP4rev1's `\Recent` (RFC 3501 §2.3.2): a message is recent in exactly one session, the first
 * to have its folder selected read-write after the message arrived. The folder keeps the highest
 * UID some session has claimed so; the messages above it are recent for the next session.
 * Messages stored before this migration are taken as already seen by a session.
 */
export const mailRecent: MssMigration = {
  name: '0009-mail-recent',
  async up(db) {
    await db.schema
      .alterTable('mail_folders')
      .addColumn('recent_uid', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    await sql`update mail_folders set recent_uid = uidnext - 1`.execute(db);
  },
};
