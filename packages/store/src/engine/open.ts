import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Kysely, SqliteDialect, type LogEvent } from 'kysely';
import pg from 'pg';
import { DEFAULT_PG_POOL_SIZE, MssError, redactUrl, systemErrorCode } from '@mss/runtime';
import type { Database } from '../schema.ts';
import type { Engine } from '../migrations/types.ts';
import { NodeSqliteDatabase } from './node-sqlite.ts';
import { CurrentSchemaPostgresDialect } from './scoped-introspector.ts';

export interface OpenOptions {
  /** `postgres://…[?schema=name]`, `sqlite:/path/file.sqlite`, or undefined for `<dataDir>/mss.sqlite`. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** Connections of the PostgreSQL pool (the configuration's `pgPoolSize`; default 10). */
  pgPoolSize?: number | undefined;
  /**
   * Told the SQL of every statement the store runs (transaction control included), for a debug
   * log or a test that counts writes; absent, statements cost nothing extra.
   */
  onStatement?: ((sql: string) => void) | undefined;
  /**
   * Create the database when it is not there (default true). False for a command that works on
   * an existing store (`mss access check`, `mss queue`): a missing one is `STORE_MISSING` and
   * nothing is created — no directory, no SQLite file, no PostgreSQL schema.
   */
  create?: boolean | undefined;
}

/** Kysely's `log` option when statements are observed. */
function statementLog(options: OpenOptions): { log?: (event: LogEvent) => void } {
  const on = options.onStatement;
  return on ? { log: (event) => on(event.query.sql) } : {};
}

export interface OpenedDatabase {
  db: Kysely<Database>;
  engine: Engine;
  /** Human description without secrets, for start-up logs. */
  description: string;
  /** PostgreSQL schema the connection works in (tests use one each); undefined on SQLite. */
  schema: string | undefined;
  /** The SQLite connection (its WAL fsync: see `NodeSqliteDatabase`); undefined on PostgreSQL. */
  sqlite?: NodeSqliteDatabase;
  /** On PostgreSQL: a new connection outside the pool, with the pool's settings (LISTEN holds one for good). */
  pgClient?: () => pg.Client;
}

/**
 * `mkdir -p` that always ends. Node's recursive mkdir retries for ever where a parent exists but
 * refuses new entries with ENOENT (`/proc/x`): here each level is made once, and the first
 * refusal is the answer.
 */
function makeDirectory(dir: string): void {
  try {
    fs.mkdirSync(dir);
    return;
  } catch (err) {
    const code = systemErrorCode(err);
    if (code === 'EEXIST' && fs.statSync(dir).isDirectory()) return;
    if (code !== 'ENOENT' || path.dirname(dir) === dir) throw err;
  }
  makeDirectory(path.dirname(dir));
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    // Another thread or process made it meanwhile.
    if (systemErrorCode(err) !== 'EEXIST' || !fs.statSync(dir).isDirectory()) throw err;
  }
}

export function ensureWritableDir(dir: string, what = 'data directory'): void {
  try {
    makeDirectory(dir);
    fs.accessSync(dir, fs.constants.W_OK);
    // Unique per call: the Annuaire's search workers (threads of one process, so one pid) open
    // the same store at once, and one's rm of a shared probe name failed another's (CI: ENOENT).
    const probe = path.join(dir, `.write-test-${process.pid}-${randomBytes(6).toString('hex')}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (err) {
    throw new MssError('DATA_DIR_UNWRITABLE', `${what} ${dir} is not writable (${systemErrorCode(err) ?? describeCause(err)})`, {
      cause: err,
    });
  }
}

function describeCause(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function openDatabase(options: OpenOptions): Promise<OpenedDatabase> {
  const url = options.databaseUrl;
  if (url === undefined || url === '') return openSqlite(path.join(options.dataDir, 'mss.sqlite'), options.dataDir, options);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new MssError(
      'DATABASE_URL_INVALID',
      `MSS_DATABASE_URL is not a valid URL (expected postgres://user:password@host:port/database)`,
      {
        exitCode: 2,
      },
    );
  }
  if (parsed.protocol === 'sqlite:') {
    const file = path.resolve(decodeURIComponent(parsed.pathname));
    return openSqlite(file, path.dirname(file), options);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new MssError(
      'DATABASE_URL_INVALID',
      `MSS_DATABASE_URL scheme "${parsed.protocol}" is not supported: use postgres://… for PostgreSQL, or leave it unset for the embedded SQLite`,
      { exitCode: 2 },
    );
  }
  return openPostgres(parsed, options.pgPoolSize ?? DEFAULT_PG_POOL_SIZE, options);
}

function storeMissing(where: string): MssError {
  return new MssError('STORE_MISSING', `there is no store at ${where} (nothing was created)`);
}

async function openSqlite(file: string, dir: string, options: OpenOptions): Promise<OpenedDatabase> {
  if (options.create === false && !fs.existsSync(file)) throw storeMissing(`sqlite:${file}`);
  ensureWritableDir(dir);
  let database: NodeSqliteDatabase;
  try {
    database = new NodeSqliteDatabase(file);
    // WAL lets readers go on while one writer commits. NORMAL: a COMMIT does not fsync; the
    // adapter fsyncs the WAL after it, on the thread pool for the store's transactions (which
    // resolve only then) and on the spot for any other write, so that every commit still
    // survives power loss before anyone is told, as a `250` after DATA promises.
    database.raw.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA cache_size = -65536;');
  } catch (err) {
    throw new MssError('DATABASE_OPEN_FAILED', `cannot open SQLite database ${file}: ${describeCause(err)}`, { cause: err });
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }), ...statementLog(options) });
  return { db, engine: 'sqlite', description: `sqlite:${file}`, schema: undefined, sqlite: database };
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

