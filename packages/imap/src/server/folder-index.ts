import type { EventEmitter } from 'node:events';
import type { FetchRow, FolderHandle, FolderRow } from '@mss/store';
import { parseFlags, parseSearchHeaders } from '@mss/store';
import { searchHeadersFromStored, type SearchHeaderKey, type SearchHeaders, type SearchHeaderValues } from '@mss/mime';

type IndexEntry = Awaited<ReturnType<FolderHandle['changesSince']>>['rows'][number];
/** The decoded search headers of a stored message, from its body (for a row stored without them). */
export type HeadersOfBlob = (hash: string) => Promise<StoredSearchHeaders>;

/** The decoded header values SEARCH compares, lower-cased (@mss/mime, shared with JMAP's Email/query). */
export type { SearchHeaderKey, SearchHeaders };

/** Stored form (the `search_headers` column, computed at ingestion): the values as decoded, before lower-casing. */
export type StoredSearchHeaders = SearchHeaderValues;

/** Change log entries kept for sessions that are a little behind; older ones scan the index. */
const LOG_LIMIT = 4096;
/** Indexes of folders nobody has selected, kept for the next SELECT. */
const UNUSED_KEPT = 32;
/**
 * How long a read command may rely on the change notices alone after the index last read the
 * store (docs/choices.md, "IMAP read commands on PostgreSQL"): a notice lost without the LISTEN
 * connection noticing, or a writer that publishes none, delays a change by at most this much.
 */
export const NOTICE_TRUST_MS = 1000;
/** Message rows (what never changes of a stored message) kept per index; past this, forgotten and read again. */
const ROWS_KEPT = 50_000;
/** Rows read at once around a FETCH's messages the index does not hold: a page of positions. */
const ROWS_PAGE = 256;
/** The columns of a message row that never change once stored: FETCH takes flags and MODSEQ from the index. */
export type StoredRow = Omit<FetchRow, 'flags' | 'modseq' | 'structure'>;

// Most messages share a handful of flag sets: one string and one parsed array per set.
const interned = new Map<string, string>();
const parsed = new Map<string, readonly string[]>();
function intern(flags: string): string {
  const hit = interned.get(flags);
  if (hit !== undefined) return hit;
  if (interned.size > 10_000) interned.clear();
  interned.set(flags, flags);
  return flags;
}
export function parsedFlags(flags: string): readonly string[] {
  let p = parsed.get(flags);
  if (!p) {
    if (parsed.size > 10_000) parsed.clear();
    p = parseFlags(flags);
    parsed.set(flags, p);
  }
  return p;
}

/**
 * One folder's UID/flags/MODSEQ index, one per process, shared by every session that selects
 * the folder: kept up to date from the store's change log (rows with a newer MODSEQ, UIDs
 * expunged since), so an unchanged folder costs one counter read and a change is read once
 * however many sessions watch it. `uids` only grows in place; an expunge replaces the arrays,
 * which is how a session's view (a prefix of some `uids`) knows it must look for expunges.
 */
export class FolderIndex {
  readonly folderId: number;
  /** The folder it reads: a handle of the first session's scope (every holder may read this folder). */
  private readonly folder: FolderHandle;
  uidvalidity = 0;
  uidnext = 0;
  highestModseq = 0;
  uids: number[] = [];
  flags: string[] = [];
  modseqs: number[] = [];
  /** Every change with a MODSEQ above this is in `log`. */
  logFloor = 0;
  gone = false;
  /**
   * A UID up to which some session is known to have taken the messages as \Recent: a lower bound
   * of the folder's mark in the store (it only grows), so that the sessions of this process that
   * come after the first need not ask the store.
   */
  recentMark = 0;
  /** Sessions that hold this index (SELECTed); an unheld index may be dropped. */
  refs = 0;
  private log: { modseq: number; uid: number }[] = [];
  private loaded = false;
  private tail: Promise<void> = Promise.resolve();
  /** Refreshes that began reading the store, and the last of them to finish (they run in turn). */
  private readsBegun = 0;
  private readsDone = 0;
  private readonly watchers = new Set<() => void>();
  private headers: Map<number, SearchHeaders> | undefined;
  private headersLoading: Promise<Map<number, SearchHeaders>> | undefined;
  private firstUnseen: { modseq: number; uidnext: number; uids: number[]; seq: number } | undefined;
  /**
   * How many messages have each distinct flag string: kept as messages come, go and change, so
   * that the folder's keywords are known without a pass over every message (a SELECT of 10,000
   * messages spent longer on that pass than on everything else it does).
   */
  private flagSets = new Map<string, number>();
  private keywordsCache: ReadonlySet<string> | undefined;
  private readonly headersOf: HeadersOfBlob;
  /** The event bus's coverage (`EventBus.coverage`): defined while every change notice reaches this process. */
  private readonly coverage: () => number | undefined;
  /** Change notices heard for this folder, and how many of them the last read of the store began after. */
  private noticesHeard = 0;
  private noticesRead = 0;
  /** The bus's coverage and the clock when the last finished read of the store began. */
  private readCoverage: number | undefined;
  private readAt = 0;
  /** Message rows by UID: what FETCH shows besides flags and MODSEQ never changes for a UID of this UIDVALIDITY. */
  private rows = new Map<number, StoredRow>();
  private readonly trustMs: number;

