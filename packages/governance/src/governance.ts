import type { GovernanceLimits, MailboxStatus } from '@mss/domain';
import type { AccessControl, Principal } from '@mss/access';
import type { CguVersion } from '@mss/store';
import { changeAttachment } from './attachment.ts';
import { addCotitulaire, removeCotitulaire, transferOwnership } from './cab.ts';
import { acceptCgu, cguVersion, currentCgu, publishCgu } from './cgu.ts';
import { GovernanceCore, type GovernanceOptions } from './core.ts';
import { createMailbox, type CreateMailboxInput } from './creation.ts';
import { endDelegationsOf, expireLapsedDelegations, grantDelegation, revokeDelegation } from './delegations.ts';
import { addGroupMember, closeGroup, createGroup, listGroups, removeGroupMember, type GroupView } from './groups.ts';
import { changeStatus, deleteMailbox, releaseAddress } from './lifecycle.ts';
import { addLocalPerson, localMailboxes, localPersons, removeLocalPerson, type LocalPersonView } from './local-persons.ts';
import { getMailbox, myMailboxes, readHistory, updatePublication, type PublicationChanges } from './mailboxes.ts';
import { addResponsible, removeResponsible } from './responsibles.ts';
import type { MailboxView } from './views.ts';

export type { GovernanceOptions } from './core.ts';
export type { CreateMailboxInput } from './creation.ts';
export type { GroupView } from './groups.ts';
export type { LocalPersonView } from './local-persons.ts';
export type { PublicationChanges } from './mailboxes.ts';

/**
 * Mailbox governance (§3–§5): creation, status, publication settings, CAB cotitulaires and
 * ownership, delegations, CGU. Every operation on a mailbox asks @mss/access first, inside the
 * same transaction as the change, and works only through the capability the decision returns
 * (a `MailboxScope`): a caller with no right learns nothing about the mailbox, not even its type
 * or status (decide, then reveal). Then it validates with @mss/domain, writes the history,
 * queues what the directory must learn, and — once committed — publishes the revocations that
 * end sessions.
 *
 * This class is the package's one entry: each family of operations lives in a module of its
 * own (creation, mailboxes, lifecycle, cab, attachment, responsibles, groups, delegations,
 * local-persons, cgu), on what they share (`core.ts`: the transaction, the decision, the checks).
 */
export class Governance {
  readonly #core: GovernanceCore;

  constructor(options: GovernanceOptions) {
    this.#core = new GovernanceCore(options);
  }

  get access(): AccessControl {
    return this.#core.access;
  }

  get limits(): GovernanceLimits {
    return this.#core.limits;
  }

  // --- mailboxes ---------------------------------------------------------------------------

