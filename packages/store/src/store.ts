import { EventEmitter } from 'node:events';
import path from 'node:path';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.ts';
import type { Engine } from './migrations/types.ts';
import { openDatabase, type OpenOptions } from './engine/open.ts';
import { migrateToLatest, type MigrationReport } from './migrate.ts';
import { BlobStore } from './blobs.ts';
import type { RepoContext } from './repos/executor.ts';
import { DirectoryRepo } from './repos/directory.ts';
import { MailboxRepo } from './repos/mailboxes.ts';
import { CguRepo } from './repos/cgu.ts';
import { HistoryRepo } from './repos/history.ts';
import { MailRepo } from './repos/mail.ts';
import { AuditRepo } from './repos/audit.ts';
import { OutboxRepo } from './repos/outbox.ts';
import { QueueRepo } from './repos/queue.ts';

/** The repositories, bound either to the database or to one transaction. */
export class Repositories {
  readonly directory: DirectoryRepo;
  readonly mailboxes: MailboxRepo;
  readonly cgu: CguRepo;
  readonly history: HistoryRepo;
  readonly mail: MailRepo;
  readonly audit: AuditRepo;
  readonly outbox: OutboxRepo;
  readonly queue: QueueRepo;

  constructor(ctx: RepoContext) {
    this.directory = new DirectoryRepo(ctx);
    this.mailboxes = new MailboxRepo(ctx);
    this.cgu = new CguRepo(ctx);
    this.history = new HistoryRepo(ctx);
    this.mail = new MailRepo(ctx);
    this.audit = new AuditRepo(ctx);
    this.outbox = new OutboxRepo(ctx);
    this.queue = new QueueRepo(ctx);
  }
}

export interface StoreOptions extends OpenOptions {
  /** Run pending migrations on open (default true; `mss db migrate` runs them explicitly). */
  migrate?: boolean;
  now?: () => Date;
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
   * In-process change notices: `folder-changed` (folderId) after a committed change to a mail
   * folder, so that open IMAP sessions (IDLE) learn of it at once. Several nodes will need
   * PostgreSQL LISTEN/NOTIFY behind the same event.
   */
  readonly events = new EventEmitter().setMaxListeners(0);
  private readonly db: Kysely<Database>;
  private readonly schema: string | undefined;

  private constructor(db: Kysely<Database>, engine: Engine, description: string, blobs: BlobStore, now: () => Date, schema: string | undefined, migration: MigrationReport | undefined) {
    super({ db, engine, now });
    this.db = db;
    this.engine = engine;
    this.description = description;
    this.blobs = blobs;
    this.now = now;
    this.schema = schema;
    this.migration = migration;
  }

  static async open(options: StoreOptions): Promise<Store> {
    const opened = await openDatabase(options);
    const now = options.now ?? (() => new Date());
    let migration: MigrationReport | undefined;
    try {
      if (options.migrate !== false) migration = await migrateToLatest(opened.db, opened.engine, opened.schema);
      const blobs = new BlobStore(path.join(options.dataDir, 'blobs'));
      return new Store(opened.db, opened.engine, opened.description, blobs, now, opened.schema, migration);
    } catch (err) {
      await opened.db.destroy();
      throw err;
    }
  }

  async migrate(): Promise<MigrationReport> {
    return migrateToLatest(this.db, this.engine, this.schema);
  }

  /**
   * Runs `fn` in one transaction: all of it is committed, or none of it. On PostgreSQL the
   * isolation is SERIALIZABLE when asked for, so that concurrent governance changes cannot
   * interleave (the caller retries on a serialization failure).
   */
  async transaction<T>(fn: (tx: Repositories) => Promise<T>, options: { serializable?: boolean } = {}): Promise<T> {
    let builder = this.db.transaction();
    if (options.serializable && this.engine === 'postgres') builder = builder.setIsolationLevel('serializable');
    return builder.execute((trx: Transaction<Database>) => fn(new Repositories({ db: trx, engine: this.engine, now: this.now })));
  }

  notifyFolderChanged(folderId: number): void {
    this.events.emit('folder-changed', folderId);
  }

  /** A cheap round trip, for health checks. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  /** Drops this store's PostgreSQL schema: only for tests that made a schema of their own. */
  async dropSchema(): Promise<void> {
    if (this.engine !== 'postgres' || !this.schema || this.schema === 'public') throw new Error('dropSchema: only for a PostgreSQL store opened with ?schema=');
    await sql.raw(`DROP SCHEMA ${this.schema} CASCADE`).execute(this.db);
  }

  /** The raw query builder, for tests and migrations tooling only: other packages use the repositories. */
  get kysely(): Kysely<Database> {
    return this.db;
  }
}
