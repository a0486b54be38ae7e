// PostgreSQL only: test files run in parallel, each store in a schema of its own, and a store
// dropping its schema must never break another store's migration (a CI run once failed so).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { ENGINE, openTestStore } from './harness.ts';

test('a store migrates while other schemas are created and dropped around it', {
  skip: ENGINE !== 'postgres' && 'PostgreSQL only',
}, async () => {
  const clients = await Promise.all(
    [1, 2, 3, 4].map(async () => {
      const client = new pg.Client({ connectionString: process.env.MSS_DATABASE_URL });
      await client.connect();
      return client;
    }),
  );
  let churning = true;
  let churned = 0;
  const churn = Promise.all(
    clients.map(async (client) => {
      while (churning) {
        const name = `churn_${process.pid}_${churned++}`;
        await client.query(`CREATE SCHEMA ${name}; CREATE TABLE ${name}.t (a int)`);
        await client.query(`DROP SCHEMA ${name} CASCADE`);
      }
    }),
  );
  try {
    for (let i = 0; i < 10; i++) {
      const { store, cleanup } = await openTestStore();
      assert.ok((await store.migrate()).applied.length === 0, 'a second migrate finds nothing to apply');
      await cleanup();
    }
  } finally {
    churning = false;
    await churn;
    await Promise.all(clients.map((c) => c.end()));
  }
  assert.ok(churned > 0);
});
