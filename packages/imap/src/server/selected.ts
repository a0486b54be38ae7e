import type { FolderHandle } from '@mss/store';
import { parsedFlags, type FolderIndex } from './folder-index.ts';

export interface SyncResult {
  /** Sequence numbers to announce as EXPUNGE, already in the order to send them. */
  expunged: number[];
  /** Their UIDs, for `* VANISHED` once QRESYNC is enabled (RFC 7162 §3.2.10). */
  expungedUids: number[];
  /** New EXISTS count, when it changed. */
  exists: number | null;
  /** Messages whose flags changed: sequence number, uid, flags, modseq. */
  changed: { seq: number; uid: number; flags: readonly string[]; modseq: number }[];
}

export type RecentMode = 'claim' | 'observe' | 'none';

const NOTHING: SyncResult = Object.freeze({ expunged: [], expungedUids: [], exists: null, changed: [] }) as SyncResult;

/**
 * The selected folder as this session has announced it. The message sequence is a prefix of the
 * shared index's `uids` (no copy: at 10,000 messages a copy per session was most of an idle
 * session's memory), or, while expunges are held back, a private array. Flags and MODSEQs are
 * the index's, which always has the newest; `sync` tells what to announce, and when expunges
 * may not be sent (during FETCH/STORE/SEARCH) they wait and sequence numbers stay.
 */
export class SelectedFolder {
  readonly folderId: number;
  /** The folder, through the session's own scope: every read and write of its messages goes through it. */
  readonly folder: FolderHandle;
  readonly name: string;
  readonly readOnly: boolean;
  readonly index: FolderIndex;
  uidValidity: number;
  private uids: number[];
  private len: number;
  /** Flag changes up to this MODSEQ are announced (or were this session's own). */
  private syncedModseq: number;
  private syncedUidNext: number;
  /** Expunges seen but held back (RFC 3501 §7.4.1): the next sync that may send them must. */
  private pendingExpunge = false;
  /** This session's own flag changes (uid → MODSEQ they got): not announced back to it. */
  private noted: Map<number, number> | undefined;
  /** The keywords the client was told of in `* FLAGS` (RFC 3501 §7.2.6); only grows. */
  readonly keywords: Set<string>;
  /**
   * `\Recent` (RFC 3501 §2.3.2) as this session has it: `claim` takes new messages from the
   * folder's mark (SELECT), `observe` sees those above the mark at selection without taking them
   * (EXAMINE), `none` has no `\Recent` (IMAP4rev2, RFC 9051).
   */
  readonly recentMode: RecentMode;
  /** UID ranges (from, to] recent in this session. */
  private readonly recent: [number, number][] = [];
  private observedUpTo = 0;
  private recentNoted = false;
  private claiming: Promise<unknown> = Promise.resolve();

  constructor(folder: FolderHandle, index: FolderIndex, readOnly: boolean, recentMode: RecentMode = 'none') {
    this.folderId = folder.id;
    this.folder = folder;
    this.index = index;
    this.name = folder.name;
    this.readOnly = readOnly;
    this.uidValidity = index.uidvalidity;
    this.uids = index.uids;
    this.len = index.uids.length;
    this.syncedModseq = index.highestModseq;
    this.syncedUidNext = index.uidnext;
    this.keywords = new Set(index.keywords());
    this.recentMode = recentMode;
  }

