import type { Store } from '@mss/store';
import type { FolderSnapshotEntry } from './selected.ts';

interface Snapshot {
  uidnext: number;
  highestModseq: number;
  entries: FolderSnapshotEntry[];
}

const caches = new WeakMap<Store, Map<number, Snapshot>>();

/**
 * The UID/flags/MODSEQ index of a folder, shared by the sessions of this process and read again
 * only when the folder's UIDNEXT or HIGHESTMODSEQ moved (every change moves one of them): many
 * clients SELECT the same INBOX over and over.
 */
export async function folderIndex(store: Store, folderId: number): Promise<Snapshot | undefined> {
  const folder = await store.mail.folderById(folderId);
  if (!folder) return undefined;
  let cache = caches.get(store);
  if (!cache) caches.set(store, (cache = new Map()));
  const uidnext = Number(folder.uidnext);
  const highestModseq = Number(folder.highest_modseq);
  const hit = cache.get(folderId);
  if (hit && hit.uidnext === uidnext && hit.highestModseq === highestModseq) return hit;
  const entries = await store.mail.index(folderId);
  // The index is read after the counters: if a change slipped in between, the next call rereads.
  const snapshot = { uidnext, highestModseq, entries };
  cache.set(folderId, snapshot);
  return snapshot;
}
