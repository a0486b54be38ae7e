import type { MssMigration } from './types.ts';
import { withId } from './0001-initial.ts';

/**
 * The event bus's channel between the processes of one SQLite file (several workers of one
 * machine): each event a row, read by the other processes' polls and deleted after a minute.
 * Created on PostgreSQL too (one schema for both engines), where LISTEN/NOTIFY is used instead.
 */
export const busEvents: MssMigration = {
  name: '0021-bus-events',
  async up(db, engine) {
    await withId(db.schema.createTable('bus_events'), engine)
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('bus_events_created').on('bus_events').column('created_at').execute();
  },
};
