import type { BlobStore, FolderHandle, Store } from '@mss/store';
import { FolderIndexes } from './folder-index.ts';
import { messageView } from './message.ts';
import { WireForms } from './wire-forms.ts';

/** Message bodies by content hash; which hash, a row read through a folder handle says. */
export type BlobReader = Pick<BlobStore, 'get' | 'localPath' | 'readRange'>;

/**
 * What IMAP uses of the store that belongs to no one mailbox; everything that reads or writes a
 * folder or its messages goes through a FolderHandle of the session's MailboxScope, which the
 * decision point handed out. Command handlers get this and the scope, never the store.
 */
export interface SharedMail {
  /** Bodies are content-addressed and immutable: reading one needs its hash, which only a row gives. */
  readonly blobs: BlobReader;
  /** The shared index of each selected folder and the change notices that keep them fresh. */
  readonly indexes: FolderIndexes;
  /** ENVELOPE/BODY/BODYSTRUCTURE encoded once per blob, for every session. */
  readonly wireForms: WireForms;
  /** A message's blob made durable and the ingestion step run, before the transaction that files it. */
  ingest(raw: Buffer): ReturnType<Store['ingest']>;
  /** After a commit that changed the folder: the sessions of this process (IDLE) hear of it. */
  folderChanged(folder: FolderHandle): void;
}

const perStore = new WeakMap<Store, SharedMail>();

/**
 * One per store, shared by every IMAP listener of the process on it (one index per folder);
 * `noticeTrustMs` (FolderIndex.trusted) is the first caller's.
 */
export function sharedMail(store: Store, noticeTrustMs?: number): SharedMail {
  let shared = perStore.get(store);
  if (!shared) {
    const blobs = store.blobs;
    const indexes = new FolderIndexes(
      store.events,
      async (hash) => messageView(await blobs.get(hash)).searchHeaders(),
      (folderId) => store.notifyFolderChanged(folderId),
      () => store.bus.coverage(),
      noticeTrustMs,
    );
    shared = {
      blobs,
      indexes,
      wireForms: new WireForms(),
      ingest: (raw) => store.ingest(raw),
      folderChanged: (folder) => indexes.changed(folder),
    };
    perStore.set(store, shared);
  }
  return shared;
}
