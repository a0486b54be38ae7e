import { sql, type Kysely, type CreateTableBuilder } from 'kysely';
import type { Engine, MssMigration } from './types.ts';

/** An auto-incrementing integer key, spelled the way each engine wants it. */
export function withId<T extends string>(table: CreateTableBuilder<T, never>, engine: Engine): CreateTableBuilder<T, 'id'> {
  return engine === 'sqlite'
    ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    : table.addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity());
}

/** Refuses UPDATE and DELETE (and TRUNCATE on PostgreSQL) on a table, in the database itself. */
export async function makeAppendOnly(db: Kysely<any>, engine: Engine, table: string): Promise<void> {
  if (engine === 'sqlite') {
    for (const op of ['UPDATE', 'DELETE']) {
      await sql
        .raw(
          `CREATE TRIGGER ${table}_no_${op.toLowerCase()} BEFORE ${op} ON ${table} ` +
            `BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END`,
        )
        .execute(db);
    }
    return;
  }
  await sql
    .raw(
      `CREATE OR REPLACE FUNCTION mss_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ ` +
        `BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$`,
    )
    .execute(db);
  await sql
    .raw(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION mss_append_only()`)
    .execute(db);
  await sql
    .raw(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION mss_append_only()`)
    .execute(db);
}

