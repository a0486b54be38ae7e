import path from 'node:path';

export interface StoreLocation {
  dataDir: string;
  databaseUrl: string | undefined;
  /** From the configuration (MSS_PG_POOL_SIZE, MSS_BLOB_WORKERS): the same for every store of the sandbox. */
  pgPoolSize: number;
  blobWorkers: number;
}

/** The first operator's store, as the configuration places it. */
export function operatorStore(config: StoreLocation): StoreLocation {
  return { dataDir: config.dataDir, databaseUrl: config.databaseUrl, pgPoolSize: config.pgPoolSize, blobWorkers: config.blobWorkers };
}

/**
 * Where a store of the sandbox other than the first operator's lives (the second operator, the
 * Annuaire): a directory `name` inside the data dir on SQLite, a schema of its own on PostgreSQL
 * (`<schema>_<name>`, or `<name>` when the URL names no schema; `-` becomes `_`).
 */
export function siblingStore(config: StoreLocation, name: string): StoreLocation {
  const dataDir = path.join(config.dataDir, name);
  const { pgPoolSize, blobWorkers } = config;
  if (!config.databaseUrl) return { dataDir, databaseUrl: undefined, pgPoolSize, blobWorkers };
  const u = new URL(config.databaseUrl);
  const schema = u.searchParams.get('schema');
  const own = name.replaceAll('-', '_');
  u.searchParams.set('schema', schema ? `${schema}_${own}` : own);
  return { dataDir, databaseUrl: u.toString(), pgPoolSize, blobWorkers };
}
