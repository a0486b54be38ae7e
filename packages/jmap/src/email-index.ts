import { searchHeadersFromStored, type SearchHeaders } from '@mss/mime';
import type { FolderHandle, FolderRow, MailboxScope } from '@mss/store';
import { emailObjectId, newThreadId, parseSearchHeaders } from '@mss/store';

/** One message row of a folder as JMAP needs it to find, sort and describe Emails. */
export interface IndexedRow {
  readonly folderId: number;
  readonly uid: number;
  modseq: number;
  flags: string;
  readonly hash: string;
  readonly emailId: string;
  /** Its conversation (RFC 8621 §3), given by the store when the message was stored. */
  readonly threadId: string;
  readonly receivedAt: string;
  readonly size: number;
}

/** A row that left the folder after the index was loaded: what Email/changes reports as gone. */
export interface GoneRow {
  readonly uid: number;
  readonly emailId: string;
  readonly threadId: string;
  readonly modseq: number;
}

/** The rows that came (appended, copied in, moved in) and went (expunged, moved out) at one generation of a folder. */
export interface RowChanges {
  readonly generation: number;
  readonly added: readonly IndexedRow[];
  readonly removed: readonly IndexedRow[];
}

/** How many generations of row changes a folder remembers; a view older than that rebuilds its Emails. */
const LOG_KEPT = 256;

/** How many expunged rows a folder remembers for /changes; older states get cannotCalculateChanges. */
const GONE_KEPT = 20_000;

/**
 * One folder's rows (UID, flags, MODSEQ, blob hash, dates), kept in memory for every session of
 * the process and refreshed from the store's change log the way IMAP's shared index is: an
 * unchanged folder costs one read of its counters, a change reads the changed rows only.
 * Rows expunged since the index was loaded are remembered with their email id, which the
 * store's expunge log does not keep (it has UIDs only), so that /changes can name them.
 */
export class FolderEmails {
  readonly folderId: number;
  /** The folder's HIGHESTMODSEQ this index reflects (at least). */
  modseq = 0;
  /** The folder's UIDNEXT at `modseq` (the two move together: an append takes a UID and a MODSEQ). */
  uidnext = 0;
  /** The MODSEQ the index was last loaded whole at: changes since an older one cannot be told. */
  loadedAt = -1;
  readonly rows = new Map<number, IndexedRow>();
  /** Moves when a row comes or goes (not when flags change): views whose folders did not move share their Emails. */
  generation = 0;
  /** The rows that came and went at each generation since `logFrom` (a view derives its Emails from the last view's with them). */
  private log: RowChanges[] = [];
  private logFrom = 0;
  private gone: GoneRow[] = [];
  /** Decoded From/To/Cc/Bcc/Subject by UID (immutable per row), read the first time a query needs them. */
  private readonly search = new Map<number, SearchHeaders>();
  private refreshing: Promise<void> | undefined;

  constructor(folderId: number) {
    this.folderId = folderId;
  }

  /**
   * Brings the index up to the folder as committed when `row` (its counters) was read, reading
   * through the caller's handle; without `row`, the folder is read now.
   */
  refresh(folder: FolderHandle, row?: FolderRow): Promise<void> {
    // One refresh at a time per folder; a caller arriving meanwhile waits for it, then checks again.
    const run = (this.refreshing ?? Promise.resolve()).then(() => this.refreshNow(folder, row));
    this.refreshing = run.catch(() => {});
    return run;
  }

