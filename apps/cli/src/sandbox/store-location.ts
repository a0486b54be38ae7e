import path from 'node:path';
import type { BlobStoreSetting } from '@mss/runtime';

export interface StoreLocation {
  dataDir: string;
  databaseUrl: string | undefined;
  /** From the configuration (MSS_PG_POOL_SIZE, MSS_BLOB_WORKERS): the same for every store of the sandbox. */
  pgPoolSize: number;
  blobWorkers: number;
  /** MSS_BLOB_STORE: files under dataDir, or an S3 bucket (each store of the sandbox under a prefix of its own). */
  blobStore?: BlobStoreSetting | undefined;
}

/** The first operator's store, as the configuration places it. */
export function operatorStore(config: StoreLocation): StoreLocation {
  const { dataDir, databaseUrl, pgPoolSize, blobWorkers, blobStore } = config;
  return { dataDir, databaseUrl, pgPoolSize, blobWorkers, blobStore };
}

/**
 * Where a store of the sandbox other than the first operator's lives (the second operator, the
 * Annuaire): a directory `name` inside the data dir on SQLite, a schema of its own on PostgreSQL
 * (`<schema>_<name>`, or `<name>` when the URL names no schema; `-` becomes `_`).
 */
export function siblingStore(config: StoreLocation, name: string): StoreLocation {
  const dataDir = path.join(config.dataDir, name);
  const { pgPoolSize, blobWorkers } = config;
  const blobStore =
    config.blobStore?.kind === 's3' ? { ...config.blobStore, prefix: `${config.blobStore.prefix}${name}/` } : config.blobStore;
  if (!config.databaseUrl) return { dataDir, databaseUrl: undefined, pgPoolSize, blobWorkers, blobStore };
  const u = new URL(config.databaseUrl);
  const schema = u.searchParams.get('schema');
  const own = name.replaceAll('-', '_');
  u.searchParams.set('schema', schema ? `${schema}_${own}` : own);
  return { dataDir, databaseUrl: u.toString(), pgPoolSize, blobWorkers, blobStore };
}
