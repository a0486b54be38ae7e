import { sql } from 'kysely';
import { withId } from './0001-initial.ts';
import type { MssMigration } from './types.ts';

/**
 * Structure-local identities (issue #20 rule 6): staff of a FINESS structure declared on one of
 * its ORG mailboxes by the mailbox's responsible persons, and authenticated by the structure's own
 * identity provider rather than Pro Santé Connect. A row is never deleted: removal stamps it, so
 * that who had access when stays readable beside the mailbox history.
 */
export const localPersons: MssMigration = {
  name: '0013-local-persons',
  async up(db, engine) {
    await withId(db.schema.createTable('local_persons'), engine)
      .addColumn('mailbox_id', 'bigint', (c) => c.notNull().references('mailboxes.id'))
      // IdNat_PS of FINESS-registered staff: 3 + FINESS + "/" + the structure's own identifier.
      .addColumn('idnat', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role_label', 'text', (c) => c.notNull())
      .addColumn('added_at', 'text', (c) => c.notNull())
      .addColumn('added_by', 'text', (c) => c.notNull())
      .addColumn('removed_at', 'text')
      .addColumn('removed_by', 'text')
      .addColumn('remove_reason', 'text')
      .execute();
    // One declaration in force per person and mailbox; removed ones stay beside it.
    await db.schema
      .createIndex('local_persons_in_force')
      .on('local_persons')
      .columns(['mailbox_id', 'idnat'])
      .unique()
      .where(sql.ref('removed_at'), 'is', null)
      .execute();
    await db.schema.createIndex('local_persons_idnat').on('local_persons').column('idnat').execute();
  },
};
