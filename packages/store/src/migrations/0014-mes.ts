import { sql } from 'kysely';
import type { MssMigration } from './types.ts';
import { makeAppendOnly, withId } from './0001-initial.ts';

/**
 * Mon Espace Santé's own tables (used only in the MES stand-in's store): the patients with their
 * INS identity traits, one conversation per (patient, professional address) with its state
 * (R-MES-1, R-MES-2), and the conversation's history, append-only like the mailboxes' history.
 */
export const mes: MssMigration = {
  name: '0014-mes',
  async up(db, engine) {
    await db.schema
      .createTable('mes_patients')
      .addColumn('ins', 'text', (c) => c.primaryKey())
      .addColumn('birth_name', 'text', (c) => c.notNull())
      .addColumn('used_name', 'text')
      .addColumn('first_names', 'text', (c) => c.notNull())
      .addColumn('used_first_name', 'text', (c) => c.notNull())
      .addColumn('birth_date', 'text', (c) => c.notNull())
      .addColumn('sex', 'text', (c) => c.notNull())
      .addColumn('birth_place', 'text', (c) => c.notNull())
      .addColumn('mailbox_id', 'bigint', (c) => c.notNull().references('mailboxes.id'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addCheckConstraint('mes_patients_sex_check', sql`sex in ('F','M')`)
      .execute();
    await db.schema.createIndex('mes_patients_identity').on('mes_patients').columns(['birth_name', 'birth_date']).execute();

    await withId(db.schema.createTable('mes_conversations'), engine)
      .addColumn('ins', 'text', (c) => c.notNull().references('mes_patients.ins'))
      .addColumn('professional', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('opened_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('mes_conversations_key', ['ins', 'professional'])
      .addCheckConstraint('mes_conversations_state_check', sql`state in ('open','ended')`)
      .execute();

    await withId(db.schema.createTable('mes_conversation_events'), engine)
      .addColumn('conversation_id', 'bigint', (c) => c.notNull().references('mes_conversations.id'))
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('message_id', 'bigint')
      .addColumn('detail', 'text')
      .execute();
    await db.schema.createIndex('mes_conversation_events_conversation').on('mes_conversation_events').column('conversation_id').execute();
    await makeAppendOnly(db, engine, 'mes_conversation_events');
  },
};
