import type { Repositories } from '@mss/store';
import { parseFlags } from '@mss/store';

export interface FolderSnapshotEntry {
  uid: number;
  flags: string;
  modseq: number;
}

export interface SyncResult {
  /** Sequence numbers to announce as EXPUNGE, already in the order to send them. */
  expunged: number[];
  /** New EXISTS count, when it changed. */
  exists: number | null;
  /** Messages whose flags changed: sequence number, uid, flags, modseq. */
  changed: { seq: number; uid: number; flags: string[]; modseq: number }[];
}

/**
 * The selected folder as this session has announced it: the sequence of UIDs the client knows,
 * their flags and MODSEQ. `sync` compares it with the store and tells what to announce; when
 * expunges may not be sent (during FETCH/STORE/SEARCH), they wait and sequence numbers stay.
 */
export class SelectedFolder {
  readonly folderId: number;
  readonly name: string;
  readonly readOnly: boolean;
  uidValidity: number;
  uidNext: number;
  highestModseq: number;
  /** The folder state (UIDNEXT, HIGHESTMODSEQ) fully applied here, pending expunges included. */
  private syncedUidNext = 0;
  private syncedModseq = 0;
  private uids: number[] = [];
  private readonly flags = new Map<number, string>();
  private readonly modseqs = new Map<number, number>();

  constructor(folderId: number, name: string, readOnly: boolean, uidValidity: number) {
    this.folderId = folderId;
    this.name = name;
    this.readOnly = readOnly;
    this.uidValidity = uidValidity;
    this.uidNext = 1;
    this.highestModseq = 1;
  }

  get exists(): number {
    return this.uids.length;
  }

  load(entries: FolderSnapshotEntry[], uidNext: number, highestModseq: number): void {
    this.uids = entries.map((e) => e.uid);
    this.flags.clear();
    this.modseqs.clear();
    for (const e of entries) {
      this.flags.set(e.uid, e.flags);
      this.modseqs.set(e.uid, e.modseq);
    }
    this.uidNext = uidNext;
    this.highestModseq = highestModseq;
    this.syncedUidNext = uidNext;
    this.syncedModseq = highestModseq;
  }

  uidAt(seq: number): number | undefined {
    return this.uids[seq - 1];
  }

  /** Sequence number of a UID, by binary search (UIDs are ascending). */
  seqOf(uid: number): number | undefined {
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.uids[mid]!;
      if (v === uid) return mid + 1;
      if (v < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  get allUids(): readonly number[] {
    return this.uids;
  }

  get maxUid(): number {
    return this.uids.at(-1) ?? 0;
  }

  flagsOf(uid: number): string[] {
    return parseFlags(this.flags.get(uid) ?? '');
  }

  modseqOf(uid: number): number {
    return this.modseqs.get(uid) ?? 0;
  }

  /** Records what this session itself just changed, so it is not announced twice. */
  noteFlags(uid: number, flags: string, modseq: number): void {
    if (!this.flags.has(uid)) return;
    this.flags.set(uid, flags);
    this.modseqs.set(uid, modseq);
  }

  async sync(tx: Repositories, allowExpunge: boolean): Promise<SyncResult> {
    const folder = await tx.mail.folderById(this.folderId);
    const result: SyncResult = { expunged: [], exists: null, changed: [] };
    if (!folder) return result;
    // Every change to a folder raises its HIGHESTMODSEQ (and an append its UIDNEXT): when neither
    // moved since the last full sync, there is nothing to announce — the common case, kept cheap.
    if (Number(folder.highest_modseq) === this.syncedModseq && Number(folder.uidnext) === this.syncedUidNext) return result;
    const current = await tx.mail.index(this.folderId);
    const present = new Set(current.map((e) => e.uid));
    if (allowExpunge) {
      // Highest first, so that each announced number is still right when the client applies it.
      for (let i = this.uids.length - 1; i >= 0; i--) {
        const uid = this.uids[i]!;
        if (!present.has(uid)) {
          result.expunged.push(i + 1);
          this.uids.splice(i, 1);
          this.flags.delete(uid);
          this.modseqs.delete(uid);
        }
      }
    }
    const known = new Set(this.uids);
    const before = this.uids.length;
    for (const e of current) {
      if (!known.has(e.uid) && e.uid > (this.uids.at(-1) ?? 0)) {
        this.uids.push(e.uid);
        this.flags.set(e.uid, e.flags);
        this.modseqs.set(e.uid, e.modseq);
      } else if (known.has(e.uid) && this.flags.get(e.uid) !== e.flags) {
        this.flags.set(e.uid, e.flags);
        this.modseqs.set(e.uid, e.modseq);
        result.changed.push({ seq: this.seqOf(e.uid)!, uid: e.uid, flags: parseFlags(e.flags), modseq: e.modseq });
      }
    }
    if (this.uids.length !== before || result.expunged.length > 0) result.exists = this.uids.length;
    this.uidNext = Number(folder.uidnext);
    this.highestModseq = Number(folder.highest_modseq);
    // Expunges held back (RFC 3501 §7.4.1) keep the state "not fully synced" until announced.
    const pendingExpunge = !allowExpunge && this.uids.some((u) => !present.has(u));
    if (!pendingExpunge) {
      this.syncedModseq = this.highestModseq;
      this.syncedUidNext = this.uidNext;
    }
    return result;
  }
}
