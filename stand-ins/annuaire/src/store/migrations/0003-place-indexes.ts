import { sql } from 'kysely';
import type { MssMigration } from '@mss/store/engine';
import { foldNameSql } from '../fold.ts';

/**
 * The address searches (`address-postalcode`, `address-city` on Practitioner, PractitionerRole
 * and Organization): a postal code prefix (a département) is a range on the column, a commune a
 * prefix of its folded name (the very expression DirectorySearchRepo queries with, as for names
 * in 0001-search-indexes).
 *
 * The Annuaire's half of the store's former `0016-directory-address` (the other half, the
 * operator listing's partial indexes, is the store's `0016-operator-listing`).
 */
export const placeIndexes: MssMigration = {
  name: '0003-place-indexes',
  replaces: ['0016-directory-address'],
  async up(db) {
    await db.schema.createIndex('situations_postal_code').on('situations').columns(['postal_code', 'person_idnat']).execute();
    await db.schema.createIndex('structures_postal_code').on('structures').columns(['postal_code', 'idnat']).execute();
    await db.schema
      .createIndex('situations_city_folded')
      .on('situations')
      .expression(sql.raw(`${foldNameSql('city')}, person_idnat`))
      .execute();
    await db.schema
      .createIndex('structures_city_folded')
      .on('structures')
      .expression(sql.raw(`${foldNameSql('city')}, idnat`))
      .execute();
  },
};
