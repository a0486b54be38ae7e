import { sql } from 'kysely';
import type { MssMigration } from '@mss/store/engine';
import { foldNameSql } from '../fold.ts';

/**
 * Indexes for the Annuaire stand-in's read side at national scale: accent- and case-insensitive
 * name prefixes (the index expression is the very text DirectorySearchRepo queries with, hence the
 * shared foldNameSql), the `_lastUpdated` delta, and `qualification-code`. Additive only.
 * Formerly the store's `0006-directory-search`.
 */
export const searchIndexes: MssMigration = {
  name: '0001-search-indexes',
  replaces: ['0006-directory-search'],
  async up(db) {
    // Family then given (and the reverse): a prefix uses the first column, the other name is
    // checked in the index, and with the key and the patient test in it too a name search picks
    // its page of keys and counts its matches from the index alone.
    const family = foldNameSql('last_name');
    const given = foldNameSql('first_name');
    await db.schema
      .createIndex('persons_family_folded')
      .on('persons')
      .expression(sql.raw(`${family}, ${given}, idnat, kind`))
      .execute();
    await db.schema
      .createIndex('persons_given_folded')
      .on('persons')
      .expression(sql.raw(`${given}, ${family}, idnat, kind`))
      .execute();
    await db.schema.createIndex('persons_updated').on('persons').column('updated_at').execute();
    await db.schema.createIndex('persons_profession').on('persons').columns(['profession_code', 'idnat']).execute();
    await db.schema.createIndex('persons_speciality').on('persons').columns(['speciality_code', 'idnat']).execute();
    await db.schema
      .createIndex('structures_name_folded')
      .on('structures')
      .expression(sql.raw(`${foldNameSql('name')}, idnat`))
      .execute();
    await db.schema.createIndex('structures_updated').on('structures').column('updated_at').execute();
    await db.schema.createIndex('mailboxes_updated').on('mailboxes').column('updated_at').execute();
  },
};
