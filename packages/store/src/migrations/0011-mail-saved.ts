import { sql } from 'kysely';
import type { MssMigration } from './types.ts';

/**
 * SAVEDATE (RFC 8514): when a message was saved into its folder (APPEND, delivery, COPY, MOVE),
 * which a COPY does not carry over as it does INTERNALDATE. Messages stored before this migration
 * take their INTERNALDATE, the best estimate left (docs/choices.md, "IMAP save dates").
 */
export const mailSaved: MssMigration = {
  name: '0011-mail-saved',
  async up(db) {
    await db.schema.alterTable('mail_messages').addColumn('saved_at', 'text').execute();
    await sql`update mail_messages set saved_at = internal_date`.execute(db);
  },
};