  private async refreshNow(folder: FolderHandle, given: FolderRow | undefined): Promise<void> {
    const row = given ?? (await folder.current());
    if (!row) return;
    const highest = Number(row.highest_modseq);
    // Counters read before a refresh that went further (another request's, meanwhile): the index is newer.
    if (this.loadedAt >= 0 && highest <= this.modseq) return;
    this.uidnext = Number(row.uidnext);
    if (this.loadedAt < 0) return this.loadWhole(folder, highest);
    const changes = await folder.changesSince(this.modseq, false);
    if (changes.expunged.some((e) => e.uid === 0)) return this.loadWhole(folder, highest);
    const removed: IndexedRow[] = [];
    for (const e of changes.expunged) {
      const known = this.rows.get(e.uid);
      if (!known) continue;
      this.rows.delete(e.uid);
      removed.push(known);
      this.gone.push({ uid: e.uid, emailId: known.emailId, threadId: known.threadId, modseq: e.modseq });
    }
    if (removed.length > 0) this.logged({ generation: ++this.generation, added: [], removed });
    if (this.gone.length > GONE_KEPT) {
      const dropped = this.gone.splice(0, this.gone.length - GONE_KEPT);
      this.loadedAt = Math.max(this.loadedAt, dropped[dropped.length - 1]!.modseq);
    }
    const fresh: number[] = [];
    for (const c of changes.rows) {
      const known = this.rows.get(c.uid);
      if (known) {
        known.flags = c.flags;
        known.modseq = c.modseq;
      } else fresh.push(c.uid);
    }
    if (fresh.length > 0) {
      const added = this.add(await folder.fetchRows(fresh, false));
      this.logged({ generation: ++this.generation, added, removed: [] });
    }
    this.modseq = Math.max(highest, this.modseq);
  }

  private async loadWhole(folder: FolderHandle, highest: number): Promise<void> {
    const uids = (await folder.index()).map((r) => r.uid);
    this.rows.clear();
    this.generation++;
    // No view derives its Emails across a whole load (nor from the part of it loaded so far).
    this.log = [];
    this.logFrom = this.generation;
    this.gone = [];
    // In slices, so that a scattered folder is read by UID lists of a bounded size.
    for (let i = 0; i < uids.length; i += 5000) this.add(await folder.fetchRows(uids.slice(i, i + 5000), false));
    this.generation++;
    this.log = [];
    this.logFrom = this.generation;
    this.modseq = highest;
    this.loadedAt = highest;
  }

  private logged(changes: RowChanges): void {
    this.log.push(changes);
    if (this.log.length > LOG_KEPT) this.logFrom = this.log.splice(0, this.log.length - LOG_KEPT).at(-1)!.generation;
  }

  /** The rows that came and went after generation `since`, in order; undefined when the log does not go back that far. */
  changesAfter(since: number): RowChanges[] | undefined {
    if (since < this.logFrom || since > this.generation) return undefined;
    return this.log.filter((c) => c.generation > since);
  }

  private add(rows: Awaited<ReturnType<FolderHandle['fetchRows']>>): IndexedRow[] {
    const added: IndexedRow[] = [];
    for (const r of rows) {
      const hash = r.blob_hash;
      const row: IndexedRow = {
        folderId: this.folderId,
        uid: Number(r.uid),
        modseq: Number(r.modseq),
        flags: r.flags,
        hash,
        emailId: emailObjectId(hash),
        threadId: r.thread_id ?? newThreadId(hash),
        receivedAt: r.internal_date,
        size: Number(r.size),
      };
      this.rows.set(row.uid, row);
      added.push(row);
    }
    return added;
  }

  /**
   * The search values of every row (Email/query's header filters and from/subject sorts): the
   * store's `search_headers`, lower-cased as IMAP SEARCH compares them (@mss/mime).
   */
  async searchValues(folder: FolderHandle): Promise<Map<number, SearchHeaders>> {
    for (const uid of this.rows.keys()) {
      if (this.search.has(uid)) continue;
      for (const r of await folder.searchHeaders()) {
        this.search.set(r.uid, searchHeadersFromStored(r.search_headers ? parseSearchHeaders(r.search_headers) : {}));
      }
      break;
    }
    return this.search;
  }

  /** The rows expunged after `modseq`; undefined when the index cannot tell (loaded later). */
  goneSince(modseq: number): GoneRow[] | undefined {
    if (modseq < this.loadedAt) return undefined;
    return this.gone.filter((g) => g.modseq > modseq);
  }
}

