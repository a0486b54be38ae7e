import type { FolderRow, MessageRow } from './schema.ts';
import type { FetchRow, IndexEntry, MailRepo, NewMessage } from './repos/mail.ts';
import { OutOfScopeError } from './out-of-scope.ts';

/** What a folder handle needs of the scope that made it: which mailbox, and its transactions. */
export interface FolderScope {
  readonly mailboxId: number;
  readonly address: string;
  /** The same folder, read and written through this scope (inside its transaction, if it is bound to one). */
  bind(folder: FolderHandle): FolderHandle;
  transaction<T>(fn: (scope: FolderScope) => Promise<T>): Promise<T>;
  groupTransaction<T>(fn: (scope: FolderScope) => Promise<T>): Promise<T>;
}

/**
 * One folder of a mailbox and its messages, as the mailbox's scope (`MailboxScope.openFolder`)
 * hands it out: every message operation of a protocol (read rows, flags, append, copy, expunge,
 * `\Recent` claims) on this folder and no other. Made only by a scope (the package does not export
 * the constructor), so a folder id of another mailbox never becomes a handle: the scope refuses it
 * with OUT_OF_SCOPE. Bound to the store, or to one transaction (`transaction`, `within`).
 */
export class FolderHandle {
  readonly id: number;
  readonly mailboxId: number;
  /** The folder as read when the handle was made (name, UIDVALIDITY, recent mark at that time). */
  readonly row: FolderRow;
  private readonly scope: FolderScope;
  private readonly mail: MailRepo;

  constructor(scope: FolderScope, mail: MailRepo, row: FolderRow) {
    if (row.mailbox_id !== scope.mailboxId) throw new OutOfScopeError(`folder ${row.id}`, scope.address);
    this.scope = scope;
    this.mail = mail;
    this.row = row;
    this.id = row.id;
    this.mailboxId = row.mailbox_id;
  }

  get name(): string {
    return this.row.name;
  }

  /** Logs and JSON show which folder, never the repositories behind it. */
  toJSON(): { folderId: number; mailboxId: number; name: string } {
    return { folderId: this.id, mailboxId: this.mailboxId, name: this.row.name };
  }

  /** Runs `fn` in one transaction with this folder bound to it (inside the scope's own transaction, if bound to one). */
  transaction<T>(fn: (folder: FolderHandle) => Promise<T>): Promise<T> {
    return this.scope.transaction((s) => fn(s.bind(this)));
  }

  /** Like `transaction`, sharing its commit with others made meanwhile (`Store.groupTransaction`). */
  groupTransaction<T>(fn: (folder: FolderHandle) => Promise<T>): Promise<T> {
    return this.scope.groupTransaction((s) => fn(s.bind(this)));
  }

  // --- the folder -------------------------------------------------------------------------

  /** The folder as it is now; undefined once deleted. */
  current(): Promise<FolderRow | undefined> {
    return this.mail.folderById(this.id);
  }

  status(): ReturnType<MailRepo['status']> {
    return this.mail.status(this.id);
  }

  rename(name: string): Promise<void> {
    return this.mail.renameFolder(this.id, name);
  }

  setSubscribed(subscribed: boolean): Promise<void> {
    return this.mail.setSubscribed(this.id, subscribed);
  }

  delete(): Promise<void> {
    return this.mail.deleteFolder(this.id);
  }

  // --- reading messages -------------------------------------------------------------------

  index(): Promise<{ uid: number; flags: string; modseq: number }[]> {
    return this.mail.index(this.id);
  }

  changesSince(modseq: number, withHeaders: boolean): Promise<{ rows: IndexEntry[]; expunged: { uid: number; modseq: number }[] }> {
    return this.mail.changesSince(this.id, modseq, withHeaders);
  }

  expungedSince(modseq: number): Promise<{ uids: number[]; complete: boolean }> {
    return this.mail.expungedSince(this.id, modseq);
  }

  searchHeaders(): Promise<{ uid: number; search_headers: string | null; blob_hash: string }[]> {
    return this.mail.searchHeaders(this.id);
  }

  messages(range: { fromUid?: number; toUid?: number; limit?: number } = {}): Promise<MessageRow[]> {
    return this.mail.messages(this.id, range);
  }

  messagesByUid(uids: readonly number[]): Promise<MessageRow[]> {
    return this.mail.messagesByUid(this.id, uids);
  }

  fetchRows(uids: readonly number[], withStructures = true): Promise<FetchRow[]> {
    return this.mail.fetchRows(this.id, uids, withStructures);
  }

  structures(uids: readonly number[]): Promise<Map<number, string | null>> {
    return this.mail.structures(this.id, uids);
  }

  // --- changing messages (inside a transaction: UIDs and MODSEQs are taken atomically) ----------

  appendMessage(m: NewMessage): Promise<MessageRow> {
    return this.mail.appendMessage(this.id, m);
  }

  /** Many messages in one go (`MailRepo.appendMessages`): the first one's UID. */
  appendMessages(ms: readonly NewMessage[]): Promise<number> {
    return this.mail.appendMessages(this.id, ms);
  }

  setFlags(uids: readonly number[], flags: readonly string[]): Promise<{ updated: number; modseq: number }> {
    return this.mail.setFlagsModseq(this.id, uids, flags);
  }

  expunge(uids: readonly number[]): Promise<number> {
    return this.mail.expunge(this.id, uids);
  }

  /** Copies messages into another folder of the same mailbox: [source UID, new UID] pairs. */
  copyTo(uids: readonly number[], dest: FolderHandle): Promise<[number, number][]> {
    if (dest.mailboxId !== this.mailboxId) return Promise.reject(new OutOfScopeError(`folder ${dest.id}`, this.scope.address));
    return this.mail.copyMessages(this.id, uids, dest.id);
  }

  /** Takes the messages up to `upToUid` as `\Recent` (RFC 3501 §2.3.2): see `MailRepo.claimRecent`. */
  claimRecent(upToUid: number): Promise<number> {
    return this.mail.claimRecent(this.id, upToUid);
  }
}
