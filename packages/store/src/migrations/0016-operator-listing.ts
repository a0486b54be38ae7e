import { sql } from 'kysely';
import type { MssMigration } from './types.ts';

/**
 * The operator listing's status and type indexes of 0015 become partial, on the rare rows a
 * listing asks for by them (not active; ORG and APP), written in a form the directory's probes of
 * published mailboxes (`status = 'active'`, `type in (…)`) never use; an owner's few mailboxes
 * come from the owner index of 0001 and are sorted.
 *
 * The operator half of the former `0016-directory-address`, whose other half (the Annuaire's
 * address search indexes) moved to the Annuaire stand-in's own migrations: a database that ran
 * the former has this already.
 */
export const operatorListing: MssMigration = {
  name: '0016-operator-listing',
  replaces: ['0016-directory-address'],
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
  },
};