  /**
   * Takes as recent the messages up to the view's highest UID that no session took yet (claim),
   * or notes those above the folder's mark (observe, once, at selection).
   */
  async takeRecent(markAtSelection?: number): Promise<boolean> {
    if (this.recentMode === 'none') return false;
    const upTo = this.maxUid;
    if (this.recentMode === 'observe') {
      if (markAtSelection !== undefined && this.recent.length === 0) this.recent.push([markAtSelection, Number.MAX_SAFE_INTEGER]);
      const arrived = upTo > this.observedUpTo;
      this.observedUpTo = upTo;
      return arrived;
    }
    const last = this.recent.at(-1)?.[1] ?? 0;
    const index = this.index;
    if (markAtSelection !== undefined && markAtSelection > index.recentMark) index.recentMark = markAtSelection;
    // Marks only grow: a mark already at the view's end means there is nothing to take.
    if (upTo <= last || index.recentMark >= upTo) return this.takeNoted();
    // A group transaction: the claim shares its commit (and fsync, off the event loop) with
    // others. Claims run one after another, so that their ranges are noted in order.
    const claim = this.claiming.then(() => this.folder.groupTransaction((f) => f.claimRecent(upTo)));
    this.claiming = claim.catch(() => undefined);
    const before = await claim;
    if (upTo > index.recentMark) index.recentMark = upTo;
    return this.addRecent(before, upTo) || this.takeNoted();
  }

  /** Whether claims noted since the last `takeRecent` are still to be told (`* n RECENT`). */
  private takeNoted(): boolean {
    const noted = this.recentNoted;
    this.recentNoted = false;
    return noted;
  }

  /** Records a claim made by this session in its own APPEND's transaction: UIDs in (before, upTo]. */
  noteClaimed(before: number, upTo: number): void {
    if (upTo > this.index.recentMark) this.index.recentMark = upTo;
    if (this.addRecent(before, upTo)) this.recentNoted = true;
  }

  private addRecent(before: number, upTo: number): boolean {
    const last = this.recent.at(-1)?.[1] ?? 0;
    if (before >= upTo || upTo <= last) return false;
    const from = Math.max(before, last);
    const prev = this.recent.at(-1);
    if (prev && prev[1] === from) prev[1] = upTo;
    else this.recent.push([from, upTo]);
    return true;
  }

  isRecent(uid: number): boolean {
    for (const [from, to] of this.recent) if (uid > from && uid <= to) return true;
    return false;
  }

  /** How many messages of the view are recent in this session (the `* n RECENT` response, RFC 3501 §7.3.2). */
  recentCount(): number {
    let n = 0;
    for (const [from, to] of this.recent) {
      const hi = to >= this.maxUid ? this.len : this.index.lowerBound(to + 1, this.uids, this.len);
      n += hi - this.index.lowerBound(from + 1, this.uids, this.len);
    }
    return n;
  }

  /** Adds the keywords of `flags` the client was not told of yet; true when there were any. */
  learnKeywords(flags: readonly string[]): boolean {
    let learnt = false;
    for (const f of flags) {
      if (f.startsWith('\\') || this.keywords.has(f)) continue;
      this.keywords.add(f);
      learnt = true;
    }
    return learnt;
  }

  get uidNext(): number {
    return this.index.uidnext;
  }

  get highestModseq(): number {
    return this.index.highestModseq;
  }

  get exists(): number {
    return this.len;
  }

  uidAt(seq: number): number | undefined {
    return seq >= 1 && seq <= this.len ? this.uids[seq - 1] : undefined;
  }

  /** Sequence number of a UID, by binary search (UIDs are ascending). */
  seqOf(uid: number): number | undefined {
    const i = this.index.position(uid, this.uids, this.len);
    return i >= 0 ? i + 1 : undefined;
  }

  get maxUid(): number {
    return this.len > 0 ? this.uids[this.len - 1]! : 0;
  }

  /** The messages whose UIDs fall in [from, to], in order. */
  *uidRange(from: number, to: number): Generator<{ seq: number; uid: number }> {
    for (let i = this.index.lowerBound(from, this.uids, this.len); i < this.len; i++) {
      const uid = this.uids[i]!;
      if (uid > to) return;
      yield { seq: i + 1, uid };
    }
  }

