import { sql } from 'kysely';
import type { MssMigration } from '@mss/store/engine';

/** What "published" means for the directory (R-BAL-3), as DirectorySearchRepo writes it. */
export const PUBLISHED_MAILBOX = `status = 'active' and liste_rouge = 0 and released_at is null`;

/**
 * Bounded work for the Annuaire stand-in's searches at national scale. Additive only.
 *
 * - Published mailboxes by address and by owner, in partial indexes that carry what a mailbox
 *   search tests (type, owner, situation): a prefix shared by 36,000 cabinet addresses is then
 *   counted, listed or probed from the index alone, without reading a mailbox row.
 * - Practitioners in key order (a partial index without the patients).
 * - `directory_counts`: the number of practitioners (persons other than patients), structures
 *   and situations d'exercice, kept by triggers, so that the total of an unrestricted search
 *   (`Practitioner` with no parameter) is one row, not a count over a million.
 *
 * Formerly the store's `0007-directory-pages`.
 */
export const publishedPages: MssMigration = {
  name: '0002-published-pages',
  replaces: ['0007-directory-pages'],
  async up(db, engine) {
    await sql
      .raw(
        `create index mailboxes_published_address on mailboxes (address_key, type, owner_idnat, situation_id) where ${PUBLISHED_MAILBOX}`,
      )
      .execute(db);
    await sql
      .raw(`create index mailboxes_published_owner on mailboxes (owner_idnat, type, situation_id, address_key) where ${PUBLISHED_MAILBOX}`)
      .execute(db);

    // The key order of practitioners without the patients in it: the first page of an
    // unrestricted `Practitioner` search no longer steps over every patient (INS IdNats sort
    // first: 2,000 rows read for nothing at 1M).
    await sql.raw(`create index persons_practitioners on persons (idnat) where kind <> 'PATIENT'`).execute(db);

    await db.schema
      .createTable('directory_counts')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('n', 'bigint', (c) => c.notNull())
      .execute();
    await sql
      .raw(
        `insert into directory_counts (name, n) ` +
          `select 'practitioners', count(*) from persons where kind <> 'PATIENT' ` +
          `union all select 'structures', count(*) from structures ` +
          `union all select 'situations', count(*) from situations`,
      )
      .execute(db);

    const counted = [
      { table: 'persons', counter: 'practitioners', when: (row: string) => `${row}.kind <> 'PATIENT'` },
      { table: 'structures', counter: 'structures', when: undefined },
      { table: 'situations', counter: 'situations', when: undefined },
    ];
    if (engine === 'sqlite') {
      for (const { table, counter, when } of counted) {
        const bump = (delta: string) => `begin update directory_counts set n = n + ${delta} where name = '${counter}'; end`;
        await sql
          .raw(`create trigger ${table}_count_insert after insert on ${table} ${when ? `when ${when('new')} ` : ''}${bump('1')}`)
          .execute(db);
        await sql
          .raw(`create trigger ${table}_count_delete after delete on ${table} ${when ? `when ${when('old')} ` : ''}${bump('-1')}`)
          .execute(db);
        if (when) {
          await sql
            .raw(
              `create trigger ${table}_count_update after update of kind on ${table} when (${when('old')}) <> (${when('new')}) ` +
                bump(`(case when ${when('new')} then 1 else -1 end)`),
            )
            .execute(db);
        }
      }
      return;
    }
    // PostgreSQL: statement triggers over the transition tables, one update of the counter per
    // statement (a batch of 500 upserted persons moves it once, not 500 times).
    for (const { table, counter, when } of counted) {
      const rows = (t: string) => `(select count(*) from ${t}${when ? ` where ${when(t)}` : ''})`;
      const fn = `${table}_count_rows`;
      await sql
        .raw(
          `create or replace function ${fn}() returns trigger language plpgsql as $$ begin ` +
            `if TG_OP = 'INSERT' then update directory_counts set n = n + ${rows('new_rows')} where name = '${counter}'; ` +
            `elsif TG_OP = 'DELETE' then update directory_counts set n = n - ${rows('old_rows')} where name = '${counter}'; ` +
            `else update directory_counts set n = n + ${rows('new_rows')} - ${rows('old_rows')} where name = '${counter}'; end if; ` +
            `return null; end $$`,
        )
        .execute(db);
      await sql
        .raw(
          `create trigger ${table}_count_insert after insert on ${table} referencing new table as new_rows for each statement execute function ${fn}()`,
        )
        .execute(db);
      await sql
        .raw(
          `create trigger ${table}_count_delete after delete on ${table} referencing old table as old_rows for each statement execute function ${fn}()`,
        )
        .execute(db);
      if (when) {
        await sql
          .raw(
            `create trigger ${table}_count_update after update on ${table} referencing old table as old_rows new table as new_rows for each statement execute function ${fn}()`,
          )
          .execute(db);
      }
      // TRUNCATE skips row counts: it resets the counter.
      await sql
        .raw(
          `create or replace function ${table}_count_truncate() returns trigger language plpgsql as $$ begin ` +
            `update directory_counts set n = 0 where name = '${counter}'; return null; end $$`,
        )
        .execute(db);
      await sql
        .raw(
          `create trigger ${table}_count_truncate after truncate on ${table} for each statement execute function ${table}_count_truncate()`,
        )
        .execute(db);
    }
  },
};
