import type { Kysely } from 'kysely';
import { ingestMessage } from '../ingest.ts';
import type { Database } from '../schema.ts';
import { threadFor } from '../threads.ts';
import type { MigrationContext, MssMigration } from './types.ts';

/**
 * JMAP threads (RFC 8621 §3): each message row gets the thread its mailbox's conversation gave it
 * (threads.ts), and the msg-ids messages named are kept per mailbox so that later ones find their
 * thread. Rows stored before are threaded here, in the order they were stored, from their blobs
 * (References is not a column); a row whose blob cannot be read keeps no thread id, and readers
 * give it one of its own.
 */
export const mailThreads: MssMigration = {
  name: '0022-mail-threads',
  async up(db, _engine, context) {
    await db.schema.alterTable('mail_messages').addColumn('thread_id', 'text').execute();
    await db.schema
      .createTable('mail_thread_refs')
      .addColumn('mailbox_id', 'integer', (c) => c.notNull())
      .addColumn('message_id', 'text', (c) => c.notNull())
      .addColumn('thread_id', 'text', (c) => c.notNull())
      .addColumn('subject', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('mail_thread_refs_pk', ['mailbox_id', 'message_id'])
      .execute();
    await backfillThreads(db, context);
  },
};

const PAGE = 500;

async function backfillThreads(db: Kysely<any>, context: MigrationContext): Promise<void> {
  let after = 0;
  for (;;) {
    const rows: { id: number; blob_hash: string; mailbox_id: number }[] = await db
      .selectFrom('mail_messages as m')
      .innerJoin('mail_folders as f', 'f.id', 'm.folder_id')
      .select(['m.id', 'm.blob_hash', 'f.mailbox_id'])
      .where('m.id', '>', after)
      .orderBy('m.id')
      .limit(PAGE)
      .execute();
    if (rows.length === 0) return;
    const byHash = new Map<string, ReturnType<typeof ingestMessage> | null>();
    for (const r of rows) {
      after = Number(r.id);
      if (!byHash.has(r.blob_hash)) byHash.set(r.blob_hash, await context.readBlob(r.blob_hash).then(ingestMessage, () => null));
      const data = byHash.get(r.blob_hash);
      if (!data) continue;
      const thread = await threadFor(db as Kysely<Database>, Number(r.mailbox_id), data.thread, r.blob_hash);
      await db.updateTable('mail_messages').set({ thread_id: thread }).where('id', '=', r.id).execute();
    }
  }
}
