import type { MssMigration } from './types.ts';

/**
 * Server-side sessions of the operator's web applications (the webmail), so that a restart logs
 * no one out and every node serves every session. The key is a hash of the cookie's secret and
 * `data` is opaque to the store (the webmail encrypts it with a key only the cookie gives).
 */
export const webSessions: MssMigration = {
  name: '0023-web-sessions',
  async up(db) {
    await db.schema
      .createTable('web_sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('app', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('subject', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('web_sessions_expires').on('web_sessions').column('expires_at').execute();
  },
};