  /**
   * Every message of the view with its current flags and MODSEQ. A message another session
   * expunged but not yet announced here is skipped: it has no flags any more.
   */
  forEach(fn: (uid: number, seq: number, flags: string, modseq: number) => void): void {
    const idx = this.index;
    if (this.uids === idx.uids) {
      for (let i = 0; i < this.len; i++) fn(this.uids[i]!, i + 1, idx.flags[i]!, idx.modseqs[i]!);
      return;
    }
    for (let i = 0; i < this.len; i++) {
      const uid = this.uids[i]!;
      const p = idx.position(uid);
      if (p >= 0) fn(uid, i + 1, idx.flags[p]!, idx.modseqs[p]!);
    }
  }

  flagsOf(uid: number): readonly string[] {
    return parsedFlags(this.index.flagsOf(uid) ?? '');
  }

  modseqOf(uid: number): number {
    return this.index.modseqOf(uid) ?? 0;
  }

  /** Records what this session itself just changed, so it is not announced twice. */
  noteFlags(uid: number, modseq: number): void {
    (this.noted ??= new Map()).set(uid, modseq);
  }

  /**
   * What to announce since the last sync. `fresh`: the shared index was just brought up to date
   * (IDLE broadcast), no need to ask the store again. `mark`: the index's mark when a command
   * that changed nothing began (FETCH, SEARCH, SORT, THREAD); a refresh finished since then will
   * do, and so will an index the change notices vouch for (`FolderIndex.trusted`). A command
   * without a mark (NOOP, CHECK, IDLE, and every command that writes) always asks the store.
   */
  async sync(allowExpunge: boolean, fresh = false, mark?: number): Promise<SyncResult> {
    const idx = this.index;
    if (!fresh && !(mark !== undefined && (idx.freshSince(mark) || idx.trusted()))) await idx.ensureFresh();
    if (idx.gone) return NOTHING;
    // Every change raises HIGHESTMODSEQ (an append also UIDNEXT): nothing moved, nothing to say.
    if (idx.highestModseq === this.syncedModseq && idx.uidnext === this.syncedUidNext && !(this.pendingExpunge && allowExpunge)) {
      this.noted = undefined;
      return NOTHING;
    }
    const result: SyncResult = { expunged: [], expungedUids: [], exists: null, changed: [] };
    const oldLen = this.len;
    const oldMax = this.maxUid;
    let pending = false;
    if (this.uids !== idx.uids) {
      const gone: number[] = [];
      for (let i = 0; i < this.len; i++) if (idx.position(this.uids[i]!) < 0) gone.push(i);
      if (gone.length === 0 || allowExpunge) {
        // Highest first, so that each announced number is still right when the client applies it.
        for (let j = gone.length - 1; j >= 0; j--) result.expunged.push(gone[j]! + 1);
        for (const i of gone) result.expungedUids.push(this.uids[i]!);
        // UIDs only grow, so what is left of the view is exactly the index's UIDs up to oldMax.
        this.uids = idx.uids;
        this.len = idx.uids.length;
      } else {
        pending = true;
        const tail = idx.uids.slice(idx.lowerBound(oldMax + 1));
        this.uids = this.uids.slice(0, this.len).concat(tail);
        this.len = this.uids.length;
      }
    } else {
      this.len = idx.uids.length;
    }
    if (this.len !== oldLen || result.expunged.length > 0) result.exists = this.len;
    const seen = new Set<number>();
    for (const uid of idx.changedSince(this.syncedModseq)) {
      if (uid > oldMax || seen.has(uid)) continue; // new messages are announced by EXISTS
      seen.add(uid);
      const p = idx.position(uid);
      if (p < 0) continue;
      const modseq = idx.modseqs[p]!;
      if (this.noted?.get(uid) === modseq) continue;
      const seq = this.seqOf(uid);
      if (seq === undefined) continue;
      result.changed.push({ seq, uid, flags: parsedFlags(idx.flags[p]!), modseq });
    }
    result.changed.sort((a, b) => a.seq - b.seq);
    this.noted = undefined;
    this.syncedModseq = idx.highestModseq;
    this.syncedUidNext = idx.uidnext;
    this.pendingExpunge = pending;
    return result;
  }
}
