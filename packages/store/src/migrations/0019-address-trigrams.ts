import { sql } from 'kysely';
import type { MssMigration } from './types.ts';

/** The SQLite FTS5 table of address trigrams, kept beside `mailboxes` (MailboxListingRepo reads it). */
export const ADDRESS_TRIGRAMS = 'mailboxes_address_trigrams';

/**
 * A trigram index on `mailboxes.address_key`, for the operator listing's "part of the address"
 * search (issue #20), which otherwise reads every mailbox (docs/choices.md, "Address search").
 *
 * SQLite: an FTS5 table with the `trigram` tokenizer over the mailboxes' own rows (external
 * content, so the addresses are not stored twice), filled now and kept in step by triggers on
 * every insert, delete and change of `address_key`.
 *
 * PostgreSQL: a GIN index with `pg_trgm`'s operator class, which serves `LIKE '%…%'` as it is.
 * The extension is database-wide while a store lives in a schema (tests run one per schema and
 * drop it with CASCADE): it is created in `public`, under an advisory lock so that stores migrating
 * at once do not race on it, or found wherever it already is. Where it cannot be had (not
 * installed, no right to create it), the migration leaves the index out and the search scans,
 * as before: the results are the same, only slower.
 */
export const addressTrigrams: MssMigration = {
  name: '0019-address-trigrams',
  async up(db, engine) {
    if (engine === 'sqlite') {
      const t = ADDRESS_TRIGRAMS;
      await sql
        .raw(`create virtual table ${t} using fts5(address_key, content='mailboxes', content_rowid='id', tokenize='trigram')`)
        .execute(db);
      await sql.raw(`insert into ${t}(${t}) values ('rebuild')`).execute(db);
      const remove = `insert into ${t}(${t}, rowid, address_key) values ('delete', old.id, old.address_key);`;
      const add = `insert into ${t}(rowid, address_key) values (new.id, new.address_key);`;
      await sql.raw(`create trigger ${t}_insert after insert on mailboxes begin ${add} end`).execute(db);
      await sql.raw(`create trigger ${t}_delete after delete on mailboxes begin ${remove} end`).execute(db);
      await sql.raw(`create trigger ${t}_update after update of address_key on mailboxes begin ${remove} ${add} end`).execute(db);
      return;
    }
    const schema = await trigramSchema(db);
    if (schema === undefined) return;
    await sql
      .raw(`create index mailboxes_address_trigrams on mailboxes using gin (address_key ${quoteIdent(schema)}.gin_trgm_ops)`)
      .execute(db);
  },
};

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The schema holding pg_trgm, after creating it if need be; undefined when it cannot be had. */
async function trigramSchema(db: Parameters<MssMigration['up']>[0]): Promise<string | undefined> {
  // Any constant shared by every store of the database: it only orders the CREATE EXTENSIONs.
  await sql`select pg_advisory_xact_lock(5318008, 19)`.execute(db);
  const installed = async () =>
    (
      await sql<{ schema: string }>`select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace
        where e.extname = 'pg_trgm'`.execute(db)
    ).rows[0]?.schema;
  const found = await installed();
  if (found !== undefined) return found;
  // A failed statement would abort the migration's transaction: try it behind a savepoint.
  await sql`savepoint trigram_extension`.execute(db);
  try {
    await sql`create extension if not exists pg_trgm with schema public`.execute(db);
    await sql`release savepoint trigram_extension`.execute(db);
  } catch {
    await sql`rollback to savepoint trigram_extension`.execute(db);
    return undefined;
  }
  return installed();
}
