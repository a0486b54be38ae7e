import fs from 'node:fs';
import path from 'node:path';

/**
 * Makes SQLite's commits durable off the event loop. SQLite runs with `synchronous = NORMAL` in
 * WAL mode: a COMMIT writes its frames to `<db>-wal` (into the page cache) but does not fsync it.
 * This class fsyncs that file on libuv's thread pool before anyone is told "committed"; fsync on
 * Linux flushes the inode whatever descriptor it comes through, so our own descriptor on the WAL
 * flushes SQLite's frames. Commits made while one fsync is in flight share the next one (group
 * fsync). The argument (checkpoints, WAL restarts, the file's lifetime) is in docs/choices.md.
 *
 * Commits nobody waits for asynchronously — autocommit writes, and transactions that did not
 * announce themselves with `deferNextCommit` — are fsynced synchronously right after they commit,
 * exactly as `synchronous = FULL` did: nothing that was durable before is less durable now.
 */
export class WalSync {
  readonly walPath: string;
  /** The fsyncs, for tests (replace them to hold a sync in flight or count them). */
  fsync: (fd: number, callback: (err: NodeJS.ErrnoException | null) => void) => void = fs.fsync;
  fsyncSync: (fd: number) => void = fs.fsyncSync;
  /** fsyncs done: `async` on the thread pool for deferred commits, `sync` on the event loop for the others. */
  readonly stats = { async: 0, sync: 0 };
  private fd: number | null = null;
  /** Commits made so far (numbered), and the highest one known durable. */
  private committed = 0;
  private durableUpTo = 0;
  private inFlight: { covers: number; done: Promise<void> } | null = null;
  private next: Promise<void> | null = null;
  private failure: Error | null = null;
  private closed = false;

  constructor(databaseFile: string) {
    this.walPath = `${databaseFile}-wal`;
  }

  /** A commit whose durability someone will await with `durable()`. */
  noteDeferredCommit(): void {
    this.committed++;
  }

  /** A commit nobody will await: fsynced now, on the event loop (what `synchronous = FULL` did). */
  syncNow(): void {
    this.committed++;
    const target = this.committed;
    try {
      const fd = this.descriptor();
      if (fd !== null) this.fsyncSync(fd);
    } catch (err) {
      throw this.fail(err);
    }
    this.stats.sync++;
    if (target > this.durableUpTo) this.durableUpTo = target;
  }

  /**
   * Resolves once every commit made before the call is on disk. An fsync already in flight only
   * counts if it started after the last of those commits; otherwise the call joins the next one,
   * which every caller arriving meanwhile shares.
   */
  durable(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const target = this.committed;
    if (this.durableUpTo >= target) return Promise.resolve();
    if (!this.inFlight) return this.start();
    if (this.inFlight.covers >= target) return this.inFlight.done;
    if (!this.next) {
      const after = (): Promise<void> => {
        this.next = null;
        return this.failure ? Promise.reject(this.failure) : this.durableUpTo >= this.committed ? Promise.resolve() : this.start();
      };
      this.next = this.inFlight.done.then(after, after);
    }
    return this.next;
  }

  private start(): Promise<void> {
    const covers = this.committed;
    let fd: number | null;
    try {
      fd = this.descriptor();
    } catch (err) {
      return Promise.reject(this.fail(err));
    }
    if (fd === null) {
      // No WAL yet: no commit has written a frame, there is nothing to flush.
      this.durableUpTo = Math.max(this.durableUpTo, covers);
      return Promise.resolve();
    }
    const done = new Promise<void>((resolve, reject) => {
      this.fsync(fd, (err) => {
        this.inFlight = null;
        if (err) return reject(this.fail(err));
        this.stats.async++;
        if (covers > this.durableUpTo) this.durableUpTo = covers;
        resolve();
      });
    });
    this.inFlight = { covers, done };
    return done;
  }

  /**
   * Our descriptor on the WAL, opened at the first commit (SQLite creates the file with the
   * first write; it then keeps it, and the same inode, for as long as our connection is open).
   * Its directory entry is made durable once, here: with `synchronous = NORMAL` SQLite no longer
   * fsyncs the directory when it creates the WAL. Null while there is no WAL: SQLite creates it
   * before it writes the first frame, so until then no commit has anything to flush.
   */
  private descriptor(): number | null {
    if (this.closed) throw new Error(`WalSync: ${this.walPath} is closed`);
    if (this.fd === null) {
      let fd: number;
      try {
        fd = fs.openSync(this.walPath, 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
      try {
        fs.fsyncSync(fd);
        const dir = fs.openSync(path.dirname(this.walPath), 'r');
        try {
          fs.fsyncSync(dir);
        } finally {
          fs.closeSync(dir);
        }
      } catch (err) {
        fs.closeSync(fd);
        throw err;
      }
      this.fd = fd;
    }
    return this.fd;
  }

  /**
   * An fsync that failed may have dropped dirty pages that a later fsync would then not report
   * (Linux clears the error): nothing committed since the last good fsync can be promised any
   * more, so every later `durable()` fails too and the process must be restarted.
   */
  private fail(err: unknown): Error {
    this.failure ??= new Error(`fsync of ${this.walPath} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    return this.failure;
  }

  /** After the database is closed: waits for an fsync in flight, then lets the descriptor go. */
  async close(): Promise<void> {
    await this.next?.catch(() => {});
    await this.inFlight?.done.catch(() => {});
    this.closed = true;
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}
