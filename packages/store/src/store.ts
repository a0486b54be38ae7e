import { EventEmitter } from 'node:events';
import path from 'node:path';
import { sql, type Kysely, type Transaction } from 'kysely';
import type pg from 'pg';
import type { BlobStoreSetting } from '@mss/runtime';
import type { Database } from './schema.ts';
import type { Engine } from './migrations/types.ts';
import { openDatabase, type OpenedDatabase, type OpenOptions } from './engine/open.ts';
import type { NodeSqliteDatabase } from './engine/node-sqlite.ts';
import type { WalSync } from './engine/wal-sync.ts';
import { applyMigrationSet, migrateToLatest, STORE_MIGRATION_TABLE, type MigrationReport, type MigrationSet } from './migrate.ts';
import type { BlobStore } from './blobs/blob-store.ts';
import { openBlobStore } from './blobs/open.ts';
import { EventBus, type BusTransport } from './bus/event-bus.ts';
import { PgNotifyTransport } from './bus/pg-notify.ts';
import { SqlitePollTransport } from './bus/sqlite-poll.ts';
import { PgLeaderLock } from './leader-lock.ts';
import type { RepoContext } from './repos/executor.ts';
import type { WriteGate } from './write-gate.ts';
import { DirectoryRepo } from './repos/directory.ts';
import { MailboxRepo } from './repos/mailboxes.ts';
import { CguRepo } from './repos/cgu.ts';
import { HistoryRepo } from './repos/history.ts';
import { MailRepo, type NewMessage } from './repos/mail.ts';
import { DeliveryRepo } from './repos/delivery.ts';
import { ingestMessage } from './ingest.ts';
import { AuditRepo } from './repos/audit.ts';
import { OutboxRepo } from './repos/outbox.ts';
import { QueueRepo } from './repos/queue.ts';
import { IndicatorRepo } from './repos/indicators.ts';
import { LocalPersonRepo } from './repos/local-persons.ts';
import { GroupRepo } from './repos/groups.ts';
import { MesRepo } from './repos/mes.ts';
import { MailboxListingRepo } from './repos/mailbox-listing.ts';
import { DirectorySyncRepo } from './repos/directory-sync.ts';
import { WebSessionRepo } from './repos/web-sessions.ts';

// Where each Repositories instance runs its queries, for a stand-in's own repositories
// (`repoContext` of `@mss/store/engine`); kept out of the class so that protocol code holding
// a Repositories sees only repositories.
const contexts = new WeakMap<Repositories, RepoContext>();

/** The query context of a store or of one of its transactions (`@mss/store/engine`). */
export function contextOf(repos: Repositories): RepoContext {
  const ctx = contexts.get(repos);
  if (!ctx) throw new Error('not a Repositories made by the store');
  return ctx;
}

/** The repositories, bound either to the database or to one transaction. */
export class Repositories {
  readonly directory: DirectoryRepo;
  readonly mailboxes: MailboxRepo;
  readonly cgu: CguRepo;
  readonly history: HistoryRepo;
  readonly mail: MailRepo;
  /** A delivery's few statements: its recipients' checks in one read, its copies and events in one write (on PostgreSQL). */
  readonly delivery: DeliveryRepo;
  readonly audit: AuditRepo;
  readonly outbox: OutboxRepo;
  readonly queue: QueueRepo;
  readonly indicators: IndicatorRepo;
  readonly localPersons: LocalPersonRepo;
  /** Practices' group addresses (issue #20 rule 7). */
  readonly groups: GroupRepo;
  /** Mon Espace Santé's patients and conversations (used by the MES stand-in's own store only). */
  readonly mes: MesRepo;
  /** Every mailbox, for the operator's administrators (decided by @mss/access before it is read). */
  readonly mailboxListing: MailboxListingRepo;
  /** The operator's cursor in the Annuaire's change feed. */
  readonly directorySync: DirectorySyncRepo;
  /** The webmail's server-side sessions and pending logins (shared by the nodes, kept over restarts). */
  readonly webSessions: WebSessionRepo;

