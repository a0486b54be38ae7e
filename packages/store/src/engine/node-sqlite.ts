import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { WalSync } from './wal-sync.ts';

/**
 * Presents Node's built-in `node:sqlite` as the better-sqlite3-shaped object Kysely's SQLite
 * dialect expects. Node 24 ships SQLite, so the embedded default needs no native build.
 *
 * Durability: the connection runs with `synchronous = NORMAL`, so SQLite's COMMIT does not fsync.
 * After every statement that left the connection out of a transaction having possibly written
 * (an autocommit write, a COMMIT), the WAL is fsynced here, synchronously — unless the transaction
 * announced with `deferNextCommit()` that its owner will await `wal.durable()` instead (the
 * store's `transaction` and `groupTransaction` do), which fsyncs on the thread pool.
 */
export class NodeSqliteDatabase implements SqliteDatabase {
  readonly raw: DatabaseSync;
  /** Undefined for an in-memory database (nothing to make durable). */
  readonly wal: WalSync | undefined;
  // Kysely prepares every query afresh; the same few shapes recur, so reuse their statements.
  private readonly cache = new Map<string, NodeSqliteStatement>();
  private static readonly CACHE_LIMIT = 256;
  private deferred = false;

  constructor(file: string) {
    this.raw = new DatabaseSync(file, { enableForeignKeyConstraints: true, timeout: 5000 });
    this.wal = file === ':memory:' || file === '' ? undefined : new WalSync(file);
  }

  prepare(sql: string): SqliteStatement {
    let stmt = this.cache.get(sql);
    if (!stmt) {
      // Kysely begins with a plain (deferred) BEGIN. With several processes on one file (the
      // workers of `mss serve`), a deferred transaction that read, then writes after another
      // process committed, fails at once with SQLITE_BUSY (its snapshot is stale: waiting cannot
      // help). BEGIN IMMEDIATE takes the write lock first, waiting up to busy_timeout for the
      // other process's transaction to end. One process alone sees no difference.
      const text = /^\s*begin\s*$/i.test(sql) ? 'BEGIN IMMEDIATE' : sql;
      stmt = new NodeSqliteStatement(this, this.raw.prepare(text), kindOf(text));
      if (this.cache.size >= NodeSqliteDatabase.CACHE_LIMIT) {
        const oldest = this.cache.keys().next().value;
        if (oldest !== undefined) this.cache.delete(oldest);
      }
      this.cache.set(sql, stmt);
    }
    return stmt;
  }

  /**
   * Called inside a transaction (the connection is ours until it ends): its COMMIT is not
   * fsynced on the event loop; the caller awaits `wal.durable()` after the commit instead.
   */
  deferNextCommit(): void {
    if (!this.raw.isTransaction) throw new Error('deferNextCommit: not inside a transaction');
    this.deferred = true;
  }

  /** After a statement of kind `kind` ran: if it may have committed something, make it durable (or note it deferred). */
  afterStatement(kind: StatementKind): void {
    if (kind === 'begin') {
      // A deferral is for the transaction that asked; a new one starts without.
      this.deferred = false;
      return;
    }
    if (kind === 'read' || this.raw.isTransaction) return;
    const deferred = this.deferred;
    this.deferred = false;
    if (kind === 'rollback' || !this.wal) return;
    if (deferred && kind === 'commit') this.wal.noteDeferredCommit();
    else this.wal.syncNow();
  }

  close(): void {
    this.cache.clear();
    if (this.raw.isOpen) this.raw.close();
  }
}

/** What a statement can do to durability: nothing (`read`), end a transaction, or write. */
type StatementKind = 'read' | 'begin' | 'commit' | 'rollback' | 'write';

function kindOf(sql: string): StatementKind {
  const s = sql.trimStart().slice(0, 24).toLowerCase();
  if (/^begin\b/.test(s)) return 'begin';
  if (/^(select|savepoint|rollback\s+to)\b/.test(s)) return 'read';
  if (/^(commit|end)\b/.test(s)) return 'commit';
  if (/^rollback\b/.test(s)) return 'rollback';
  // insert, update, delete, replace, with … (which may write), DDL, pragmas, release: if the
  // connection is out of a transaction afterwards, they may have committed.
  return 'write';
}

type SqliteValue = null | number | bigint | string | Uint8Array;

function toSqlite(params: ReadonlyArray<unknown>): SqliteValue[] {
  // node:sqlite binds only null, numbers, bigints, strings and bytes.
  return params.map((p) => {
    if (p === undefined || p === null) return null;
    if (typeof p === 'boolean') return p ? 1 : 0;
    if (p instanceof Date) return p.toISOString();
    return p as SqliteValue;
  });
}

class NodeSqliteStatement implements SqliteStatement {
  readonly reader: boolean;
  private readonly db: NodeSqliteDatabase;
  private readonly stmt: StatementSync;
  private readonly kind: StatementKind;

  constructor(db: NodeSqliteDatabase, stmt: StatementSync, kind: StatementKind) {
    this.db = db;
    this.stmt = stmt;
    this.kind = kind;
    // A statement that yields columns (SELECT, or anything with RETURNING) is read with all().
    this.reader = stmt.columns().length > 0;
  }

  all(parameters: ReadonlyArray<unknown>): unknown[] {
    const rows = this.stmt.all(...toSqlite(parameters));
    this.db.afterStatement(this.kind);
    return rows;
  }

  run(parameters: ReadonlyArray<unknown>): { changes: number | bigint; lastInsertRowid: number | bigint } {
    const result = this.stmt.run(...toSqlite(parameters));
    this.db.afterStatement(this.kind);
    return result;
  }

  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    // Only reads are iterated (Kysely's streaming SELECT): nothing to make durable.
    return this.stmt.iterate(...toSqlite(parameters)) as IterableIterator<unknown>;
  }
}
