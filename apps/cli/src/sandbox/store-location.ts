import path from 'node:path';

export interface StoreLocation {
  dataDir: string;
  databaseUrl: string | undefined;
}

/**
 * Where a store of the sandbox other than the first operator's lives (the second operator, the
 * Annuaire): a directory `name` inside the data dir on SQLite, a schema of its own on PostgreSQL
 * (`<schema>_<name>`, or `<name>` when the URL names no schema; `-` becomes `_`).
 */
export function siblingStore(config: StoreLocation, name: string): StoreLocation {
  const dataDir = path.join(config.dataDir, name);
  if (!config.databaseUrl) return { dataDir, databaseUrl: undefined };
  const u = new URL(config.databaseUrl);
  const schema = u.searchParams.get('schema');
  const own = name.replaceAll('-', '_');
  u.searchParams.set('schema', schema ? `${schema}_${own}` : own);
  return { dataDir, databaseUrl: u.toString() };
}