  constructor(ctx: RepoContext) {
    contexts.set(this, ctx);
    this.directory = new DirectoryRepo(ctx);
    this.mailboxes = new MailboxRepo(ctx);
    this.cgu = new CguRepo(ctx);
    this.history = new HistoryRepo(ctx);
    this.mail = new MailRepo(ctx);
    this.delivery = new DeliveryRepo(ctx);
    this.audit = new AuditRepo(ctx);
    this.outbox = new OutboxRepo(ctx);
    this.queue = new QueueRepo(ctx);
    this.indicators = new IndicatorRepo(ctx);
    this.localPersons = new LocalPersonRepo(ctx);
    this.groups = new GroupRepo(ctx);
    this.mes = new MesRepo(ctx);
    this.mailboxListing = new MailboxListingRepo(ctx);
    this.directorySync = new DirectorySyncRepo(ctx);
    this.webSessions = new WebSessionRepo(ctx);
  }
}

export interface StoreOptions extends OpenOptions {
  /** Run pending migrations on open (default true; `mss db migrate` runs them explicitly). */
  migrate?: boolean;
  now?: () => Date;
  /** Threads committing in-memory message bodies (the configuration's `blobWorkers`; default 8, 0 = none). */
  blobWorkers?: number | undefined;
  /** Where message bodies live (the configuration's `blobStore`): files under `<dataDir>/blobs` by default, or an S3 bucket. */
  blobStore?: BlobStoreSetting | undefined;
  /**
   * Carry the event bus (folder changes, revocations, queue wake-ups) to the other processes on
   * this database: PostgreSQL LISTEN/NOTIFY (default on PostgreSQL); on SQLite a polled table
   * (default off: one process). False: this process only.
   */
  crossProcessEvents?: boolean | undefined;
  /**
   * SQLite with several processes on the file: how the events reach the others, instead of the
   * polled table (which costs a write and an fsync per publish). The cluster primary's IPC
   * supplies it (`@mss/operator`). Ignored on PostgreSQL.
   */
  busTransport?: BusTransport | undefined;
  /** SQLite with several processes on the file: taken around each transaction (see `WriteGate`). Ignored on PostgreSQL. */
  writeGate?: WriteGate | undefined;
}

/**
 * The one persistence API of the operator. The same methods run on the embedded SQLite and on
 * PostgreSQL; which one is chosen by the database URL.
 */
export class Store extends Repositories {
  readonly engine: Engine;
  readonly description: string;
  readonly blobs: BlobStore;
  readonly migration: MigrationReport | undefined;
  readonly now: () => Date;
  /**
   * Change notices for this process's listeners: `folder-changed` (folderId) after a committed
   * change to a mail folder, so that open IMAP sessions (IDLE) and JMAP push learn of it at once,
   * whichever process or node made it (fed by `bus`).
   */
  readonly events = new EventEmitter().setMaxListeners(0);
  /** What every process on this database hears: folder changes, revocations, queue wake-ups (see EventBus). */
  readonly bus: EventBus;
  private readonly db: Kysely<Database>;
  private readonly schema: string | undefined;
  private readonly sqlite: NodeSqliteDatabase | undefined;
  private readonly pgClient: (() => pg.Client) | undefined;
  private readonly writeGate: WriteGate | undefined;

  private constructor(
    db: Kysely<Database>,
    engine: Engine,
    description: string,
    blobs: BlobStore,
    now: () => Date,
    schema: string | undefined,
    migration: MigrationReport | undefined,
    sqlite: NodeSqliteDatabase | undefined,
    bus: EventBus,
    pgClient: (() => pg.Client) | undefined,
    writeGate: WriteGate | undefined,
  ) {
    super({ db, engine, now });
    this.pgClient = pgClient;
    this.writeGate = writeGate;
    this.db = db;
    this.sqlite = sqlite;
    this.engine = engine;
    this.description = description;
    this.blobs = blobs;
    this.now = now;
    this.schema = schema;
    this.migration = migration;
    this.bus = bus;
    bus.subscribe('folder-changed', (folderId) => this.events.emit('folder-changed', folderId));
  }

