import { MssError } from '@mss/runtime';
import type { DelegationRow, FolderRow, HolderRow, LocalPersonRow, MailboxRow } from './schema.ts';
import type { Repositories } from './store.ts';
import type { HistoryEntry, HistoryEvent } from './repos/history.ts';
import { publicationOf } from './repos/outbox.ts';

/** An id of another mailbox (a folder, a delegation) was handed to a mailbox-scoped handle. */
export class OutOfScopeError extends MssError {
  constructor(what: string, mailboxAddress: string) {
    super('OUT_OF_SCOPE', `${what} does not belong to mailbox ${mailboxAddress}`);
    this.name = 'OutOfScopeError';
  }
}

type MailboxChanges = Parameters<Repositories['mailboxes']['update']>[1];

/**
 * The repositories of one mailbox, and nothing else: what the decision point (@mss/access)
 * hands a caller it has allowed on that mailbox. Methods take no mailbox id; ids of folders or
 * delegations are checked against the mailbox, so code past the check cannot reach another
 * mailbox by mistake. Bound to the store or to one transaction (`within`).
 */
export class MailboxScope {
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

  // --- history and directory --------------------------------------------------------------

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

  usage(): Promise<{ storage: number; messages: number }> {
    return this.repos.mail.usage(this.mailboxId);
  }
}