async function openPostgres(parsed: URL, poolSize: number, options: OpenOptions): Promise<OpenedDatabase> {
  const schema = parsed.searchParams.get('schema') ?? undefined;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new MssError('DATABASE_URL_INVALID', `MSS_DATABASE_URL: schema "${schema}" must match ${SCHEMA_NAME}`, { exitCode: 2 });
  }
  parsed.searchParams.delete('schema');
  const where = `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname}`;
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: poolSize,
    // int8 columns (ids, UIDs, MODSEQs) stay far below 2^53: read them as numbers on both engines.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // Idle-client errors (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  // Nor may those of a client checked out between two statements (a transaction awaiting its
  // blob, a server restarted meanwhile): pg-pool listens only to idle clients, and an 'error'
  // nobody listens to ends the process. The next statement on it fails (the transaction rolls
  // back, answered 451 4.3.0) and the pool drops it when it comes back, as unusable.
  pool.on('connect', (client) => {
    client.on('error', () => {});
    prepareMarked(client);
  });
  const create = options.create !== false;
  let current: string;
  let exists = true;
  try {
    const client = await pool.connect();
    try {
      if (schema && create) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      current = String((await client.query('SELECT current_schema() AS s')).rows[0]?.s ?? 'public');
      // A store is a schema where the migrations ran (search_path names the schema, if any).
      if (!create) exists = (await client.query("SELECT to_regclass('mss_migrations') AS t")).rows[0]?.t != null;
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end().catch(() => {});
    throw new MssError('DATABASE_CONNECT_FAILED', `cannot use PostgreSQL at ${where}: ${describePgError(err)}`, { cause: err });
  }
  if (!exists) {
    await pool.end().catch(() => {});
    throw storeMissing(`postgres://${where}${schema ? ` schema ${schema}` : ''}`);
  }
  const db = new Kysely<Database>({ dialect: new CurrentSchemaPostgresDialect({ pool }), ...statementLog(options) });
  const pgClient = (): pg.Client =>
    new pg.Client({ connectionString: parsed.toString(), ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  return {
    db,
    engine: 'postgres',
    description: redactUrl(parsed.toString()) + (schema ? ` schema=${schema}` : ''),
    schema: current,
    pgClient,
  };
}

/**
 * A statement whose text starts with this comment is prepared once per connection (a named
 * statement: PostgreSQL parses it once and may keep its plan) instead of being parsed and planned
 * at every execution as Kysely's unnamed statements are. For the hot statements whose parsing and
 * planning cost more than their execution (a delivery's write: `repos/delivery.ts`); their result
 * columns are named, never `*`, so that a migration adding a column cannot change a kept plan's
 * result type under a running node.
 */
export const PREPARED = '/* mss:prepared */';

const preparedNames = new Map<string, string>();

/** Routes the connection's marked statements to named ones (Kysely's driver calls `query(text, values)`). */
function prepareMarked(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (config: unknown, values?: unknown, callback?: unknown) => unknown;
  const marked = (config: unknown, values?: unknown, callback?: unknown): unknown => {
    if (typeof config !== 'string' || !config.startsWith(PREPARED)) return query(config, values, callback);
    let name = preparedNames.get(config);
    if (name === undefined) {
      name = `mss_${createHash('sha256').update(config).digest('hex').slice(0, 24)}`;
      preparedNames.set(config, name);
    }
    return query({ name, text: config, values }, callback);
  };
  (client as unknown as { query: typeof marked }).query = marked;
}

function describePgError(err: unknown): string {
  const code = systemErrorCode(err);
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (is the server running and listening there?)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case '28P01':
    case '28000':
      return 'authentication failed for the given user';
    case '3D000':
      return 'database does not exist';
    default:
      return describeCause(err);
  }
}
