import type { MssMigration } from './types.ts';
import { makeAppendOnly, withId } from './0001-initial.ts';

/** The audit trail of access decisions (R-AUTH-2): append-only like the history. */
export const accessAudit: MssMigration = {
  name: '0002-access-audit',
  async up(db, engine) {
    await withId(db.schema.createTable('access_audit'), engine)
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('idnat', 'text')
      .addColumn('mailbox', 'text')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text')
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('role', 'text')
      .execute();
    await db.schema.createIndex('access_audit_idnat').on('access_audit').columns(['idnat', 'id']).execute();
    await db.schema.createIndex('access_audit_mailbox').on('access_audit').columns(['mailbox', 'id']).execute();
    await makeAppendOnly(db, engine, 'access_audit');
  },
};
