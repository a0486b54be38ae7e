import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { testDatabaseUrl } from '@mss/runtime';
import { Store, type StoreOptions } from './store.ts';

/**
 * Opens a fresh, empty store on the engine under test: PostgreSQL when MSS_DATABASE_URL is set
 * (each store in a schema of its own, so test files can run in parallel), else SQLite in a
 * temporary directory. The same tests run on both.
 */
export async function openTestStore(
  options: Partial<StoreOptions> = {},
): Promise<{ store: Store; dataDir: string; databaseUrl: string | undefined; cleanup: () => Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-store-test-'));
  let databaseUrl: string | undefined;
  const base = testDatabaseUrl();
  if (base) {
    const url = new URL(base);
    url.searchParams.set('schema', `t_${randomBytes(6).toString('hex')}`);
    databaseUrl = url.toString();
  }
  const store = await Store.open({ dataDir, databaseUrl, ...options });
  return {
    store,
    dataDir,
    /** For another process to open the same store (crash tests). */
    databaseUrl,
    cleanup: async () => {
      // The test's PostgreSQL cluster is thrown away after the run: a schema that cannot be
      // dropped (a lock still held) is worth a warning, not a failed or stuck clean-up.
      if (store.engine === 'postgres')
        await store.dropSchema().catch((err: unknown) => console.error(`openTestStore: schema left in place: ${String(err)}`));
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const TEST_ENGINE: 'sqlite' | 'postgres' = testDatabaseUrl() ? 'postgres' : 'sqlite';
export { startS3Server, type RunningS3Server } from './testing-s3.ts';