  constructor(
    folder: FolderHandle,
    headersOf: HeadersOfBlob,
    coverage: () => number | undefined = () => undefined,
    trustMs = NOTICE_TRUST_MS,
  ) {
    this.folderId = folder.id;
    this.folder = folder;
    this.headersOf = headersOf;
    this.coverage = coverage;
    this.trustMs = trustMs;
  }

  /** A change notice for this folder arrived (from this process or another): the next read command asks the store. */
  noticeHeard(): void {
    this.noticesHeard++;
  }

  /**
   * True when a read command may answer from the index without asking the store: the last read
   * began while the change notices were covered (PostgreSQL's LISTEN connection up), the
   * connection has not been made again since, no notice for this folder came after it began, and
   * it began less than `trustMs` (NOTICE_TRUST_MS) ago. Every change committed before that read is in the
   * index; one committed after it has published a notice, which has either arrived (and this is
   * false) or is on its way (docs/choices.md says what a client may expect).
   */
  trusted(now = Date.now()): boolean {
    const covered = this.coverage();
    return (
      covered !== undefined && covered === this.readCoverage && this.noticesHeard === this.noticesRead && now - this.readAt < this.trustMs
    );
  }

  /** Position of a UID in `uids`, or -1 (binary search: UIDs ascend). */
  position(uid: number, uids: readonly number[] = this.uids, len = uids.length): number {
    let lo = 0;
    let hi = len - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = uids[mid]!;
      if (v === uid) return mid;
      if (v < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** First position whose UID is >= uid. */
  lowerBound(uid: number, uids: readonly number[] = this.uids, len = uids.length): number {
    let lo = 0;
    let hi = len;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (uids[mid]! < uid) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Brings the index up to the folder's current state. Calls run one after another: each reads
   * the folder's counters after its caller's own changes committed, so none is missed. A folder
   * row just read by the caller saves the first query.
   */
  ensureFresh(row?: FolderRow): Promise<void> {
    const run = this.tail.then(() => this.refresh(row));
    this.tail = run.catch(() => {});
    return run;
  }

  /** A point in time for `freshSince`. */
  get mark(): number {
    return this.readsBegun;
  }

  /**
   * True when a refresh that began after `mark` has finished: the index then holds every change
   * committed before the mark, and a read-only command begun then need not ask the store again
   * (with many sessions on one folder, one counter read serves several commands).
   */
  freshSince(mark: number): boolean {
    return this.readsDone > mark;
  }

  private async refresh(known?: FolderRow): Promise<void> {
    // A row the caller read earlier may predate the mark of a command begun since: not counted.
    const read = known ? 0 : ++this.readsBegun;
    // Taken before the statement leaves: a change committed after the read's snapshot publishes
    // its notice after this point, so it is counted as heard after the read.
    const heard = this.noticesHeard;
    const coverage = this.coverage();
    const at = Date.now();
    await this.refreshFrom(known ?? (await this.folder.current()));
    if (read) {
      this.readsDone = read;
      this.noticesRead = heard;
      this.readCoverage = coverage;
      this.readAt = at;
    }
  }

  private async refreshFrom(folder: FolderRow | undefined): Promise<void> {
    if (!folder) {
      this.gone = true;
      return;
    }
    this.gone = false;
    const uidnext = Number(folder.uidnext);
    const modseq = Number(folder.highest_modseq);
    const uidvalidity = Number(folder.uidvalidity);
    if (this.loaded && uidvalidity === this.uidvalidity && uidnext <= this.uidnext && modseq <= this.highestModseq) return;
    if (!this.loaded || uidvalidity !== this.uidvalidity) {
      await this.load(uidvalidity, uidnext, modseq);
      return;
    }
    const withHeaders = this.headers !== undefined;
    const changes = await this.folder.changesSince(this.highestModseq, withHeaders);
    if (changes.expunged.some((e) => e.uid === 0)) {
      // The expunge log no longer reaches back to this index: start again from the rows.
      await this.load(uidvalidity, uidnext, modseq);
      return;
    }
    this.apply(changes.rows, changes.expunged);
    if (this.headers) {
      // A SEARCH may have loaded the headers while the changes were read without them: the new
      // rows' search values are then read by UID (a row without its blob hash cannot be parsed).
      const map = this.headers;
      const rows = withHeaders ? changes.rows : await this.rowsWithHeaders(changes.rows.filter((r) => !map.has(r.uid)));
      await this.addHeaders(rows, map);
    }
    // Changes read after the counters may be newer; every change below the newest one seen has
    // committed (a folder's MODSEQs are taken in order under its row lock), so it is included.
    let newest = modseq;
    for (const r of changes.rows) newest = Math.max(newest, r.modseq);
    for (const e of changes.expunged) newest = Math.max(newest, e.modseq);
    this.highestModseq = Math.max(this.highestModseq, newest);
    this.uidnext = Math.max(this.uidnext, uidnext, (this.uids.at(-1) ?? 0) + 1);
  }

  private async load(uidvalidity: number, uidnext: number, modseq: number): Promise<void> {
    const entries = await this.folder.index();
    const n = entries.length;
    const uids = new Array<number>(n);
    const flags = new Array<string>(n);
    const modseqs = new Array<number>(n);
    let newest = modseq;
    for (let i = 0; i < n; i++) {
      const e = entries[i]!;
      uids[i] = e.uid;
      flags[i] = intern(e.flags);
      modseqs[i] = e.modseq;
      if (e.modseq > newest) newest = e.modseq;
    }
    this.uids = uids;
    this.flags = flags;
    this.modseqs = modseqs;
    this.flagSets = new Map();
    this.keywordsCache = undefined;
    for (const f of flags) this.countFlags(f, 1);
    if (uidvalidity !== this.uidvalidity) this.rows = new Map();
    this.uidvalidity = uidvalidity;
    this.highestModseq = newest;
    this.uidnext = Math.max(uidnext, (uids.at(-1) ?? 0) + 1);
    this.log = [];
    this.logFloor = newest;
    this.headers = undefined;
    this.headersLoading = undefined;
    this.loaded = true;
  }

  private apply(rows: readonly IndexEntry[], expunged: readonly { uid: number }[]): void {
    if (expunged.length > 0) {
      const gone = new Set<number>();
      for (const e of expunged) if (this.position(e.uid) >= 0) gone.add(e.uid);
      if (gone.size > 0) {
        const uids: number[] = [];
        const flags: string[] = [];
        const modseqs: number[] = [];
        for (let i = 0; i < this.uids.length; i++) {
          if (gone.has(this.uids[i]!)) {
            this.countFlags(this.flags[i]!, -1);
            continue;
          }
          uids.push(this.uids[i]!);
          flags.push(this.flags[i]!);
          modseqs.push(this.modseqs[i]!);
        }
        this.uids = uids;
        this.flags = flags;
        this.modseqs = modseqs;
        if (this.headers) for (const uid of gone) this.headers.delete(uid);
        for (const uid of gone) this.rows.delete(uid);
      }
    }
    for (const r of rows) {
      const i = this.position(r.uid);
      if (i >= 0) {
        if (this.modseqs[i]! >= r.modseq) continue;
        this.countFlags(this.flags[i]!, -1);
        this.flags[i] = intern(r.flags);
        this.countFlags(r.flags, 1);
        this.modseqs[i] = r.modseq;
      } else if (r.uid > (this.uids.at(-1) ?? 0)) {
        this.uids.push(r.uid);
        this.flags.push(intern(r.flags));
        this.countFlags(r.flags, 1);
        this.modseqs.push(r.modseq);
      } else {
        continue; // expunged meanwhile: the log will say so
      }
      this.log.push({ modseq: r.modseq, uid: r.uid });
    }
    if (this.log.length > LOG_LIMIT) {
      this.log.sort((a, b) => a.modseq - b.modseq);
      let cut = this.log.length - LOG_LIMIT / 2;
      const floor = this.log[cut - 1]!.modseq;
      while (cut < this.log.length && this.log[cut]!.modseq === floor) cut++;
      this.log = this.log.slice(cut);
      this.logFloor = floor;
    }
  }

  /** UIDs whose flags changed or that were appended after `modseq` (duplicates possible). */
  changedSince(modseq: number): number[] {
    const out: number[] = [];
    if (modseq >= this.logFloor) {
      for (const e of this.log) if (e.modseq > modseq) out.push(e.uid);
      return out;
    }
    for (let i = 0; i < this.uids.length; i++) if (this.modseqs[i]! > modseq) out.push(this.uids[i]!);
    return out;
  }

  flagsOf(uid: number): string | undefined {
    const i = this.position(uid);
    return i >= 0 ? this.flags[i] : undefined;
  }

  modseqOf(uid: number): number | undefined {
    const i = this.position(uid);
    return i >= 0 ? this.modseqs[i] : undefined;
  }

  private countFlags(flags: string, delta: 1 | -1): void {
    const n = (this.flagSets.get(flags) ?? 0) + delta;
    if (n > 0) {
      // A flag string no message had before may bring a keyword.
      if (n === 1 && delta === 1) this.keywordsCache = undefined;
      this.flagSets.set(flags, n);
    } else {
      this.flagSets.delete(flags);
      this.keywordsCache = undefined;
    }
  }

  /** Every keyword some message of the folder has (RFC 3501 §7.2.6), from the distinct flag strings. */
  keywords(): ReadonlySet<string> {
    if (!this.keywordsCache) {
      const keywords = new Set<string>();
      for (const s of this.flagSets.keys()) for (const f of parsedFlags(s)) if (!f.startsWith('\\')) keywords.add(f);
      this.keywordsCache = keywords;
    }
    return this.keywordsCache;
  }

  /** Sequence number of the first message without \Seen (0: none), cached until the next change. */
  firstUnseenSeq(): number {
    const c = this.firstUnseen;
    if (c && c.modseq === this.highestModseq && c.uidnext === this.uidnext && c.uids === this.uids) return c.seq;
    let seq = 0;
    for (let i = 0; i < this.flags.length; i++) {
      if (!parsedFlags(this.flags[i]!).includes('\\Seen')) {
        seq = i + 1;
        break;
      }
    }
    this.firstUnseen = { modseq: this.highestModseq, uidnext: this.uidnext, uids: this.uids, seq };
    return seq;
  }

  /**
   * The stored rows of these messages (UIDs of the index, ascending), from memory, reading those
   * it does not hold by pages of neighbouring messages (one statement for a client that fetches
   * its way through the folder). A UID the index no longer has gets no row.
   */
  async storedRows(uids: readonly number[]): Promise<Map<number, StoredRow>> {
    const out = new Map<number, StoredRow>();
    const pages = new Set<number>();
    for (const uid of uids) {
      const row = this.rows.get(uid);
      if (row) out.set(uid, row);
      else {
        const p = this.position(uid);
        if (p >= 0) pages.add(Math.floor(p / ROWS_PAGE));
      }
    }
    if (pages.size === 0) return out;
    if (this.rows.size > ROWS_KEPT) this.rows = new Map();
    const wanted: number[] = [];
    for (const page of [...pages].sort((a, b) => a - b))
      for (let i = page * ROWS_PAGE; i < Math.min((page + 1) * ROWS_PAGE, this.uids.length); i++) wanted.push(this.uids[i]!);
    const rows = this.rows;
    const validity = this.uidvalidity;
    // Scattered UIDs by name, a run of them (or more than a statement's parameters hold) as one range scan.
    const read =
      wanted.length <= 64 || wanted.at(-1)! - wanted[0]! < 2 * wanted.length
        ? await this.folder.fetchRows(wanted, false)
        : await this.folder.messages({ fromUid: wanted[0], toUid: wanted.at(-1) });
    for (const r of read) {
      const uid = Number(r.uid);
      const row: StoredRow = {
        uid: r.uid,
        internal_date: r.internal_date,
        size: r.size,
        blob_hash: r.blob_hash,
        saved_at: r.saved_at,
        thread_id: r.thread_id,
      };
      // Kept only if the folder was not made anew meanwhile (its UIDs then name other messages).
      if (this.uidvalidity === validity && this.rows === rows) rows.set(uid, row);
      out.set(uid, row);
    }
    const want = new Set(uids);
    for (const uid of out.keys()) if (!want.has(uid)) out.delete(uid);
    return out;
  }

  /** IDLE sessions: called once the index has taken in a change another session announced. */
  watch(fn: () => void): void {
    this.watchers.add(fn);
  }
  unwatch(fn: () => void): void {
    this.watchers.delete(fn);
  }
  get watched(): boolean {
    return this.watchers.size > 0;
  }
  broadcast(): void {
    for (const fn of [...this.watchers]) fn();
  }

  /** The search headers of every message, read (and cached) on the first header SEARCH. */
  async searchHeaders(): Promise<Map<number, SearchHeaders>> {
    if (this.headers) return this.headers;
    this.headersLoading ??= (async () => {
      const map = new Map<number, SearchHeaders>();
      const rows = await this.folder.searchHeaders();
      await this.addHeaders(rows, map);
      return map;
    })();
    try {
      const map = await this.headersLoading;
      // Messages appended while loading are in the log: take them in through the next refresh.
      if (!this.headers) {
        this.headers = map;
        for (const uid of map.keys()) if (this.position(uid) < 0) map.delete(uid);
        const missing = this.uids.filter((u) => !map.has(u));
        if (missing.length > 0) await this.addHeaders(await this.rowsWithHeaders(missing.map((uid) => ({ uid }))), map);
      }
      return this.headers;
    } finally {
      this.headersLoading = undefined;
    }
  }

  private async rowsWithHeaders(
    rows: readonly { uid: number }[],
  ): Promise<{ uid: number; search_headers: string | null; blob_hash: string }[]> {
    if (rows.length === 0) return [];
    return (await this.folder.messagesByUid(rows.map((r) => r.uid))).map((r) => ({
      uid: Number(r.uid),
      search_headers: r.search_headers,
      blob_hash: r.blob_hash,
    }));
  }

  private async addHeaders(
    rows: readonly { uid: number; search_headers?: string | null; blob_hash?: string }[],
    into: Map<number, SearchHeaders>,
  ): Promise<void> {
    for (const r of rows) {
      if (into.has(r.uid)) continue;
      // Computed when the message was stored; parsed from the body (and not written: reads never
      // write) only for a row the backfill could not compute.
      const stored = r.search_headers ? parseSearchHeaders(r.search_headers) : await this.headersOf(r.blob_hash!);
      into.set(r.uid, searchHeadersFromStored(stored));
    }
  }
}

/**
 * The shared folder indexes of one store in this process, one per folder whoever selected it,
 * and the change notices that keep them fresh. Sessions get this, not the store: an index reads
 * its folder through the handle of the session that first acquired it.
 */
export class FolderIndexes {
  private readonly indexes = new Map<number, FolderIndex>();
  /** Unheld indexes, oldest first. */
  private readonly unused = new Set<FolderIndex>();
  private readonly notify: (folderId: number) => void;
  private readonly headersOf: HeadersOfBlob;

  private readonly coverage: () => number | undefined;
  private readonly trustMs: number | undefined;

  /**
   * `events` carries `folder-changed` from every process; `notify` publishes one (the store's
   * `notifyFolderChanged`); `coverage` is the bus's (`EventBus.coverage`), defined while every
   * notice reaches this process: read commands then trust the indexes between notices.
   */
  constructor(
    events: EventEmitter,
    headersOf: HeadersOfBlob,
    notify: (folderId: number) => void = (id) => events.emit('folder-changed', id),
    coverage: () => number | undefined = () => undefined,
    trustMs?: number,
  ) {
    this.notify = notify;
    this.headersOf = headersOf;
    this.coverage = coverage;
    this.trustMs = trustMs;
    // One listener per store, not one per session: a change is read once, then sessions in
    // IDLE on that folder are told, and diff against memory without touching the database.
    events.on('folder-changed', (folderId: number) => {
      const idx = this.indexes.get(folderId);
      if (!idx) return;
      idx.noticeHeard();
      if (!idx.watched) return;
      idx.ensureFresh().then(
        () => idx.broadcast(),
        () => {},
      );
    });
  }

  /** The shared index of a folder, held until `release`. */
  acquire(folder: FolderHandle): FolderIndex {
    let idx = this.indexes.get(folder.id);
    if (!idx) {
      idx = new FolderIndex(folder, this.headersOf, this.coverage, this.trustMs);
      this.indexes.set(folder.id, idx);
    }
    idx.refs++;
    this.unused.delete(idx);
    return idx;
  }

  release(idx: FolderIndex): void {
    if (--idx.refs > 0) return;
    this.unused.add(idx);
    while (this.unused.size > UNUSED_KEPT) {
      const oldest = this.unused.values().next().value!;
      this.unused.delete(oldest);
      if (this.indexes.get(oldest.folderId) === oldest) this.indexes.delete(oldest.folderId);
    }
  }

  /** Tells the sessions of every process that a folder changed (committed): IDLE sessions hear of it at once. */
  changed(folder: FolderHandle): void {
    this.notify(folder.id);
  }
}
