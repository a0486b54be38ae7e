import { sql } from 'kysely';
import { foldNameSql } from '../repos/directory.ts';
import type { MssMigration } from './types.ts';

/**
 * The Annuaire stand-in's address searches (`address-postalcode`, `address-city` on Practitioner,
 * PractitionerRole and Organization): a postal code prefix (a département) is a range on the
 * column, a commune a prefix of its folded name (the very expression DirectoryReadRepo queries
 * with, as for names in 0006-directory-search).
 *
 * And the operator listing's indexes of 0015 give way to the directory's: on every status, type
 * and owner they were candidates for its probes of published mailboxes (`status = 'active'`,
 * `type in (…)`, `owner_idnat = …`), which SQLite, without statistics, took instead of the
 * address index. The status and type indexes become partial, on the rare rows a listing asks
 * for by them (not active; ORG and APP), written in a form those probes never use; an owner's
 * few mailboxes come from the owner index of 0001 and are sorted.
 */
export const directoryAddress: MssMigration = {
  name: '0016-directory-address',
  async up(db) {
    await db.schema.dropIndex('mailboxes_status_created').execute();
    await db.schema.dropIndex('mailboxes_type_created').execute();
    await db.schema.dropIndex('mailboxes_owner_created').execute();
    await db.schema
      .createIndex('mailboxes_status_created')
      .on('mailboxes')
      .columns(['status', 'created_at', 'id'])
      .where(sql.ref('status'), '<>', 'active')
      .execute();
    await db.schema
      .createIndex('mailboxes_type_created')
      .on('mailboxes')
      .columns(['type', 'created_at', 'id'])
      .where(sql.ref('type'), 'not in', ['PER', 'CAB'])
      .execute();
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
