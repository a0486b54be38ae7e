import path from 'node:path';
import { Store } from '@mss/store';

/** Where the sandbox's second operator keeps its data: beside the first operator's. */
export function secondOperatorDataDir(dataDir: string): string {
  return path.join(dataDir, 'operateur-b');
}

/** The sandbox's second operator's database: its own file on SQLite, its own schema on PostgreSQL. */
export function secondOperatorDatabaseUrl(url: string): string {
  const u = new URL(url);
  const schema = u.searchParams.get('schema');
  u.searchParams.set('schema', schema ? `${schema}_operateur_b` : 'operateur_b');
  return u.toString();
}

/** Opens the second operator's store (the sandbox and `mss queue --operator b` alike). */
export function openSecondOperatorStore(config: { dataDir: string; databaseUrl: string | undefined }): Promise<Store> {
  return Store.open({ dataDir: secondOperatorDataDir(config.dataDir), databaseUrl: config.databaseUrl ? secondOperatorDatabaseUrl(config.databaseUrl) : undefined });
}
