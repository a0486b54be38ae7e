import { sql } from 'kysely';
import { makeAppendOnly, withId, type MssMigration } from '@mss/store/engine';

/**
 * The RPPS+ registration portal's own tables (domain reference §7): the registration requests of
 * secretaries and medical assistants with their decision, the RPPS numbers the portal handed out
 * (unique by construction), and every step of each request, append-only like the mailboxes'
 * history. Formerly the store's `0020-rpps-plus`.
 */
export const requests: MssMigration = {
  name: '0001-requests',
  replaces: ['0020-rpps-plus'],
  async up(db, engine) {
    await withId(db.schema.createTable('rpps_plus_requests'), engine)
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('origin', 'text', (c) => c.notNull())
      .addColumn('applicant_sub', 'text')
      .addColumn('civility', 'text', (c) => c.notNull())
      .addColumn('last_name', 'text', (c) => c.notNull())
      .addColumn('first_names', 'text', (c) => c.notNull())
      .addColumn('birth_date', 'text', (c) => c.notNull())
      .addColumn('email', 'text')
      .addColumn('phone', 'text')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('employer_idnat', 'text', (c) => c.notNull())
      .addColumn('employer_situation_id', 'text', (c) => c.notNull())
      .addColumn('practice_name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('decided_at', 'text')
      .addColumn('decided_by', 'text')
      .addColumn('refusal_reason', 'text')
      .addColumn('person_idnat', 'text')
      .addColumn('situation_id', 'text')
      .addColumn('rpps_notice_at', 'text')
      .addColumn('ecps_requested_at', 'text')
      .addColumn('ecps_active_at', 'text')
      .addColumn('end_date', 'text')
      .addCheckConstraint('rpps_plus_requests_status_check', sql`status in ('pending','validated','refused')`)
      .addCheckConstraint('rpps_plus_requests_origin_check', sql`origin in ('secretary','titular')`)
      .addCheckConstraint('rpps_plus_requests_kind_check', sql`kind in ('SECRETARY','MEDICAL_ASSISTANT')`)
      .execute();
    // One pending request per applicant and employer: a second one is a duplicate, refused by the database too.
    await sql
      .raw(
        `create unique index rpps_plus_requests_pending on rpps_plus_requests (applicant_sub, employer_idnat) where status = 'pending' and applicant_sub is not null`,
      )
      .execute(db);
    await db.schema.createIndex('rpps_plus_requests_employer').on('rpps_plus_requests').columns(['employer_idnat', 'id']).execute();
    await db.schema.createIndex('rpps_plus_requests_applicant').on('rpps_plus_requests').columns(['applicant_sub', 'id']).execute();
    await db.schema.createIndex('rpps_plus_requests_person').on('rpps_plus_requests').columns(['person_idnat', 'id']).execute();

    await db.schema
      .createTable('rpps_plus_numbers')
      .addColumn('rpps', 'text', (c) => c.primaryKey())
      .addColumn('request_id', 'bigint', (c) => c.notNull().references('rpps_plus_requests.id'))
      .addColumn('allocated_at', 'text', (c) => c.notNull())
      .execute();

    await withId(db.schema.createTable('rpps_plus_events'), engine)
      .addColumn('request_id', 'bigint', (c) => c.notNull().references('rpps_plus_requests.id'))
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('detail', 'text')
      .execute();
    await db.schema.createIndex('rpps_plus_events_request').on('rpps_plus_events').columns(['request_id', 'id']).execute();
    await makeAppendOnly(db, engine, 'rpps_plus_events');
  },
};
