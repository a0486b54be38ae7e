import type { Kysely } from 'kysely';
import { ingestMessage } from '../ingest.ts';
import type { MigrationContext, MssMigration } from './types.ts';

/**
 * One ingestion path (ingest.ts): every message row carries its neutral structure (`structure`,
 * JSON: envelope and MIME part tree) and its search values, computed when it was stored. Until
 * now IMAP kept ENVELOPE and BODYSTRUCTURE as written on the wire, filled at APPEND or on the
 * first FETCH of mail delivered by SMTP — a write on the read path. Rows stored before are
 * computed here, once, from their blobs; the wire-form columns go.
 */
export const messageData: MssMigration = {
  name: '0010-message-data',
  async up(db, _engine, context) {
    await db.schema.alterTable('mail_messages').addColumn('structure', 'text').execute();
    await backfillMessageData(db, context);
    await db.schema.alterTable('mail_messages').dropColumn('envelope').execute();
    await db.schema.alterTable('mail_messages').dropColumn('body_structure').execute();
  },
};

const PAGE = 500;

/**
 * Computes the structure and search values of every row that lacks either, by pages in id order
 * (copies of a message share a blob: parsed once per page). A blob that cannot be read leaves its
 * row as it was: readers then parse the body, if it ever comes back, without writing.
 */
export async function backfillMessageData(db: Kysely<any>, context: MigrationContext): Promise<number> {
  let after = 0;
  let filled = 0;
  for (;;) {
    const rows: { id: number; blob_hash: string }[] = await db
      .selectFrom('mail_messages')
      .select(['id', 'blob_hash'])
      .where('id', '>', after)
      .where((eb) => eb.or([eb('structure', 'is', null), eb('search_headers', 'is', null)]))
      .orderBy('id')
      .limit(PAGE)
      .execute();
    if (rows.length === 0) return filled;
    const byHash = new Map<string, ReturnType<typeof ingestMessage> | null>();
    for (const r of rows) {
      after = Number(r.id);
      if (!byHash.has(r.blob_hash)) byHash.set(r.blob_hash, await context.readBlob(r.blob_hash).then(ingestMessage, () => null));
      const data = byHash.get(r.blob_hash);
      if (!data) continue;
      await db
        .updateTable('mail_messages')
        .set({ structure: data.structure, search_headers: data.searchHeaders })
        .where('id', '=', r.id)
        .execute();
      filled++;
    }
  }
}
