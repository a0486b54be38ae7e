import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Presents Node's built-in `node:sqlite` as the better-sqlite3-shaped object Kysely's SQLite
 * dialect expects. Node 24 ships SQLite, so the embedded default needs no native build.
 */
export class NodeSqliteDatabase implements SqliteDatabase {
  readonly raw: DatabaseSync;
  // Kysely prepares every query afresh; the same few shapes recur, so reuse their statements.
  private readonly cache = new Map<string, NodeSqliteStatement>();
  private static readonly CACHE_LIMIT = 256;

  constructor(file: string) {
    this.raw = new DatabaseSync(file, { enableForeignKeyConstraints: true, timeout: 5000 });
  }

  prepare(sql: string): SqliteStatement {
    let stmt = this.cache.get(sql);
    if (!stmt) {
      stmt = new NodeSqliteStatement(this.raw.prepare(sql));
      if (this.cache.size >= NodeSqliteDatabase.CACHE_LIMIT) {
        const oldest = this.cache.keys().next().value;
        if (oldest !== undefined) this.cache.delete(oldest);
      }
      this.cache.set(sql, stmt);
    }
    return stmt;
  }

  close(): void {
    this.cache.clear();
    if (this.raw.isOpen) this.raw.close();
  }
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
  private readonly stmt: StatementSync;

  constructor(stmt: StatementSync) {
    this.stmt = stmt;
    // A statement that yields columns (SELECT, or anything with RETURNING) is read with all().
    this.reader = stmt.columns().length > 0;
  }

  all(parameters: ReadonlyArray<unknown>): unknown[] {
    return this.stmt.all(...toSqlite(parameters));
  }

  run(parameters: ReadonlyArray<unknown>): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.stmt.run(...toSqlite(parameters));
  }

  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    return this.stmt.iterate(...toSqlite(parameters)) as IterableIterator<unknown>;
  }
}