/** One Email of an account: its copies (one row per folder it is in, RFC 8474 EMAILID shared). */
export interface AccountEmail {
  readonly id: string;
  readonly hash: string;
  /** Its first copy's thread (copies share it: COPY and MOVE keep it, the same bytes find the same thread). */
  readonly threadId: string;
  readonly rows: IndexedRow[];
  /** RFC 8621 receivedAt: the earliest INTERNALDATE of its copies (ISO 8601, as the store keeps it). */
  readonly receivedAt: string;
}

/** One folder of an account view: its index, and its name and subscription as this view read them. */
export interface ViewFolder {
  readonly handle: FolderHandle;
  readonly index: FolderEmails;
  readonly name: string;
  readonly subscribed: boolean;
}

/** The account's folders and Emails as of one moment: what a JMAP method call reads. */
export interface AccountView {
  readonly folders: ViewFolder[];
  readonly emails: Map<string, AccountEmail>;
  /** The Emails of each thread, oldest first (receivedAt, then id): Thread/get's emailIds. */
  readonly threads: Map<string, AccountEmail[]>;
  /** The Email state (RFC 8620 §1.6.2 "state"): each folder's id, HIGHESTMODSEQ and UIDNEXT. */
  readonly emailState: string;
  /** The Mailbox state: each folder's id, HIGHESTMODSEQ, name and subscription. */
  readonly mailboxState: string;
  /** Every Email newest first (receivedAt descending, then id): Email/query's default order, sorted once per view. */
  newestFirst(): readonly AccountEmail[];
  /** Email/query results of this view by query (they change only when the view does): see `QueryResults`. */
  readonly queries: QueryResults;
  /**
   * Results of queries that read no keyword (filters on folders, dates, sizes, headers, bodies;
   * every sort; collapseThreads): kept while no row comes or goes, across keyword changes.
   */
  readonly keywordFreeQueries: QueryResults;
}

/** How many query results a view keeps (a webmail pages a few lists: a folder, a search, a thread). */
const QUERIES_KEPT = 8;

/**
 * The ids an Email/query finds (filtered, sorted, collapsed; before position and limit), kept by
 * the query's filter, sort and collapseThreads for the life of one view: the next page of a list,
 * or the same list asked again, is a slice, not a new pass over the account.
 */
export class QueryResults {
  private readonly kept = new Map<string, readonly string[]>();

  get(key: string): readonly string[] | undefined {
    return this.kept.get(key);
  }

  set(key: string, ids: readonly string[]): void {
    if (this.kept.size >= QUERIES_KEPT) this.kept.delete(this.kept.keys().next().value!);
    this.kept.set(key, ids);
  }
}