export const initial: MssMigration = {
  name: '0001-initial',
  async up(db, engine) {
    await db.schema
      .createTable('persons')
      .addColumn('idnat', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('id_type', 'text', (c) => c.notNull())
      .addColumn('rpps', 'text')
      .addColumn('civility', 'text')
      .addColumn('last_name', 'text', (c) => c.notNull())
      .addColumn('first_name', 'text', (c) => c.notNull())
      .addColumn('profession_code', 'text')
      .addColumn('profession_label', 'text')
      .addColumn('category_code', 'text')
      .addColumn('speciality_code', 'text')
      .addColumn('speciality_label', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('persons_last_name').on('persons').column('last_name').execute();
    await db.schema.createIndex('persons_rpps').on('persons').column('rpps').execute();

    await db.schema
      .createTable('structures')
      .addColumn('idnat', 'text', (c) => c.primaryKey())
      .addColumn('id_type', 'text', (c) => c.notNull())
      .addColumn('finess', 'text')
      .addColumn('siret', 'text')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('sector_code', 'text')
      .addColumn('street', 'text', (c) => c.notNull())
      .addColumn('postal_code', 'text', (c) => c.notNull())
      .addColumn('city', 'text', (c) => c.notNull())
      .addColumn('departement', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('situations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('person_idnat', 'text', (c) => c.notNull().references('persons.idnat'))
      .addColumn('structure_idnat', 'text', (c) => c.references('structures.idnat'))
      .addColumn('practice_name', 'text')
      .addColumn('mode', 'text', (c) => c.notNull())
      .addColumn('role_label', 'text')
      .addColumn('street', 'text', (c) => c.notNull())
      .addColumn('postal_code', 'text', (c) => c.notNull())
      .addColumn('city', 'text', (c) => c.notNull())
      .addColumn('departement', 'text', (c) => c.notNull())
      .addColumn('start_date', 'text', (c) => c.notNull())
      .addColumn('end_date', 'text')
      .execute();
    await db.schema.createIndex('situations_person').on('situations').column('person_idnat').execute();
    await db.schema.createIndex('situations_structure').on('situations').column('structure_idnat').execute();

    await withId(db.schema.createTable('mailboxes'), engine)
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('address_key', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('owner_idnat', 'text', (c) => c.notNull())
      .addColumn('situation_id', 'text', (c) => c.references('situations.id'))
      .addColumn('liste_rouge', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('description', 'text')
      .addColumn('service', 'text')
      .addColumn('digitization', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('closed_at', 'text')
      .addColumn('released_at', 'text')
      .addColumn('last_uidvalidity', 'bigint', (c) => c.notNull().defaultTo(0))
      .addCheckConstraint('mailboxes_type_check', sql`type in ('PER','ORG','APP','CAB')`)
      .addCheckConstraint('mailboxes_status_check', sql`status in ('active','suspended','closed')`)
      .execute();
    // R-BAL-1: one holder of an address at a time; a released address may be taken again.
    await db.schema
      .createIndex('mailboxes_address_held')
      .on('mailboxes')
      .column('address_key')
      .unique()
      .where(sql.ref('released_at'), 'is', null)
      .execute();
    await db.schema.createIndex('mailboxes_owner').on('mailboxes').column('owner_idnat').execute();

    await db.schema
      .createTable('mailbox_holders')
      .addColumn('mailbox_id', 'bigint', (c) => c.notNull().references('mailboxes.id'))
      .addColumn('person_idnat', 'text', (c) => c.notNull().references('persons.idnat'))
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('added_at', 'text', (c) => c.notNull())
      .addColumn('added_by', 'text')
      .addPrimaryKeyConstraint('mailbox_holders_pk', ['mailbox_id', 'person_idnat', 'role'])
      .addCheckConstraint('mailbox_holders_role_check', sql`role in ('holder','responsible','owner','cotitulaire')`)
      .execute();
    await db.schema.createIndex('mailbox_holders_person').on('mailbox_holders').column('person_idnat').execute();

    await withId(db.schema.createTable('delegations'), engine)
      .addColumn('mailbox_id', 'bigint', (c) => c.notNull().references('mailboxes.id'))
      .addColumn('delegate_idnat', 'text', (c) => c.notNull().references('persons.idnat'))
      .addColumn('granted_by', 'text', (c) => c.notNull())
      .addColumn('start_at', 'text', (c) => c.notNull())
      .addColumn('end_at', 'text')
      .addColumn('revoked_at', 'text')
      .addColumn('revoked_by', 'text')
      .addColumn('revoke_reason', 'text')
      .execute();
    await db.schema.createIndex('delegations_mailbox').on('delegations').column('mailbox_id').execute();
    await db.schema.createIndex('delegations_delegate').on('delegations').column('delegate_idnat').execute();

    await db.schema
      .createTable('cgu_versions')
      .addColumn('version', 'text', (c) => c.primaryKey())
      .addColumn('published_at', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('cgu_acceptances')
      .addColumn('person_idnat', 'text', (c) => c.notNull())
      .addColumn('version', 'text', (c) => c.notNull().references('cgu_versions.version'))
      .addColumn('accepted_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('cgu_acceptances_pk', ['person_idnat', 'version'])
      .execute();

    await withId(db.schema.createTable('history'), engine)
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('mailbox_id', 'bigint')
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('subject_idnat', 'text')
      .addColumn('reason', 'text')
      .addColumn('details', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('history_mailbox').on('history').columns(['mailbox_id', 'id']).execute();
    await makeAppendOnly(db, engine, 'history');

    await withId(db.schema.createTable('mail_folders'), engine)
      .addColumn('mailbox_id', 'bigint', (c) => c.notNull().references('mailboxes.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('uidvalidity', 'bigint', (c) => c.notNull())
      .addColumn('uidnext', 'bigint', (c) => c.notNull())
      .addColumn('highest_modseq', 'bigint', (c) => c.notNull())
      .addColumn('subscribed', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('mail_folders_name', ['mailbox_id', 'name'])
      .execute();

    await withId(db.schema.createTable('mail_messages'), engine)
      .addColumn('folder_id', 'bigint', (c) => c.notNull().references('mail_folders.id'))
      .addColumn('uid', 'bigint', (c) => c.notNull())
      .addColumn('modseq', 'bigint', (c) => c.notNull())
      .addColumn('flags', 'text', (c) => c.notNull())
      .addColumn('internal_date', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('blob_hash', 'text', (c) => c.notNull())
      .addColumn('author_idnat', 'text')
      .addColumn('message_id', 'text')
      .addColumn('subject', 'text')
      .addColumn('from_addr', 'text')
      .addColumn('to_addrs', 'text')
      .addColumn('sent_date', 'text')
      .addUniqueConstraint('mail_messages_uid', ['folder_id', 'uid'])
      .execute();
    await db.schema.createIndex('mail_messages_modseq').on('mail_messages').columns(['folder_id', 'modseq']).execute();
  },
};
