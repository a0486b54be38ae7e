import { MssError } from '@mss/runtime';
import type { AccessAuditRow, DelegationRow, FolderRow, GroupAddressRow, HolderRow, LocalPersonRow, MailboxRow } from './schema.ts';
import type { GroupMember } from './repos/groups.ts';
import { Store, type Repositories } from './store.ts';
import type { AuditRecord } from './repos/audit.ts';
import type { HistoryEntry, HistoryEvent } from './repos/history.ts';
import { publicationOf } from './repos/outbox.ts';
import { FolderHandle, type FolderScope } from './folder-handle.ts';
import { OutOfScopeError } from './out-of-scope.ts';

export { OutOfScopeError };

type MailboxChanges = Parameters<Repositories['mailboxes']['update']>[1];

/**
 * The repositories of one mailbox, and nothing else: what the decision point (@mss/access)
 * hands a caller it has allowed on that mailbox. Methods take no mailbox id; ids of folders or
 * delegations are checked against the mailbox, so code past the check cannot reach another
 * mailbox by mistake. Bound to the store or to one transaction (`within`).
 */
export class MailboxScope implements FolderScope {
  readonly mailboxId: number;
  readonly address: string;
  readonly type: MailboxRow['type'];
  private readonly repos: Repositories;

  constructor(repos: Repositories, mailbox: Pick<MailboxRow, 'id' | 'address' | 'type'>) {
    this.repos = repos;
    this.mailboxId = mailbox.id;
    this.address = mailbox.address;
    this.type = mailbox.type;
  }

  /** The same mailbox, read and written inside a caller's transaction. */
  within(tx: Repositories): MailboxScope {
    return new MailboxScope(tx, { id: this.mailboxId, address: this.address, type: this.type });
  }

  /**
   * Runs `fn` in one transaction with this scope bound to it. A scope made on the store opens
   * one; a scope already bound to a transaction (`within`) runs `fn` inside that one.
   */
  transaction<T>(fn: (box: MailboxScope) => Promise<T>): Promise<T> {
    const repos = this.repos;
    return repos instanceof Store ? repos.transaction((tx) => fn(this.within(tx))) : fn(this);
  }

  /** Like `transaction`, sharing its commit (and fsync) with others made meanwhile (`Store.groupTransaction`). */
  groupTransaction<T>(fn: (box: MailboxScope) => Promise<T>): Promise<T> {
    const repos = this.repos;
    return repos instanceof Store ? repos.groupTransaction((tx) => fn(this.within(tx))) : fn(this);
  }

  /** Logs and JSON show which mailbox, never the repositories behind it. */
  toJSON(): { mailboxId: number; address: string; type: string } {
    return { mailboxId: this.mailboxId, address: this.address, type: this.type };
  }

  // --- the mailbox and its people ---------------------------------------------------------

  async row(): Promise<MailboxRow> {
    const row = await this.repos.mailboxes.byId(this.mailboxId);
    if (!row) throw new MssError('MAILBOX_MISSING', `mailbox ${this.address} no longer exists`);
    return row;
  }

  async update(changes: MailboxChanges): Promise<MailboxRow> {
    const row = await this.repos.mailboxes.update(this.mailboxId, changes);
    if (!row) throw new MssError('MAILBOX_MISSING', `mailbox ${this.address} no longer exists`);
    return row;
  }

  /** Frees this closed mailbox's address for a future holder (R-BAL-2); false if it was not closed or is already released. */
  release(): Promise<boolean> {
    return this.repos.mailboxes.release(this.mailboxId);
  }

  holders(): Promise<HolderRow[]> {
    return this.repos.mailboxes.holders(this.mailboxId);
  }

  addHolder(idnat: string, role: HolderRow['role'], addedBy: string | null): Promise<boolean> {
    return this.repos.mailboxes.addHolder(this.mailboxId, idnat, role, addedBy);
  }

  removeHolder(idnat: string, role: HolderRow['role']): Promise<boolean> {
    return this.repos.mailboxes.removeHolder(this.mailboxId, idnat, role);
  }

  activeDelegations(): Promise<DelegationRow[]> {
    return this.repos.mailboxes.activeDelegations(this.mailboxId);
  }

  grantDelegation(d: { delegateIdnat: string; grantedBy: string; startAt?: string; endAt?: string | null }): Promise<DelegationRow> {
    return this.repos.mailboxes.grantDelegation({ ...d, mailboxId: this.mailboxId });
  }

  /** A delegation of this mailbox; another mailbox's delegation is not found here. */
  async delegation(id: number): Promise<DelegationRow | undefined> {
    const d = await this.repos.mailboxes.delegation(id);
    return d && d.mailbox_id === this.mailboxId ? d : undefined;
  }

  async revokeDelegation(id: number, by: string, reason: string): Promise<DelegationRow | undefined> {
    if (!(await this.delegation(id))) throw new OutOfScopeError(`delegation ${id}`, this.address);
    return this.repos.mailboxes.revokeDelegation(id, by, reason);
  }

  /** The structure's own staff declared on this mailbox (issue #20 rule 6). */
  localPersons(options: { includeRemoved?: boolean } = {}): Promise<LocalPersonRow[]> {
    return this.repos.localPersons.ofMailbox(this.mailboxId, options);
  }

  localPerson(idnat: string): Promise<LocalPersonRow | undefined> {
    return this.repos.localPersons.inForce(this.mailboxId, idnat);
  }