  static async open(options: StoreOptions): Promise<Store> {
    const opened = await openDatabase(options);
    const now = options.now ?? (() => new Date());
    let migration: MigrationReport | undefined;
    let blobs: BlobStore | undefined;
    try {
      blobs = openBlobStore(options.blobStore, path.join(options.dataDir, 'blobs'), { syncWorkers: options.blobWorkers });
      const store = blobs;
      if (options.migrate !== false)
        migration = await migrateToLatest(opened.db, opened.engine, { readBlob: (hash) => store.get(hash) }, opened.schema);
      const bus = createBus(opened, options);
      await bus.start();
      return new Store(
        opened.db,
        opened.engine,
        opened.description,
        blobs,
        now,
        opened.schema,
        migration,
        opened.sqlite,
        bus,
        opened.pgClient,
        opened.engine === 'sqlite' ? options.writeGate : undefined,
      );
    } catch (err) {
      await blobs?.close();
      await opened.db.destroy();
      throw err;
    }
  }

  /**
   * A whole message held in memory (IMAP APPEND, a DSN built here): its blob made durable and the
   * ingestion step run, ready for `mail.appendMessage` in the caller's transaction.
   */
  async ingest(raw: Buffer): Promise<Pick<NewMessage, 'blobHash' | 'size' | 'data'>> {
    const data = ingestMessage(raw);
    const blob = await this.blobs.put(raw);
    return { blobHash: blob.hash, size: blob.size, data };
  }

  async migrate(): Promise<MigrationReport> {
    return migrateToLatest(this.db, this.engine, { readBlob: (hash) => this.blobs.get(hash) }, this.schema);
  }

  /**
   * Applies a stand-in's own migration set on this store's database, beside the store's tables
   * and recorded in the set's own table (the Annuaire's search indexes and change feed, RPPS+'s
   * requests): the stand-in brings its schema, the store its engines.
   */
  async migrateSet(set: MigrationSet): Promise<MigrationReport> {
    if (set.table === STORE_MIGRATION_TABLE) throw new Error(`${STORE_MIGRATION_TABLE} is the store's own migration table`);
    return applyMigrationSet(this.db, this.engine, set, undefined, this.schema);
  }

  /**
   * Runs `fn` in one transaction: all of it is committed, or none of it. On PostgreSQL the
   * isolation is SERIALIZABLE when asked for, so that concurrent governance changes cannot
   * interleave (the caller retries on a serialization failure).
   */
  async transaction<T>(fn: (tx: Repositories) => Promise<T>, options: { serializable?: boolean } = {}): Promise<T> {
    let builder = this.db.transaction();
    if (options.serializable && this.engine === 'postgres') builder = builder.setIsolationLevel('serializable');
    const release = await this.writeGate?.acquire();
    let value: T;
    try {
      value = await builder.execute((trx: Transaction<Database>) => {
        this.sqlite?.deferNextCommit();
        return fn(new Repositories({ db: trx, engine: this.engine, now: this.now }));
      });
    } finally {
      release?.();
    }
    await this.durable();
    return value;
  }

  /**
   * Resolves once every commit made before the call is on disk. On SQLite the WAL is fsynced on
   * the thread pool, one fsync shared by the commits that wait for it together (see `WalSync`);
   * `transaction` and `groupTransaction` already wait for it. On PostgreSQL a commit is durable
   * when it returns: resolves at once.
   */
  durable(): Promise<void> {
    return this.sqlite?.wal?.durable() ?? Promise.resolve();
  }

  /** SQLite's WAL fsyncs (`async` shared on the thread pool, `sync` on the event loop); undefined on PostgreSQL. Tests replace its fsyncs. */
  get walSync(): WalSync | undefined {
    return this.sqlite?.wal;
  }