/** receivedAt descending, then id ascending: Email/query's default sort, ties broken as every sort's. */
export function newestFirstOrder(a: AccountEmail, b: AccountEmail): number {
  if (a.receivedAt !== b.receivedAt) return a.receivedAt > b.receivedAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Per process: one index per folder, and the last view of each account (rebuilt when a folder moved). */
export class EmailIndexes {
  private readonly folders = new Map<number, FolderEmails>();
  /** Sets of Emails made whole, and derived from the last view's (tests, profiling). */
  readonly stats = { built: 0, derived: 0 };
  private readonly views = new Map<number, { view: AccountView; shape: string; set: EmailSet; folders: number[]; generations: number[] }>();

  folder(folderId: number): FolderEmails {
    let f = this.folders.get(folderId);
    if (!f) {
      f = new FolderEmails(folderId);
      this.folders.set(folderId, f);
    }
    return f;
  }

  /**
   * The account as committed now, read through its scope (folders it does not own are never
   * reached): one read of its folder rows, whose counters tell which indexes need the change log.
   */
  async view(scope: MailboxScope): Promise<AccountView> {
    const handles = await scope.folderHandles();
    const folders: ViewFolder[] = handles.map((handle) => ({
      handle,
      index: this.folder(handle.id),
      name: handle.row.name,
      subscribed: !!handle.row.subscribed,
    }));
    for (const f of folders) await f.index.refresh(f.handle, f.handle.row);
    const emailState = encodeState(folders.map((f) => [f.index.folderId, f.index.modseq, f.index.uidnext]));
    const mailboxState = encodeState(folders.map((f) => [f.index.folderId, f.index.modseq, `${f.subscribed ? 1 : 0}${f.name}`]));
    const previous = this.views.get(scope.mailboxId);
    if (previous && previous.view.emailState === emailState && previous.view.mailboxState === mailboxState) return previous.view;
    // Flags changed, no row came or went: the Emails (their rows are the index's, flags updated in place) stay.
    // Rows came or went in the same folders: the last view's Emails with those rows; else all are made again.
    const generations = folders.map((f) => f.index.generation);
    const shape = folders.map((f, i) => `${f.index.folderId}:${generations[i]}`).join(',');
    let set: EmailSet | undefined;
    if (previous?.shape === shape) set = previous.set;
    else if (previous) set = EmailSet.derived(previous.set, previous.folders, previous.generations, folders, generations);
    if (set && set !== previous?.set) this.stats.derived++;
    if (!set) {
      set = new EmailSet(folders);
      this.stats.built++;
    }
    const view: AccountView = {
      folders,
      emails: set.emails,
      get threads() {
        return set.threads();
      },
      emailState,
      mailboxState,
      newestFirst: () => set.newestFirst(),
      queries: new QueryResults(),
      keywordFreeQueries: set.queries,
    };
    this.views.set(scope.mailboxId, { view, shape, set, folders: folders.map((f) => f.index.folderId), generations });
    return view;
  }
}

/** The Emails of an account's folders as they are between two rows coming or going; what is derived from them, made when first asked. */
class EmailSet {
  readonly emails: Map<string, AccountEmail>;
  readonly queries = new QueryResults();
  private byThread: Map<string, AccountEmail[]> | undefined;
  private newest: AccountEmail[] | undefined;

  /** Every Email of the folders; or, with `emails`, those given. */
  constructor(folders: readonly ViewFolder[], emails?: Map<string, AccountEmail>) {
    if (emails) {
      this.emails = emails;
      return;
    }
    const copies = new Map<string, { id: string; hash: string; threadId: string; rows: IndexedRow[]; receivedAt: string }>();
    for (const f of folders) {
      for (const r of f.index.rows.values()) {
        const e = copies.get(r.emailId);
        if (!e) copies.set(r.emailId, { id: r.emailId, hash: r.hash, threadId: r.threadId, rows: [r], receivedAt: r.receivedAt });
        else {
          e.rows.push(r);
          if (r.receivedAt < e.receivedAt) e.receivedAt = r.receivedAt;
        }
      }
    }
    this.emails = copies;
  }

  /**
   * The Emails of `folders` at `generations`, from `from` (the same folders at `fromGenerations`)
   * and the rows that came and went since: only the Emails those rows belong to are made again,
   * the rest (and the sorted list, and the threads, when `from` had made them) are taken over.
   * Undefined when the folders are not the same, a folder's log does not go back that far, or
   * so much changed that making them all again costs less.
   */
  static derived(
    from: EmailSet,
    fromFolders: readonly number[],
    fromGenerations: readonly number[],
    folders: readonly ViewFolder[],
    generations: readonly number[],
  ): EmailSet | undefined {
    if (folders.length !== fromFolders.length || folders.some((f, i) => f.index.folderId !== fromFolders[i])) return undefined;
    const changes: RowChanges[] = [];
    for (let i = 0; i < folders.length; i++) {
      const c = folders[i]!.index.changesAfter(fromGenerations[i]!);
      // The log may already have moved past the generation this view read: then it is not this view's.
      if (!c || c.some((x) => x.generation > generations[i]!)) return undefined;
      changes.push(...c);
    }
    const size = changes.reduce((n, c) => n + c.added.length + c.removed.length, 0);
    if (size > Math.max(64, from.emails.size / 8)) return undefined;
    const position = new Map(folders.map((f, i) => [f.index.folderId, i]));
    const rowsOf = new Map<string, IndexedRow[]>();
    const working = (id: string) => {
      let rows = rowsOf.get(id);
      if (!rows) {
        rows = [...(from.emails.get(id)?.rows ?? [])];
        rowsOf.set(id, rows);
      }
      return rows;
    };
    for (const c of changes) {
      for (const r of c.removed) {
        const rows = working(r.emailId);
        const at = rows.indexOf(r);
        if (at >= 0) rows.splice(at, 1);
      }
      for (const r of c.added) working(r.emailId).push(r);
    }
    const emails = new Map(from.emails);
    const made: AccountEmail[] = [];
    for (const [id, rows] of rowsOf) {
      if (rows.length === 0) {
        emails.delete(id);
        continue;
      }
      // Copies in the order a whole build meets them: by folder, then by UID.
      rows.sort((a, b) => position.get(a.folderId)! - position.get(b.folderId)! || a.uid - b.uid);
      let receivedAt = rows[0]!.receivedAt;
      for (const r of rows) if (r.receivedAt < receivedAt) receivedAt = r.receivedAt;
      const e: AccountEmail = { id, hash: rows[0]!.hash, threadId: rows[0]!.threadId, rows, receivedAt };
      emails.set(id, e);
      made.push(e);
    }
    const set = new EmailSet(folders, emails);
    if (from.newest) {
      const kept = from.newest.filter((e) => !rowsOf.has(e.id));
      set.newest = mergeSorted(kept, made.sort(newestFirstOrder), newestFirstOrder);
    }
    if (from.byThread) {
      const threads = new Map(from.byThread);
      const touched = new Set<string>();
      for (const id of rowsOf.keys()) {
        const before = from.emails.get(id);
        if (before) touched.add(before.threadId);
        const now = emails.get(id);
        if (now) touched.add(now.threadId);
      }
      for (const t of touched) {
        const list = (threads.get(t) ?? []).filter((e) => !rowsOf.has(e.id));
        for (const e of made) if (e.threadId === t) list.push(e);
        if (list.length === 0) threads.delete(t);
        else threads.set(t, list.sort(threadOrder));
      }
      set.byThread = threads;
    }
    return set;
  }

  threads(): Map<string, AccountEmail[]> {
    this.byThread ??= threadsOf(this.emails);
    return this.byThread;
  }

  newestFirst(): readonly AccountEmail[] {
    this.newest ??= [...this.emails.values()].sort(newestFirstOrder);
    return this.newest;
  }
}

function threadsOf(emails: Map<string, AccountEmail>): Map<string, AccountEmail[]> {
  const threads = new Map<string, AccountEmail[]>();
  for (const e of emails.values()) {
    const list = threads.get(e.threadId);
    if (list) list.push(e);
    else threads.set(e.threadId, [e]);
  }
  for (const list of threads.values()) if (list.length > 1) list.sort(threadOrder);
  return threads;
}

/** A thread's Emails oldest first (receivedAt, then id): Thread/get's emailIds. */
function threadOrder(a: AccountEmail, b: AccountEmail): number {
  return Date.parse(a.receivedAt) - Date.parse(b.receivedAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Two lists sorted by `order` as one. */
function mergeSorted<T>(a: readonly T[], b: readonly T[], order: (x: T, y: T) => number): T[] {
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(order(a[i]!, b[j]!) <= 0 ? a[i++]! : b[j++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

/** A state string: opaque to clients (RFC 8620 §1.6.2), a list of per-folder tuples to us. */
export function encodeState(tuples: (string | number)[][]): string {
  return Buffer.from(JSON.stringify(tuples)).toString('base64url');
}

export function decodeState(state: unknown): (string | number)[][] | undefined {
  if (typeof state !== 'string' || state.length > 100_000) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(state, 'base64url').toString('utf8'));
    if (!Array.isArray(v) || !v.every((t) => Array.isArray(t) && t.every((x) => typeof x === 'string' || typeof x === 'number'))) {
      return undefined;
    }
    return v as (string | number)[][];
  } catch {
    return undefined;
  }
}