  createMailbox(actor: Principal, input: CreateMailboxInput): Promise<MailboxView> {
    return createMailbox(this.#core, actor, input);
  }

  getMailbox(actor: Principal, address: string): Promise<MailboxView> {
    return getMailbox(this.#core, actor, address);
  }

  /** The mailboxes a person holds, co-holds or is delegated, with their role on each. */
  myMailboxes(idnat: string): ReturnType<typeof myMailboxes> {
    return myMailboxes(this.#core, idnat);
  }

  changeStatus(actor: Principal, address: string, status: MailboxStatus, reason: string): Promise<MailboxView> {
    return changeStatus(this.#core, actor, address, status, reason);
  }

  /** Deleting a mailbox closes it: its history and audit stay, its address is not reused (R-BAL-2, R-CAB-6). */
  deleteMailbox(actor: Principal, address: string, reason: string): Promise<MailboxView> {
    return deleteMailbox(this.#core, actor, address, reason);
  }

  updatePublication(actor: Principal, address: string, changes: PublicationChanges): Promise<MailboxView> {
    return updatePublication(this.#core, actor, address, changes);
  }

  /** R-BAL-2: frees a closed mailbox's address after the operator's waiting period (administrators, audited). */
  releaseAddress(actor: Principal, address: string, reason: string): Promise<MailboxView> {
    return releaseAddress(this.#core, actor, address, reason);
  }

  history(actor: Principal, address: string, page: { afterId?: number; limit?: number }): ReturnType<typeof readHistory> {
    return readHistory(this.#core, actor, address, page);
  }

  // --- who holds it, and where the directory shows it ---------------------------------------

  addCotitulaire(actor: Principal, address: string, idnat: string): Promise<MailboxView> {
    return addCotitulaire(this.#core, actor, address, idnat);
  }

  removeCotitulaire(actor: Principal, address: string, idnat: string, reason: string | null = null): Promise<MailboxView> {
    return removeCotitulaire(this.#core, actor, address, idnat, reason);
  }

  transferOwnership(actor: Principal, address: string, newOwner: string, reason: string | null = null): Promise<MailboxView> {
    return transferOwnership(this.#core, actor, address, newOwner, reason);
  }

  changeAttachment(actor: Principal, address: string, situationId: string | null, reason: string | null = null): Promise<MailboxView> {
    return changeAttachment(this.#core, actor, address, situationId, reason);
  }

  addResponsible(actor: Principal, address: string, idnat: string): Promise<MailboxView> {
    return addResponsible(this.#core, actor, address, idnat);
  }

  removeResponsible(actor: Principal, address: string, idnat: string, reason: string | null = null): Promise<MailboxView> {
    return removeResponsible(this.#core, actor, address, idnat, reason);
  }

  // --- practices' group addresses -----------------------------------------------------------

  createGroup(
    actor: Principal,
    cabAddress: string,
    input: { address: string; description?: string | null; members: string[] },
  ): Promise<GroupView> {
    return createGroup(this.#core, actor, cabAddress, input);
  }

  groups(actor: Principal, cabAddress: string): Promise<GroupView[]> {
    return listGroups(this.#core, actor, cabAddress);
  }

  addGroupMember(actor: Principal, cabAddress: string, groupAddress: string, memberAddress: string): Promise<GroupView> {
    return addGroupMember(this.#core, actor, cabAddress, groupAddress, memberAddress);
  }

  removeGroupMember(actor: Principal, cabAddress: string, groupAddress: string, memberAddress: string): Promise<GroupView> {
    return removeGroupMember(this.#core, actor, cabAddress, groupAddress, memberAddress);
  }

  closeGroup(actor: Principal, cabAddress: string, groupAddress: string, reason: string | null = null): Promise<GroupView> {
    return closeGroup(this.#core, actor, cabAddress, groupAddress, reason);
  }

  // --- delegations ---------------------------------------------------------------------------

  grantDelegation(actor: Principal, address: string, input: { delegateIdnat: string; endAt?: string | null }): Promise<MailboxView> {
    return grantDelegation(this.#core, actor, address, input);
  }

  revokeDelegation(actor: Principal, address: string, delegationId: number, reason: string): Promise<MailboxView> {
    return revokeDelegation(this.#core, actor, address, delegationId, reason);
  }

  /** R-DEL-5: ends the delegations whose end date has passed (run by a scheduler). */
  expireLapsedDelegations(): Promise<number> {
    return expireLapsedDelegations(this.#core);
  }

  /** R-ENR-1 / R-DEL-5: a situation d'exercice ended in RPPS+ ends the delegations it supported. */
  endDelegationsOf(delegateIdnat: string, grantedBy: string | null, reason: string): Promise<number> {
    return endDelegationsOf(this.#core, delegateIdnat, grantedBy, reason);
  }

  // --- structure-local persons ---------------------------------------------------------------

  addLocalPerson(actor: Principal, address: string, input: { localId: string; name: string; role: string }): Promise<LocalPersonView> {
    return addLocalPerson(this.#core, actor, address, input);
  }

  removeLocalPerson(actor: Principal, address: string, localId: string, reason: string | null = null): Promise<LocalPersonView> {
    return removeLocalPerson(this.#core, actor, address, localId, reason);
  }

  localPersons(actor: Principal, address: string, options: { includeRemoved?: boolean } = {}): Promise<LocalPersonView[]> {
    return localPersons(this.#core, actor, address, options);
  }

  localMailboxes(idnat: string): ReturnType<typeof localMailboxes> {
    return localMailboxes(this.#core, idnat);
  }

  // --- CGU -----------------------------------------------------------------------------------

  publishCgu(actor: Principal, input: { version: string; title: string; url?: string }): Promise<CguVersion> {
    return publishCgu(this.#core, actor, input);
  }

  currentCgu(): Promise<CguVersion> {
    return currentCgu(this.#core);
  }

  cguVersion(version: string): Promise<CguVersion & { current: boolean }> {
    return cguVersion(this.#core, version);
  }

  acceptCgu(actor: Principal, version: string): Promise<{ version: string; acceptedAt: string }> {
    return acceptCgu(this.#core, actor, version);
  }
}