  /**
   * Like `transaction`, but commits together with the other `groupTransaction` calls made
   * meanwhile (group commit): one durable commit (one fsync) for many small writes that arrive
   * at once, such as messages delivered by concurrent SMTP sessions. Each call runs inside its
   * own savepoint, so one that throws is rolled back alone and rejects alone; the others commit.
   * A caller's promise settles only once the commit holding its work is durable.
   */
  groupTransaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new Error('store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.group.push({ fn: fn as (tx: Repositories) => Promise<unknown>, resolve: resolve as (v: unknown) => void, reject });
      if (!this.groupRunning) void this.flushGroup();
    });
  }

  private readonly group: GroupItem[] = [];
  private groupRunning = false;
  /** Commits made by `groupTransaction` and the calls they carried (how well grouping works). */
  readonly groupStats = { commits: 0, calls: 0 };

  private closing = false;
  /** Batches committed whose callers still wait for the fsync. */
  private readonly settling = new Set<Promise<void>>();

  private async flushGroup(): Promise<void> {
    this.groupRunning = true;
    try {
      while (this.group.length > 0) {
        // Let the work that is ready in this turn of the event loop join the batch. (Waiting a
        // millisecond more made batches no bigger and every delivery slower: measured.)
        await new Promise<void>((r) => setImmediate(r));
        // Behind a write gate (several processes on one SQLite file), what arrives while another
        // process writes joins this batch: the gate is taken before the batch is cut.
        const release = await this.writeGate?.acquire();
        const batch = this.group.splice(0, 500);
        let outcomes: Outcome[];
        try {
          outcomes = this.engine === 'postgres' ? await this.runGroupPg(batch) : await this.runGroupSqlite(batch);
        } catch (error) {
          for (const item of batch) item.reject(error);
          continue;
        } finally {
          release?.();
        }
        this.groupStats.commits++;
        this.groupStats.calls += batch.length;
        // The next batch may commit while this one's fsync runs (its callers share the next).
        const settled = this.durable().then(
          () =>
            batch.forEach((item, i) => {
              const o = outcomes[i]!;
              if (o.ok) item.resolve(o.value);
              else item.reject(o.error);
            }),
          (error: unknown) => batch.forEach((item) => item.reject(error)),
        );
        this.settling.add(settled);
        void settled.finally(() => this.settling.delete(settled));
      }
    } finally {
      this.groupRunning = false;
    }
  }

  /** One batch in one transaction, each call in a savepoint (SQLite: statements are calls within the process). */
  private async runGroupSqlite(batch: readonly GroupItem[]): Promise<Outcome[]> {
    const outcomes: Outcome[] = [];
    await this.db.transaction().execute(async (trx) => {
      this.sqlite?.deferNextCommit();
      const repos = new Repositories({ db: trx, engine: this.engine, now: this.now });
      for (const item of batch) {
        await sql`savepoint mss_group`.execute(trx);
        try {
          const value = await item.fn(repos);
          await sql`release savepoint mss_group`.execute(trx);
          outcomes.push({ ok: true, value });
        } catch (error) {
          await sql`rollback to savepoint mss_group`.execute(trx);
          await sql`release savepoint mss_group`.execute(trx);
          outcomes.push({ ok: false, error });
        }
      }
    });
    return outcomes;
  }

  /**
   * The same on PostgreSQL, where every statement is a round trip on the batch's one connection:
   * the transaction control goes with its neighbours in one simple-protocol query (several
   * statements without parameters), so a batch of n calls costs n + 1 of them rather than
   * 2n + 2 — `begin; savepoint`, then between two calls `release savepoint; savepoint` (or, after
   * one that failed, `rollback to savepoint`, which keeps the savepoint for the next), and
   * `release savepoint; commit` at the end. A batch of one needs no savepoint: its failure rolls
   * back the transaction, which holds nothing else.
   */
  private async runGroupPg(batch: readonly GroupItem[]): Promise<Outcome[]> {
    return this.db.connection().execute(async (conn) => {
      const repos = new Repositories({ db: conn, engine: this.engine, now: this.now });
      const outcomes: Outcome[] = [];
      const alone = batch.length === 1;
      let open = false;
      try {
        await sql.raw(alone ? 'begin' : 'begin; savepoint mss_group').execute(conn);
        open = true;
        for (const [i, item] of batch.entries()) {
          const last = i === batch.length - 1;
          try {
            const value = await item.fn(repos);
            outcomes.push({ ok: true, value });
            if (!last) await sql.raw('release savepoint mss_group; savepoint mss_group').execute(conn);
          } catch (error) {
            outcomes.push({ ok: false, error });
            if (!alone) await sql.raw('rollback to savepoint mss_group').execute(conn);
          }
        }
        await sql.raw(alone ? (outcomes[0]!.ok ? 'commit' : 'rollback') : 'release savepoint mss_group; commit').execute(conn);
        open = false;
      } catch (error) {
        // A statement of the control failed (a lost connection, a failed commit): nothing of the
        // batch is kept, and the connection goes back to the pool outside any transaction (after
        // a failed COMMIT there is none left, and this ROLLBACK only warns).
        if (open)
          await sql
            .raw('rollback')
            .execute(conn)
            .catch(() => {});
        throw error;
      }
      return outcomes;
    });
  }

  /** After a committed change to a folder: every process's IDLE sessions and push streams hear of it. */
  notifyFolderChanged(folderId: number): void {
    this.bus.publish('folder-changed', folderId);
  }

  /**
   * Runs `work` unless another node already runs the work of that name on this store: on
   * PostgreSQL, under a session advisory lock (`pg_try_advisory_lock`, keyed by the schema and
   * the name) held by one pool connection for the duration, so that of several nodes one only
   * drains, say, the directory outbox (the others skip their turn: `{ ran: false }`); a node
   * that dies loses its session and the lock with it. On SQLite (one process) it just runs.
   */
  async exclusive<T>(name: string, work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    if (this.engine !== 'postgres') return { ran: true, value: await work() };
    const key = `${this.schema ?? 'public'}:${name}`;
    return this.db.connection().execute(async (conn) => {
      const got = await sql<{ ok: boolean }>`select pg_try_advisory_lock(hashtext(${key})) as ok`.execute(conn);
      if (!got.rows[0]?.ok) return { ran: false as const };
      try {
        return { ran: true as const, value: await work() };
      } finally {
        await sql`select pg_advisory_unlock(hashtext(${key}))`.execute(conn).catch(() => {});
      }
    });
  }

  /**
   * On PostgreSQL, a lock that one process of all those on this database and schema holds at a
   * time (a session advisory lock on a connection of its own: see `PgLeaderLock`); undefined on
   * SQLite, whose processes are the workers of one machine and are told by their primary.
   */
  leaderLock(name: string, onError?: (err: unknown) => void): PgLeaderLock | undefined {
    if (this.engine !== 'postgres' || !this.pgClient) return undefined;
    return new PgLeaderLock({ connect: this.pgClient, schema: this.schema, name, ...(onError ? { onError } : {}) });
  }

  /** A cheap round trip, for health checks. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    this.closing = true;
    while (this.groupRunning || this.settling.size > 0) {
      await Promise.all([...this.settling]);
      if (this.groupRunning) await new Promise<void>((r) => setImmediate(r));
    }
    await this.bus.close();
    await this.db.destroy();
    await this.sqlite?.wal?.close();
    await this.blobs.close();
  }

  /** Drops this store's PostgreSQL schema: only for tests that made a schema of their own. */
  async dropSchema(): Promise<void> {
    if (this.engine !== 'postgres' || !this.schema || this.schema === 'public')
      throw new Error('dropSchema: only for a PostgreSQL store opened with ?schema=');
    // A connection left in a transaction on one of its tables would make the drop wait for ever:
    // wait a bounded time, then fail and say so.
    await this.db.transaction().execute(async (tx) => {
      await sql.raw(`SET LOCAL lock_timeout = '${DROP_SCHEMA_LOCK_TIMEOUT}'`).execute(tx);
      await sql.raw(`DROP SCHEMA ${this.schema} CASCADE`).execute(tx);
    });
  }

  /** The raw query builder, for tests and migrations tooling only: other packages use the repositories. */
  get kysely(): Kysely<Database> {
    return this.db;
  }
}

const DROP_SCHEMA_LOCK_TIMEOUT = '15s';

/** A call waiting for the next group commit. */
interface GroupItem {
  fn: (tx: Repositories) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** The bus a store's processes share: LISTEN/NOTIFY on PostgreSQL unless told otherwise; on SQLite the polled table when asked, else in-process. */
function createBus(opened: OpenedDatabase, options: StoreOptions): EventBus {
  if (opened.engine === 'postgres' && opened.pgClient && options.crossProcessEvents !== false)
    return new EventBus(new PgNotifyTransport({ connect: opened.pgClient, db: opened.db, schema: opened.schema }));
  if (opened.engine === 'sqlite' && options.busTransport) return new EventBus(options.busTransport);
  if (opened.engine === 'sqlite' && opened.sqlite && options.crossProcessEvents === true)
    return new EventBus(new SqlitePollTransport({ raw: opened.sqlite.raw, db: opened.db }));
  return new EventBus();
}