  addLocalPerson(p: { idnat: string; name: string; roleLabel: string; addedBy: string }): Promise<LocalPersonRow> {
    return this.repos.localPersons.add({ ...p, mailboxId: this.mailboxId });
  }

  removeLocalPerson(idnat: string, by: string, reason: string | null): Promise<LocalPersonRow | undefined> {
    return this.repos.localPersons.remove(this.mailboxId, idnat, by, reason);
  }

  // --- a CAB's group addresses (issue #20 rule 7) ------------------------------------------

  groups(): Promise<GroupAddressRow[]> {
    return this.repos.groups.ofCab(this.mailboxId);
  }

  /** One of this CAB's groups by its address; another practice's group is not found here. */
  async group(address: string): Promise<GroupAddressRow | undefined> {
    const g = await this.repos.groups.byAddress(address);
    return g && g.cab_mailbox_id === this.mailboxId ? g : undefined;
  }

  createGroup(g: { address: string; description: string | null; createdBy: string }): Promise<GroupAddressRow> {
    return this.repos.groups.create({ ...g, cabMailboxId: this.mailboxId });
  }

  private async ownGroup(groupId: number): Promise<void> {
    if (!(await this.groups()).some((g) => g.id === groupId)) throw new OutOfScopeError(`group ${groupId}`, this.address);
  }

  async groupMembers(groupId: number): Promise<GroupMember[]> {
    await this.ownGroup(groupId);
    return this.repos.groups.members(groupId);
  }

  async addGroupMember(groupId: number, mailboxId: number, addedBy: string): Promise<boolean> {
    await this.ownGroup(groupId);
    return this.repos.groups.addMember(groupId, mailboxId, addedBy);
  }

  async removeGroupMember(groupId: number, mailboxId: number): Promise<boolean> {
    await this.ownGroup(groupId);
    return this.repos.groups.removeMember(groupId, mailboxId);
  }

  async closeGroup(groupId: number): Promise<void> {
    await this.ownGroup(groupId);
    await this.repos.groups.close(groupId);
  }

  /** The people of this CAB's practice: its owner and cotitulaires. */
  practice(): Promise<Set<string>> {
    return this.repos.groups.practiceOf(this.mailboxId);
  }

  // --- history, audit and directory -------------------------------------------------------

  /** An access-audit record of something done on this mailbox (R-CAB-9 attribution), always naming this mailbox. */
  audit(record: Omit<AuditRecord, 'mailbox'>): Promise<AccessAuditRow> {
    return this.repos.audit.append({ ...record, mailbox: this.address });
  }

  appendHistory(e: Omit<HistoryEvent, 'mailboxId'>): Promise<HistoryEntry> {
    return this.repos.history.append({ ...e, mailboxId: this.mailboxId });
  }

  history(page: { afterId?: number; limit?: number }): Promise<HistoryEntry[]> {
    return this.repos.history.list({ ...page, mailboxId: this.mailboxId });
  }

  /** Tells the directory feed what to publish or withdraw for this mailbox as it now is. */
  async enqueuePublication(operation: 'publish' | 'withdraw', row: MailboxRow): Promise<void> {
    if (row.id !== this.mailboxId) throw new OutOfScopeError(`mailbox ${row.address}`, this.address);
    return this.repos.outbox.enqueue(this.mailboxId, operation, publicationOf(row));
  }

  // --- mail -------------------------------------------------------------------------------

  folders(): Promise<FolderRow[]> {
    return this.repos.mail.folders(this.mailboxId);
  }

  folder(name: string): Promise<FolderRow | undefined> {
    return this.repos.mail.folder(this.mailboxId, name);
  }

  createFolder(name: string): Promise<FolderRow> {
    return this.repos.mail.createFolder(this.mailboxId, name);
  }

  ensureFolder(name: string): Promise<FolderRow> {
    return this.repos.mail.ensureFolder(this.mailboxId, name);
  }

  /** A folder by id, only if it is one of this mailbox's. */
  async ownFolder(folderId: number): Promise<FolderRow> {
    const f = await this.repos.mail.folderById(folderId);
    if (!f || f.mailbox_id !== this.mailboxId) throw new OutOfScopeError(`folder ${folderId}`, this.address);
    return f;
  }

  /** A folder of this mailbox by name, as a handle on its messages; undefined when there is none. */
  async openFolder(name: string): Promise<FolderHandle | undefined> {
    const f = await this.repos.mail.folder(this.mailboxId, name);
    return f ? new FolderHandle(this, this.repos.mail, f) : undefined;
  }

  /** A folder by id as a handle, only if it is one of this mailbox's (OUT_OF_SCOPE otherwise). */
  async openFolderById(folderId: number): Promise<FolderHandle> {
    return new FolderHandle(this, this.repos.mail, await this.ownFolder(folderId));
  }

  /** Every folder of this mailbox as a handle, by name. */
  async folderHandles(): Promise<FolderHandle[]> {
    return (await this.folders()).map((f) => new FolderHandle(this, this.repos.mail, f));
  }

  /**
   * The same folder, read and written through this scope: inside its transaction when it is bound
   * to one. A handle of another mailbox's folder is refused (OUT_OF_SCOPE).
   */
  bind(folder: FolderHandle): FolderHandle {
    if (folder.mailboxId !== this.mailboxId) throw new OutOfScopeError(`folder ${folder.id}`, this.address);
    return new FolderHandle(this, this.repos.mail, folder.row);
  }

  usage(): Promise<{ storage: number; messages: number }> {
    return this.repos.mail.usage(this.mailboxId);
  }
}
