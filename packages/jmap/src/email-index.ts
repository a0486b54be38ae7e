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
    for (const e of changes.expunged) {
      const known = this.rows.get(e.uid);
      if (!known) continue;
      this.rows.delete(e.uid);
      this.generation++;
      this.gone.push({ uid: e.uid, emailId: known.emailId, threadId: known.threadId, modseq: e.modseq });
    }
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
      this.add(await folder.fetchRows(fresh, false));
      this.generation++;
    }
    this.modseq = Math.max(highest, this.modseq);
  }

  private async loadWhole(folder: FolderHandle, highest: number): Promise<void> {
    const uids = (await folder.index()).map((r) => r.uid);
    this.rows.clear();
    this.generation++;
    this.gone = [];
    // In slices, so that a scattered folder is read by UID lists of a bounded size.
    for (let i = 0; i < uids.length; i += 5000) this.add(await folder.fetchRows(uids.slice(i, i + 5000), false));
    this.generation++;
    this.modseq = highest;
    this.loadedAt = highest;
  }

  private add(rows: Awaited<ReturnType<FolderHandle['fetchRows']>>): void {
    for (const r of rows) {
      const hash = r.blob_hash;
      this.rows.set(Number(r.uid), {
        folderId: this.folderId,
        uid: Number(r.uid),
        modseq: Number(r.modseq),
        flags: r.flags,
        hash,
        emailId: emailObjectId(hash),
        threadId: r.thread_id ?? newThreadId(hash),
        receivedAt: r.internal_date,
        size: Number(r.size),
      });
    }
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
  private readonly views = new Map<number, { view: AccountView; shape: string; set: EmailSet }>();

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
    const shape = folders.map((f) => `${f.index.folderId}:${f.index.generation}`).join(',');
    const set = previous?.shape === shape ? previous.set : new EmailSet(folders);
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
    this.views.set(scope.mailboxId, { view, shape, set });
    return view;
  }
}

/** The Emails of an account's folders as they are between two rows coming or going; what is derived from them, made when first asked. */
class EmailSet {
  readonly emails: Map<string, AccountEmail>;
  readonly queries = new QueryResults();
  private byThread: Map<string, AccountEmail[]> | undefined;
  private newest: AccountEmail[] | undefined;

  constructor(folders: readonly ViewFolder[]) {
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
  for (const list of threads.values()) {
    if (list.length < 2) continue;
    const keys = new Map(list.map((e) => [e, Date.parse(e.receivedAt)]));
    list.sort((a, b) => keys.get(a)! - keys.get(b)! || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
  return threads;
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
