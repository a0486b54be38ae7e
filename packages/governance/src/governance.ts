import {
  canTransition,
  DEFAULT_GOVERNANCE_LIMITS,
  type GovernanceLimits,
  checkIdNatPerson,
  checkIdNatStructure,
  checkMailboxAddressForType,
  isDelegable,
  type MailboxAction,
  type MailboxStatus,
  type MailboxType,
} from '@mss/domain';
import type { AccessControl, Decision, DecisionRequest, Principal } from '@mss/access';
import { MssError, silentLogger, type Logger } from '@mss/runtime';
import {
  belongsToPractice,
  MailboxScope,
  type CguVersion,
  type GroupAddressRow,
  type LocalPersonRow,
  type MailboxRow,
  type Repositories,
  type Store,
} from '@mss/store';
import { GovernanceError } from './errors.ts';
import { toView, type MailboxView } from './views.ts';

export interface GovernanceOptions {
  store: Store;
  access: AccessControl;
  operatorDomains: readonly string[];
  logger?: Logger;
  /** The operator's own settings (cotitulaires per CAB, address release delay); defaults from @mss/domain. */
  limits?: Partial<GovernanceLimits>;
}

export interface CreateMailboxInput {
  type: MailboxType;
  address: string;
  /** PER: the holder; CAB: the owner (defaults to the acting person). */
  holderIdnat?: string;
  /** ORG/APP: the structure (IdNat `1`+FINESS). Refused on a CAB (R-CAB-1). */
  structureIdnat?: string;
  /** ORG/APP: responsible persons. */
  responsibleIdnats?: string[];
  situationId?: string | null;
  listeRouge?: boolean;
  description?: string | null;
  service?: string | null;
  digitization?: boolean;
}

/** A practice's group address as its owner sees it; `receives` says whether a member gets the group's mail now. */
export interface GroupView {
  address: string;
  description: string | null;
  createdAt: string;
  closedAt: string | null;
  members: { address: string; type: MailboxRow['type']; addedAt: string; addedBy: string; receives: boolean }[];
}

export interface PublicationChanges {
  listeRouge?: boolean;
  description?: string | null;
  service?: string | null;
  digitization?: boolean;
}

const actorName = (p: Principal): string =>
  p.kind === 'person' || p.kind === 'local-person' ? p.idnat : p.kind === 'application' ? `certificate:${p.serial}` : 'operator-admin';

function personIdnat(value: string, field: string): string {
  const r = checkIdNatPerson(value, field);
  if (!r.ok) throw new GovernanceError('invalid-identifier', r.error.message, { field, rule: r.error.rule });
  return r.value.idnat;
}

/** What an allowed decision hands governance: the role, and the capability on that one mailbox. */
type Allowed = Extract<Decision, { allowed: true }>;
type Denied = Extract<Decision, { allowed: false }>;
/** Asks the decision point about one mailbox inside the change's transaction; throws the refusal. */
type Check = (address: string, action: MailboxAction) => Promise<Allowed>;

/**
 * Mailbox governance (§3–§5): creation, status, publication settings, CAB cotitulaires and
 * ownership, delegations, CGU. Every operation on a mailbox asks @mss/access first, inside the
 * same transaction as the change, and works only through the capability the decision returns
 * (a `MailboxScope`): a caller with no right learns nothing about the mailbox, not even its type
 * or status (decide, then reveal). Then it validates with @mss/domain, writes the history,
 * queues what the directory must learn, and — once committed — publishes the revocations that
 * end sessions.
 */
export class Governance {
  readonly access: AccessControl;
  private readonly store: Store;
  private readonly domains: readonly string[];
  private readonly logger: Logger;
  readonly limits: GovernanceLimits;

  constructor(options: GovernanceOptions) {
    this.store = options.store;
    this.access = options.access;
    this.domains = options.operatorDomains;
    this.logger = options.logger ?? silentLogger();
    this.limits = { ...DEFAULT_GOVERNANCE_LIMITS, ...options.limits };
  }

  /**
   * Runs one governance change in a transaction, serialisable on PostgreSQL and retried on a
   * serialisation failure, so that two concurrent changes end in one consistent state. Access
   * decisions taken inside are audited afterwards, whether the change committed or not.
   */
  private async change<T>(actor: Principal, fn: (tx: Repositories, check: Check) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const decisions: [DecisionRequest, Decision][] = [];
      try {
        return await this.store.transaction(
          (tx) =>
            fn(tx, async (address, action) => {
              const req: DecisionRequest = { principal: actor, mailbox: address, action, channel: 'admin-api' };
              const d = await this.access.decideWithin(tx, req);
              decisions.push([req, d]);
              if (!d.allowed) throw denial(d, address, action);
              return d;
            }),
          { serializable: true },
        );
      } catch (err) {
        if (isSerializationFailure(err)) {
          if (attempt < 5) {
            decisions.length = 0;
            continue;
          }
          throw new GovernanceError('conflict', 'concurrent changes to the same mailbox kept winning; retry');
        }
        throw err;
      } finally {
        for (const [req, d] of decisions) await this.access.audit(req, d);
      }
    }
  }

  // --- mailboxes ---------------------------------------------------------------------------

  async createMailbox(actor: Principal, input: CreateMailboxInput): Promise<MailboxView> {
    const type = input.type;
    const address = checkMailboxAddressForType(type, input.address, { operatorDomains: this.domains });
    if (!address.ok) {
      throw new GovernanceError(address.error.rule === 'R-CAB-2' ? 'cab-naming' : 'invalid-address', address.error.message, {
        rule: address.error.rule,
      });
    }
    const personal = type === 'PER' || type === 'CAB';
    let futureOwner: string | null = null;
    if (personal) {
      if (input.structureIdnat) {
        throw new GovernanceError(
          type === 'CAB' ? 'cab-with-finess' : 'invalid-input',
          type === 'CAB'
            ? 'a CAB mailbox is for a liberal practice without FINESS (R-CAB-1): a structure with a FINESS holds ORG mailboxes'
            : 'a PER mailbox belongs to a person, not a structure',
          type === 'CAB' ? { field: 'structureIdnat', rule: 'R-CAB-1', suggestedType: 'ORG' } : { field: 'structureIdnat' },
        );
      }
      const requested = input.holderIdnat ?? (actor.kind === 'person' ? actor.idnat : undefined);
      if (!requested) throw new GovernanceError('invalid-input', `holderIdnat is required to create a ${type} mailbox as the operator`);
      futureOwner = personIdnat(requested, 'holderIdnat');
    }
    // The 'create' row of the role table: a person creates their own PER or CAB; the operator
    // creates any type, ORG/APP only by them (R-CAB-1).
    const decision = await this.access.decideCreation({
      principal: actor,
      mailbox: address.value.address,
      type,
      ownerIdnat: futureOwner,
      channel: 'admin-api',
    });
    if (!decision.allowed && decision.reason === 'cgu-not-accepted') {
      throw new GovernanceError(
        'cgu-not-accepted',
        `the owner of a CAB accepts the operator's terms of use before it is created (R-CAB-1): ${futureOwner} must accept them first: ${decision.cguUrl}`,
        { acceptUrl: decision.cguUrl },
      );
    }
    if (!decision.allowed) {
      throw new GovernanceError(
        'forbidden',
        personal
          ? `a ${type} mailbox is created by its future ${type === 'PER' ? 'holder' : 'owner'} or by the operator`
          : `${type} mailboxes are created by the operator's administrators`,
        { reason: decision.reason },
      );
    }
    const result = await this.change(actor, async (tx) => {
      let ownerIdnat: string;
      const holders: { idnat: string; role: 'holder' | 'owner' | 'responsible' }[] = [];
      if (futureOwner) {
        ownerIdnat = futureOwner;
        await this.requireProfessional(tx, ownerIdnat, 'holderIdnat');
        holders.push({ idnat: ownerIdnat, role: type === 'PER' ? 'holder' : 'owner' });
      } else {
        if (!input.structureIdnat) throw new GovernanceError('invalid-input', `structureIdnat is required for a ${type} mailbox`);
        const s = checkIdNatStructure(input.structureIdnat, 'structureIdnat');
        if (!s.ok) throw new GovernanceError('invalid-identifier', s.error.message, { field: 'structureIdnat', rule: s.error.rule });
        if (s.value.type !== 'FINESS')
          throw new GovernanceError(
            'invalid-input',
            `${type} mailboxes belong to a structure with a FINESS (IdNat 1+FINESS), not ${s.value.type}`,
          );
        if (!(await tx.directory.structure(s.value.idnat))) {
          throw new GovernanceError('not-in-directory', `structure ${s.value.idnat} is not in the directory (R-ID-2)`, {
            field: 'structureIdnat',
          });
        }
        ownerIdnat = s.value.idnat;
        const responsibles = [...new Set(input.responsibleIdnats ?? [])];
        if (responsibles.length === 0)
          throw new GovernanceError('invalid-input', `an ${type} mailbox needs at least one responsible person`);
        for (const r of responsibles) {
          const idnat = personIdnat(r, 'responsibleIdnats');
          await this.requirePerson(tx, idnat, 'responsibleIdnats');
          holders.push({ idnat, role: 'responsible' });
        }
      }
      if (input.situationId) await this.requireOwnSituation(tx, type, ownerIdnat, input.situationId);
      if (await tx.groups.byAddress(address.value.address))
        throw new GovernanceError('address-taken', `address ${address.value.address} is a group address at this operator (R-BAL-1)`);
      const row = await createOr409(tx, {
        address: address.value.address,
        type,
        ownerIdnat,
        situationId: input.situationId ?? null,
        listeRouge: input.listeRouge ?? false,
        description: input.description ?? null,
        service: input.service ?? null,
        digitization: input.digitization ?? true,
      });
      // Allowed by the creation decision above: the new mailbox's own scope, and nothing wider.
      const box = new MailboxScope(tx, row);
      for (const h of holders) await box.addHolder(h.idnat, h.role, actorName(actor));
      await box.ensureFolder('INBOX');
      await box.appendHistory({
        actor: actorName(actor),
        event: 'mailbox.created',
        subjectIdnat: ownerIdnat,
        details: { address: row.address, type, holders },
      });
      await box.enqueuePublication('publish', row);
      return this.view(box, row, true);
    });
    this.logger.info({ mailbox: result.address, type, actor: actorName(actor) }, 'mailbox created');
    return result;
  }

  async getMailbox(actor: Principal, address: string): Promise<MailboxView> {
    return this.change(actor, async (tx, check) => {
      // Anyone who may use the mailbox may see it; the operator sees it through read-history.
      const { scope } = await check(address, actor.kind === 'operator-admin' ? 'read-history' : 'read');
      const governs =
        (await this.canQuietly(tx, actor, scope.address, 'manage-delegates')) ||
        (await this.canQuietly(tx, actor, scope.address, 'read-history'));
      return this.view(scope, await scope.row(), governs);
    });
  }

  /** The mailboxes a person holds, co-holds or is delegated, with their role on each. */
  async myMailboxes(idnat: string): Promise<{ address: string; type: string; status: string; role: string; endAt?: string | null }[]> {
    const memberships = await this.store.mailboxes.membershipsOf(idnat);
    return memberships.map((m) => ({
      address: m.mailbox.address,
      type: m.mailbox.type,
      status: m.mailbox.status,
      role: m.role,
      ...(m.delegation ? { endAt: m.delegation.end_at } : {}),
    }));
  }

  async changeStatus(actor: Principal, address: string, status: MailboxStatus, reason: string): Promise<MailboxView> {
    // A closed mailbox is refused by the decision itself (R-BAL-2: closed is final).
    const result = await this.change(actor, async (_tx, check) =>
      this.applyStatus(actor, (await check(address, 'change-status')).scope, status, reason),
    );
    if (status !== 'active') this.access.bus.publish({ kind: 'mailbox-status-changed', mailboxId: result.id, status });
    return result.view;
  }

  /** Deleting a mailbox closes it: its history and audit stay, its address is not reused (R-BAL-2, R-CAB-6). */
  async deleteMailbox(actor: Principal, address: string, reason: string): Promise<MailboxView> {
    const result = await this.change(actor, async (_tx, check) =>
      this.applyStatus(actor, (await check(address, 'delete')).scope, 'closed', reason),
    );
    this.access.bus.publish({ kind: 'mailbox-status-changed', mailboxId: result.id, status: 'closed' });
    return result.view;
  }

  private async applyStatus(
    actor: Principal,
    box: MailboxScope,
    status: MailboxStatus,
    reason: string,
  ): Promise<{ id: number; view: MailboxView }> {
    const row = await box.row();
    if (!canTransition(row.status as MailboxStatus, status)) {
      throw new GovernanceError('invalid-transition', `a mailbox cannot go from ${row.status} to ${status} (R-BAL-2)`);
    }
    const at = this.store.now().toISOString();
    const updated = await box.update({ status, ...(status === 'closed' ? { closed_at: at } : {}) });
    if (status === 'closed') {
      // The delegations end with the mailbox; their end is part of its history.
      for (const d of await box.activeDelegations()) {
        await box.revokeDelegation(d.id, actorName(actor), 'mailbox closed');
        await box.appendHistory({
          actor: actorName(actor),
          event: 'delegation.revoked',
          subjectIdnat: d.delegate_idnat,
          reason: 'mailbox closed',
          details: { delegationId: d.id },
        });
      }
    }
    await box.appendHistory({
      actor: actorName(actor),
      event: `mailbox.${status === 'active' ? 'reactivated' : status}`,
      reason,
      details: { from: row.status, to: status },
    });
    await box.enqueuePublication(status === 'active' ? 'publish' : 'withdraw', updated);
    return { id: box.mailboxId, view: await this.view(box, updated, true) };
  }

  async updatePublication(actor: Principal, address: string, changes: PublicationChanges): Promise<MailboxView> {
    return this.change(actor, async (_tx, check) => {
      const { scope: box } = await check(address, 'edit-publication');
      const set: Partial<MailboxRow> = {};
      if (changes.listeRouge !== undefined) set.liste_rouge = changes.listeRouge ? 1 : 0;
      if (changes.description !== undefined) set.description = changes.description;
      if (changes.service !== undefined) set.service = changes.service;
      if (changes.digitization !== undefined) set.digitization = changes.digitization ? 1 : 0;
      if (Object.keys(set).length === 0)
        throw new GovernanceError('invalid-input', 'nothing to change: give listeRouge, description, service or digitization');
      const updated = await box.update(set);
      const event = changes.listeRouge === undefined ? 'publication.updated' : changes.listeRouge ? 'liste-rouge.on' : 'liste-rouge.off';
      await box.appendHistory({ actor: actorName(actor), event, details: { ...changes } });
      await box.enqueuePublication('publish', updated);
      return this.view(box, updated, true);
    });
  }

  // --- CAB: cotitulaires and ownership ------------------------------------------------------

  async addCotitulaire(actor: Principal, address: string, idnat: string): Promise<MailboxView> {
    const who = personIdnat(idnat, 'idnat');
    return this.change(actor, async (tx, check) => {
      // Only a CAB owner may (R-CAB-3); whoever else has a role there is told "not a CAB" when it is not one.
      const { scope: box } = await check(address, 'manage-cotitulaires');
      // R-CAB-3: a PS registered in RPPS/RPPS+; need not be a customer of the operator.
      await this.requireProfessional(tx, who, 'idnat');
      await this.requireActive(tx, who, 'idnat', 'R-CAB-3');
      const holders = await box.holders();
      const already = holders.find((h) => h.person_idnat === who);
      if (already) throw new GovernanceError('already-has-access', `${who} is already ${already.role} of ${box.address}`);
      // The operator's limit (the workshops leave it to each offer); read in the transaction, so two
      // owners' tabs adding the last places at once cannot both pass.
      const max = this.limits.maxCotitulaires;
      if (holders.filter((h) => h.role === 'cotitulaire').length >= max)
        throw new GovernanceError(
          'cotitulaire-limit',
          `${box.address} already has ${max} cotitulaires, this operator's limit per CAB: remove one first`,
          { limit: max },
        );
      await box.addHolder(who, 'cotitulaire', actorName(actor));
      await box.appendHistory({ actor: actorName(actor), event: 'cotitulaire.added', subjectIdnat: who });
      return this.view(box, await box.row(), true);
    });
  }

  async removeCotitulaire(actor: Principal, address: string, idnat: string, reason: string | null = null): Promise<MailboxView> {
    const who = personIdnat(idnat, 'idnat');
    const result = await this.change(actor, async (_tx, check) => {
      const { scope: box } = await check(address, 'manage-cotitulaires');
      if (!(await box.removeHolder(who, 'cotitulaire')))
        throw new GovernanceError('cotitulaire-not-found', `${who} is not a cotitulaire of ${box.address}`);
      await box.appendHistory({ actor: actorName(actor), event: 'cotitulaire.removed', subjectIdnat: who, reason });
      return { id: box.mailboxId, view: await this.view(box, await box.row(), true) };
    });
    this.access.bus.publish({ kind: 'holder-removed', mailboxId: result.id, idnat: who, role: 'cotitulaire' });
    return result.view;
  }

  /**
   * R-CAB-6: the owner hands the CAB to another PS without recreating it; the directory
   * attachment follows. The former owner keeps no role (the new owner may add them back as a
   * cotitulaire). ORG/APP: the operator moves the mailbox to another structure.
   */
  async transferOwnership(actor: Principal, address: string, newOwner: string, reason: string | null = null): Promise<MailboxView> {
    const result = await this.change(actor, async (tx, check) => {
      const { scope: box } = await check(address, 'transfer-ownership');
      const row = await box.row();
      let to: string;
      if (row.type === 'CAB') {
        to = personIdnat(newOwner, 'newOwnerIdnat');
        await this.requireProfessional(tx, to, 'newOwnerIdnat');
        if (to === row.owner_idnat) throw new GovernanceError('invalid-input', `${to} already owns ${row.address}`);
        await box.removeHolder(row.owner_idnat, 'owner');
        await box.removeHolder(to, 'cotitulaire');
        await box.addHolder(to, 'owner', actorName(actor));
      } else {
        const s = checkIdNatStructure(newOwner, 'newOwnerIdnat');
        if (!s.ok) throw new GovernanceError('invalid-identifier', s.error.message, { field: 'newOwnerIdnat' });
        if (!(await tx.directory.structure(s.value.idnat)))
          throw new GovernanceError('not-in-directory', `structure ${s.value.idnat} is not in the directory (R-ID-2)`);
        to = s.value.idnat;
      }
      const updated = await box.update({ owner_idnat: to, situation_id: null });
      await box.appendHistory({
        actor: actorName(actor),
        event: 'ownership.transferred',
        subjectIdnat: to,
        reason,
        details: { from: row.owner_idnat, to },
      });
      await box.enqueuePublication('publish', updated);
      return { id: box.mailboxId, from: row.owner_idnat, to, view: await this.view(box, updated, true) };
    });
    this.access.bus.publish({ kind: 'ownership-transferred', mailboxId: result.id, from: result.from, to: result.to });
    return result.view;
  }

  /**
   * Moves a PER or CAB to another of its holder's own situations d'exercice in the directory, or
   * to none (then shown on every situation, R-ANN-1), at the holder's or owner's initiative
   * (atelier #2: "le rattachement … peut être modifié à l'initiative du propriétaire"). A CAB
   * never goes on a situation at a FINESS structure (R-CAB-1). The directory learns it through
   * the outbox; the history keeps where it was.
   */
  async changeAttachment(
    actor: Principal,
    address: string,
    situationId: string | null,
    reason: string | null = null,
  ): Promise<MailboxView> {
    return this.change(actor, async (tx, check) => {
      const { scope: box } = await check(address, 'change-attachment');
      const row = await box.row();
      if (situationId !== null) await this.requireOwnSituation(tx, row.type, row.owner_idnat, situationId);
      if (row.situation_id === situationId)
        throw new GovernanceError(
          'invalid-input',
          situationId === null
            ? `${row.address} is already attached to no particular situation`
            : `${row.address} is already attached to situation ${situationId}`,
          { field: 'situationId' },
        );
      const updated = await box.update({ situation_id: situationId });
      await box.appendHistory({
        actor: actorName(actor),
        event: 'attachment.changed',
        subjectIdnat: row.owner_idnat,
        reason,
        details: { from: row.situation_id, to: situationId },
      });
      await box.enqueuePublication('publish', updated);
      return this.view(box, updated, true);
    });
  }

  // --- ORG/APP: responsible persons ----------------------------------------------------------

  /**
   * A co-responsible joins an ORG/APP (§3: one or more responsible persons), named by a
   * responsible person (atelier #1: every co-responsible manages the list) or the operator.
   */
  async addResponsible(actor: Principal, address: string, idnat: string): Promise<MailboxView> {
    const who = personIdnat(idnat, 'idnat');
    return this.change(actor, async (tx, check) => {
      const { scope: box } = await check(address, 'manage-responsibles');
      await this.requirePerson(tx, who, 'idnat');
      if ((await box.holders()).some((h) => h.person_idnat === who && h.role === 'responsible'))
        throw new GovernanceError('already-has-access', `${who} is already a responsible person of ${box.address}`);
      await box.addHolder(who, 'responsible', actorName(actor));
      await box.appendHistory({ actor: actorName(actor), event: 'responsible.added', subjectIdnat: who });
      return this.view(box, await box.row(), true);
    });
  }

  /** A responsible person leaves; the last one stays (an ORG/APP always has someone who answers for it). Their sessions end. */
  async removeResponsible(actor: Principal, address: string, idnat: string, reason: string | null = null): Promise<MailboxView> {
    const who = personIdnat(idnat, 'idnat');
    const result = await this.change(actor, async (_tx, check) => {
      const { scope: box } = await check(address, 'manage-responsibles');
      // Read in the change's transaction: two removals at once cannot leave the mailbox with nobody.
      const responsibles = (await box.holders()).filter((h) => h.role === 'responsible');
      if (!responsibles.some((h) => h.person_idnat === who))
        throw new GovernanceError('responsible-not-found', `${who} is not a responsible person of ${box.address}`);
      if (responsibles.length === 1)
        throw new GovernanceError(
          'last-responsible',
          `${who} is the last responsible person of ${box.address}: name another one first (an ${box.type} mailbox always has one)`,
        );
      await box.removeHolder(who, 'responsible');
      await box.appendHistory({ actor: actorName(actor), event: 'responsible.removed', subjectIdnat: who, reason });
      return { id: box.mailboxId, view: await this.view(box, await box.row(), true) };
    });
    this.access.bus.publish({ kind: 'holder-removed', mailboxId: result.id, idnat: who, role: 'responsible' });
    return result.view;
  }

  // --- practices' group addresses (issue #20 rule 7) -----------------------------------------

  /**
   * A list address kept by a CAB's owner that fans out to named mailboxes of the practice (the
   * CAB itself, or the PER of its owner or of a cotitulaire). Anyone in the trust space may write
   * to it; nobody opens it or sends as it (replies come from each member's own mailbox). Its
   * history is the CAB's; it is not published in the directory (docs/choices.md).
   */
  async createGroup(
    actor: Principal,
    cabAddress: string,
    input: { address: string; description?: string | null; members: string[] },
  ): Promise<GroupView> {
    // Any address of ours that is not a CAB's: `cabinet.` names the practice's own mailbox (R-CAB-2).
    const address = checkMailboxAddressForType('PER', input.address, { operatorDomains: this.domains, field: 'group address' });
    if (!address.ok) throw new GovernanceError('invalid-address', address.error.message, { field: 'address', rule: address.error.rule });
    if (input.members.length === 0)
      throw new GovernanceError('invalid-input', 'a group address needs at least one member', { field: 'members' });
    return this.change(actor, async (tx, check) => {
      const { scope: cab } = await check(cabAddress, 'manage-groups');
      // R-BAL-1: one address names one thing at this operator, mailbox or group.
      if ((await tx.mailboxes.byAddress(address.value.address)) || (await tx.groups.byAddress(address.value.address)))
        throw new GovernanceError('address-taken', `address ${address.value.address} is already in use at this operator (R-BAL-1)`);
      const members = [];
      for (const m of new Set(input.members.map((a) => a.trim().toLowerCase()))) members.push(await this.practiceMailbox(tx, cab, m));
      const group = await cab.createGroup({
        address: address.value.address,
        description: input.description ?? null,
        createdBy: actorName(actor),
      });
      for (const m of members) await cab.addGroupMember(group.id, m.id, actorName(actor));
      await cab.appendHistory({
        actor: actorName(actor),
        event: 'group.created',
        details: { group: group.address, members: members.map((m) => m.address) },
      });
      return this.groupView(cab, group);
    });
  }

  async groups(actor: Principal, cabAddress: string): Promise<GroupView[]> {
    return this.change(actor, async (_tx, check) => {
      const { scope: cab } = await check(cabAddress, 'manage-groups');
      const out: GroupView[] = [];
      for (const g of await cab.groups()) out.push(await this.groupView(cab, g));
      return out;
    });
  }

  async addGroupMember(actor: Principal, cabAddress: string, groupAddress: string, memberAddress: string): Promise<GroupView> {
    return this.change(actor, async (tx, check) => {
      const { scope: cab } = await check(cabAddress, 'manage-groups');
      const group = await this.openGroup(cab, groupAddress);
      const member = await this.practiceMailbox(tx, cab, memberAddress);
      if (!(await cab.addGroupMember(group.id, member.id, actorName(actor))))
        throw new GovernanceError('invalid-input', `${member.address} is already a member of ${group.address}`);
      await cab.appendHistory({
        actor: actorName(actor),
        event: 'group.member-added',
        details: { group: group.address, member: member.address },
      });
      return this.groupView(cab, group);
    });
  }

  async removeGroupMember(actor: Principal, cabAddress: string, groupAddress: string, memberAddress: string): Promise<GroupView> {
    return this.change(actor, async (tx, check) => {
      const { scope: cab } = await check(cabAddress, 'manage-groups');
      const group = await this.openGroup(cab, groupAddress);
      const member = await tx.mailboxes.byAddress(memberAddress);
      const members = await cab.groupMembers(group.id);
      if (!member || !members.some((m) => m.mailbox.id === member.id))
        throw new GovernanceError('invalid-input', `${memberAddress} is not a member of ${group.address}`, { field: 'member' });
      if (members.length === 1)
        throw new GovernanceError('invalid-input', `${member.address} is the last member of ${group.address}: close the group instead`);
      await cab.removeGroupMember(group.id, member.id);
      await cab.appendHistory({
        actor: actorName(actor),
        event: 'group.member-removed',
        details: { group: group.address, member: member.address },
      });
      return this.groupView(cab, group);
    });
  }

  /** Closes a group: mail to it is refused as to an unknown address; the address is never given again. */
  async closeGroup(actor: Principal, cabAddress: string, groupAddress: string, reason: string | null = null): Promise<GroupView> {
    return this.change(actor, async (_tx, check) => {
      const { scope: cab } = await check(cabAddress, 'manage-groups');
      const group = await this.openGroup(cab, groupAddress);
      await cab.closeGroup(group.id);
      await cab.appendHistory({ actor: actorName(actor), event: 'group.closed', reason, details: { group: group.address } });
      return this.groupView(cab, (await cab.group(group.address))!);
    });
  }

  private async openGroup(cab: MailboxScope, groupAddress: string) {
    const group = await cab.group(groupAddress);
    if (!group || group.closed_at) throw new GovernanceError('group-not-found', `no open group ${groupAddress} on ${cab.address}`);
    return group;
  }

  /** A member must be an active mailbox of the practice: the CAB itself, or the PER of its owner or of a cotitulaire. */
  private async practiceMailbox(tx: Repositories, cab: MailboxScope, address: string): Promise<MailboxRow> {
    const m = await tx.mailboxes.byAddress(address);
    if (m?.status !== 'active' || !belongsToPractice(m, cab.mailboxId, await cab.practice()))
      throw new GovernanceError(
        'not-of-the-practice',
        `${address} is not an active mailbox of the practice of ${cab.address}: members are the CAB itself or the PER mailboxes of its owner and cotitulaires`,
        { field: 'members' },
      );
    return m;
  }

  private async groupView(cab: MailboxScope, g: GroupAddressRow): Promise<GroupView> {
    const people = await cab.practice();
    const cabRow = await cab.row();
    return {
      address: g.address,
      description: g.description,
      createdAt: g.created_at,
      closedAt: g.closed_at,
      members: (await cab.groupMembers(g.id)).map((m) => ({
        address: m.mailbox.address,
        type: m.mailbox.type,
        addedAt: m.addedAt,
        addedBy: m.addedBy,
        receives:
          !g.closed_at &&
          cabRow.status === 'active' &&
          m.mailbox.status === 'active' &&
          belongsToPractice(m.mailbox, cab.mailboxId, people),
      })),
    };
  }

  // --- R-BAL-2: address release --------------------------------------------------------------

  /**
   * Frees a closed mailbox's address so that another mailbox may take it (R-BAL-2: "only after an
   * explicit, audited release"): the operator's administrators, once the operator's waiting period
   * since the closure is over (MSS_ADDRESS_RELEASE_DELAY). The closed mailbox keeps its history
   * and audit trail; its address no longer names it.
   */
  async releaseAddress(actor: Principal, address: string, reason: string): Promise<MailboxView> {
    return this.change(actor, async (_tx, check) => {
      const { scope: box } = await check(address, 'release-address');
      const row = await box.row();
      if (row.status !== 'closed')
        throw new GovernanceError(
          'invalid-transition',
          `${row.address} is ${row.status}: only a closed mailbox's address can be released (R-BAL-2)`,
        );
      const closedAt = row.closed_at ?? row.updated_at;
      const releasableAt = new Date(Date.parse(closedAt) + this.limits.addressReleaseDelayMs);
      if (this.store.now().getTime() < releasableAt.getTime())
        throw new GovernanceError(
          'release-too-early',
          `${row.address} was closed at ${closedAt}; this operator releases an address ${formatDelay(this.limits.addressReleaseDelayMs)} after its closure, from ${releasableAt.toISOString()}`,
          { releasableAt: releasableAt.toISOString() },
        );
      await box.appendHistory({
        actor: actorName(actor),
        event: 'address.released',
        reason,
        details: { address: row.address, closedAt, delayMs: this.limits.addressReleaseDelayMs },
      });
      if (!(await box.release())) throw new GovernanceError('conflict', `${row.address} was released by a concurrent change`);
      return this.view(box, await box.row(), true);
    });
  }

  // --- delegations ---------------------------------------------------------------------------

  async grantDelegation(actor: Principal, address: string, input: { delegateIdnat: string; endAt?: string | null }): Promise<MailboxView> {
    const who = personIdnat(input.delegateIdnat, 'delegateIdnat');
    const now = this.store.now();
    let endAt: string | null = null;
    if (input.endAt) {
      const end = parseEndDate(input.endAt);
      if (end.getTime() <= now.getTime()) throw new GovernanceError('end-date-in-past', `endAt ${input.endAt} is not in the future`);
      endAt = end.toISOString();
    }
    return this.change(actor, async (tx, check) => {
      // No role may manage the delegates of an APP (R-DEL-1): those with a role there are told "not delegable".
      const { scope: box } = await check(address, 'manage-delegates');
      const person = await tx.directory.person(who);
      // R-DEL-1: another PS, a secretary or a medical assistant, with an IdNat.
      if (!person || person.kind === 'PATIENT')
        throw new GovernanceError(
          'not-in-directory',
          `${who} is not a professional, secretary or medical assistant in the directory (R-DEL-1)`,
          { field: 'delegateIdnat' },
        );
      await this.requireActive(tx, who, 'delegateIdnat', 'R-DEL-1');
      if ((await box.holders()).some((h) => h.person_idnat === who))
        throw new GovernanceError('already-has-access', `${who} already holds ${box.address}`);
      if ((await box.activeDelegations()).some((d) => d.delegate_idnat === who))
        throw new GovernanceError('already-has-access', `${who} already has a delegation on ${box.address}; revoke it to change it`);
      const d = await box.grantDelegation({ delegateIdnat: who, grantedBy: actorName(actor), startAt: now.toISOString(), endAt });
      await box.appendHistory({
        actor: actorName(actor),
        event: 'delegation.granted',
        subjectIdnat: who,
        details: { delegationId: d.id, endAt },
      });
      return this.view(box, await box.row(), true);
    });
  }

  async revokeDelegation(actor: Principal, address: string, delegationId: number, reason: string): Promise<MailboxView> {
    const result = await this.change(actor, async (_tx, check) => {
      const { scope: box } = await check(address, 'manage-delegates');
      // Another mailbox's delegation is not found through this mailbox's scope.
      const d = await box.delegation(delegationId);
      if (!d || d.revoked_at) throw new GovernanceError('delegation-not-found', `no delegation ${delegationId} in force on ${box.address}`);
      await box.revokeDelegation(d.id, actorName(actor), reason);
      await box.appendHistory({
        actor: actorName(actor),
        event: 'delegation.revoked',
        subjectIdnat: d.delegate_idnat,
        reason,
        details: { delegationId: d.id },
      });
      return { id: box.mailboxId, idnat: d.delegate_idnat, view: await this.view(box, await box.row(), true) };
    });
    this.access.bus.publish({ kind: 'delegation-ended', mailboxId: result.id, idnat: result.idnat, reason });
    return result.view;
  }

  /**
   * Ends every delegation whose end date has passed (R-DEL-5), with its history, and tells open
   * sessions. Run by a scheduler, so that an end date cuts sessions even if nobody asks.
   */
  async expireLapsedDelegations(): Promise<number> {
    const ended = await this.store.transaction(async (tx) => {
      const lapsed = await tx.mailboxes.lapsedDelegations();
      for (const d of lapsed) {
        await tx.mailboxes.revokeDelegation(d.id, 'system', 'end date reached');
        await tx.history.append({
          mailboxId: d.mailbox_id,
          actor: 'system',
          event: 'delegation.expired',
          subjectIdnat: d.delegate_idnat,
          reason: 'end date reached',
          details: { delegationId: d.id, endAt: d.end_at },
        });
      }
      return lapsed;
    });
    for (const d of ended)
      this.access.bus.publish({ kind: 'delegation-ended', mailboxId: d.mailbox_id, idnat: d.delegate_idnat, reason: 'end date reached' });
    return ended.length;
  }

  /** R-ENR-1 / R-DEL-5: a situation d'exercice ended in RPPS+ ends the delegations it supported. */
  async endDelegationsOf(delegateIdnat: string, grantedBy: string | null, reason: string): Promise<number> {
    const ended = await this.store.transaction(async (tx) => {
      const out: { id: number; mailbox_id: number }[] = [];
      for (const m of await tx.mailboxes.membershipsOf(delegateIdnat)) {
        if (m.role !== 'delegate' || !m.delegation) continue;
        const holders = await tx.mailboxes.holders(m.mailbox.id);
        if (grantedBy && !holders.some((h) => h.person_idnat === grantedBy) && m.delegation.granted_by !== grantedBy) continue;
        await tx.mailboxes.revokeDelegation(m.delegation.id, 'system', reason);
        await tx.history.append({
          mailboxId: m.mailbox.id,
          actor: 'system',
          event: 'delegation.revoked',
          subjectIdnat: delegateIdnat,
          reason,
          details: { delegationId: m.delegation.id },
        });
        out.push({ id: m.delegation.id, mailbox_id: m.mailbox.id });
      }
      return out;
    });
    for (const d of ended) this.access.bus.publish({ kind: 'delegation-ended', mailboxId: d.mailbox_id, idnat: delegateIdnat, reason });
    return ended.length;
  }

  // --- structure-local persons (issue #20 rule 6) --------------------------------------------

  /**
   * An ORG's responsible person declares a member of the structure's own staff on the mailbox: in
   * a FINESS structure RPPS+ registration is not mandatory, the structure authenticates its staff
   * through its own identity provider. `localId` is the identifier that provider gives the person
   * (its token's subject), or the whole IdNat `3` + FINESS + `/` + it; the FINESS is the mailbox's.
   */
  async addLocalPerson(
    actor: Principal,
    address: string,
    input: { localId: string; name: string; role: string },
  ): Promise<LocalPersonView> {
    const name = boundedText(input.name, 'name', 200);
    const role = boundedText(input.role, 'role', 100);
    return this.change(actor, async (_tx, check) => {
      const { scope: box } = await check(address, 'manage-local-persons');
      const row = await box.row();
      const idnat = localIdnat(input.localId, row.owner_idnat);
      if (await box.localPerson(idnat)) throw new GovernanceError('already-has-access', `${idnat} is already declared on ${box.address}`);
      const added = await box.addLocalPerson({ idnat, name, roleLabel: role, addedBy: actorName(actor) });
      await box.appendHistory({ actor: actorName(actor), event: 'local-person.added', subjectIdnat: idnat, details: { name, role } });
      return localPersonView(added);
    });
  }

  /** Ends a declaration; the person's open sessions on the mailbox end at once (R-AUTH-4). */
  async removeLocalPerson(actor: Principal, address: string, localId: string, reason: string | null = null): Promise<LocalPersonView> {
    const result = await this.change(actor, async (_tx, check) => {
      const { scope: box } = await check(address, 'manage-local-persons');
      const idnat = localIdnat(localId, (await box.row()).owner_idnat);
      const removed = await box.removeLocalPerson(idnat, actorName(actor), reason);
      if (!removed) throw new GovernanceError('local-person-not-found', `${idnat} is not declared on ${box.address}`);
      await box.appendHistory({ actor: actorName(actor), event: 'local-person.removed', subjectIdnat: idnat, reason });
      return { id: box.mailboxId, view: localPersonView(removed) };
    });
    this.access.bus.publish({ kind: 'local-person-removed', mailboxId: result.id, idnat: result.view.idnat });
    return result.view;
  }

  /** The declarations of a mailbox (with the removed ones when asked): for those who govern it. */
  async localPersons(actor: Principal, address: string, options: { includeRemoved?: boolean } = {}): Promise<LocalPersonView[]> {
    return this.change(actor, async (_tx, check) => {
      const { scope } = await check(address, 'read-history');
      return (await scope.localPersons(options)).map(localPersonView);
    });
  }

  /** The ORG mailboxes a structure's staff member is declared on (their `GET /me/mailboxes`). */
  async localMailboxes(idnat: string): Promise<{ address: string; type: string; status: string; role: string }[]> {
    const out: { address: string; type: string; status: string; role: string }[] = [];
    for (const d of await this.store.localPersons.inForceOf(idnat)) {
      const m = await this.store.mailboxes.byId(d.mailbox_id);
      // A declaration on an ORG since moved to another structure opens nothing: not listed.
      if (m && m.owner_idnat === `1${idnat.slice(1, idnat.indexOf('/'))}`)
        out.push({ address: m.address, type: m.type, status: m.status, role: 'local-person' });
    }
    return out;
  }

  // --- CGU -----------------------------------------------------------------------------------

  async publishCgu(actor: Principal, input: { version: string; title: string; url?: string }): Promise<CguVersion> {
    const decision = await this.access.decideOperator({ principal: actor, action: 'publish-cgu', channel: 'admin-api' });
    if (!decision.allowed)
      throw new GovernanceError('forbidden', 'CGU versions are published by the operator’s administrators', { reason: decision.reason });
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/.test(input.version))
      throw new GovernanceError('invalid-input', 'version: 1-40 characters among letters, digits, dot, dash, underscore');
    const published = await this.store.transaction(async (tx) => {
      if (await tx.cgu.get(input.version)) throw new GovernanceError('cgu-exists', `CGU version ${input.version} already exists`);
      const row = await tx.cgu.publish({
        version: input.version,
        title: input.title,
        url: input.url ?? `/cgu/${encodeURIComponent(input.version)}`,
      });
      await tx.history.append({ mailboxId: null, actor: actorName(actor), event: 'cgu.published', details: { version: input.version } });
      return row;
    });
    // Everyone must accept the new version before their next access (R-CAB-4).
    this.access.bus.publish({ kind: 'cgu-published', version: published.version });
    return published;
  }

  /** The CGU version in force (R-CAB-4). */
  async currentCgu(): Promise<CguVersion> {
    const current = await this.store.cgu.current();
    if (!current) throw new GovernanceError('no-cgu', 'the operator has published no CGU');
    return current;
  }

  /** One published CGU version, and whether it is the one in force. */
  async cguVersion(version: string): Promise<CguVersion & { current: boolean }> {
    const v = await this.store.cgu.get(version);
    if (!v) throw new GovernanceError('no-cgu', `no CGU version ${version}`);
    return { ...v, current: (await this.store.cgu.current())?.version === v.version };
  }

  /** A person accepts the CGU in force, with their own token; acceptance is per version and kept once. */
  async acceptCgu(actor: Principal, version: string): Promise<{ version: string; acceptedAt: string }> {
    if (actor.kind !== 'person' && actor.kind !== 'local-person')
      throw new GovernanceError('invalid-input', 'CGU are accepted by persons, with their own token');
    const idnat = actor.idnat;
    return this.store.transaction(async (tx) => {
      const current = await tx.cgu.current();
      if (!current) throw new GovernanceError('no-cgu', 'the operator has published no CGU');
      if (current.version !== version)
        throw new GovernanceError('cgu-not-current', `version ${version} is not the current CGU (${current.version})`, {
          current: current.version,
        });
      // A structure's staff member is in no national directory: what the operator knows of them is
      // a declaration on one of their structure's ORG mailboxes (issue #20 rule 6).
      const known =
        actor.kind === 'local-person' ? (await tx.localPersons.inForceOf(idnat)).length > 0 : !!(await tx.directory.person(idnat));
      if (!known)
        throw new GovernanceError(
          'not-in-directory',
          actor.kind === 'local-person' ? `${idnat} is declared on no mailbox of this operator` : `${idnat} is not in the directory`,
        );
      const already = await tx.cgu.acceptance(idnat, version);
      if (already) return { version, acceptedAt: already.accepted_at };
      const at = this.store.now().toISOString();
      await tx.cgu.accept(idnat, version, at);
      await tx.history.append({ mailboxId: null, actor: idnat, event: 'cgu.accepted', details: { version } });
      return { version, acceptedAt: at };
    });
  }

  // --- history -------------------------------------------------------------------------------

  async history(actor: Principal, address: string, page: { afterId?: number; limit?: number }) {
    return this.change(actor, async (_tx, check) => {
      const { scope } = await check(address, 'read-history');
      return scope.history({ afterId: page.afterId, limit: page.limit ?? 50 });
    });
  }

  // --- helpers -------------------------------------------------------------------------------

  /**
   * A situation d'exercice a mailbox may be attached to: one of its owner's own (R-ANN-1). A CAB
   * is for a liberal practice without FINESS (R-CAB-1): a situation at a structure with a FINESS
   * (a salaried hospital doctor's) is refused with the type that fits there, ORG.
   */
  private async requireOwnSituation(tx: Repositories, type: MailboxType, ownerIdnat: string, situationId: string) {
    const sit = await tx.directory.situation(situationId);
    if (!sit || sit.person_idnat !== ownerIdnat)
      throw new GovernanceError('invalid-input', `situation ${situationId} is not one of ${ownerIdnat}'s situations d'exercice`, {
        field: 'situationId',
      });
    if (sit.end_date && sit.end_date < this.store.now().toISOString().slice(0, 10))
      throw new GovernanceError('invalid-input', `situation ${situationId} ended on ${sit.end_date}`, { field: 'situationId' });
    if (type === 'CAB' && sit.structure_idnat) {
      const structure = await tx.directory.structure(sit.structure_idnat);
      if (structure?.id_type === 'FINESS')
        throw new GovernanceError(
          'cab-with-finess',
          `situation ${situationId} is at ${structure.name} (FINESS ${structure.finess}): a CAB is for a liberal practice without FINESS (R-CAB-1); ` +
            'a structure with a FINESS holds ORG mailboxes, created by the operator for that structure',
          { field: 'situationId', rule: 'R-CAB-1', suggestedType: 'ORG' },
        );
    }
    return sit;
  }

  private async requirePerson(tx: Repositories, idnat: string, field: string) {
    const p = await tx.directory.person(idnat);
    if (!p || p.kind === 'PATIENT') throw new GovernanceError('not-in-directory', `${idnat} is not in the directory (R-ID-2)`, { field });
    return p;
  }

  /**
   * A person every one of whose situations d'exercice has ended is no longer active in the
   * directory (R-ENR-1): no new delegation or cotitularity. Checked against the operator's copy,
   * which follows the Annuaire's change feed; a person with no situation recorded is not refused.
   */
  private async requireActive(tx: Repositories, idnat: string, field: string, rule: string): Promise<void> {
    const today = this.store.now().toISOString().slice(0, 10);
    const situations = await tx.directory.situationsOf(idnat);
    if (situations.length === 0 || situations.some((s) => s.end_date === null || s.end_date > today)) return;
    const last = situations
      .map((s) => s.end_date as string)
      .sort()
      .at(-1);
    throw new GovernanceError(
      'person-inactive',
      `${idnat} is no longer active in the directory: every situation d'exercice has ended (the last on ${last}; R-ENR-1), so ${rule} refuses it`,
      { field, rule },
    );
  }

  private async requireProfessional(tx: Repositories, idnat: string, field: string): Promise<void> {
    const p = await this.requirePerson(tx, idnat, field);
    if (p.kind !== 'PS')
      throw new GovernanceError(
        'not-a-professional',
        `${idnat} is registered as ${p.kind.toLowerCase().replace('_', ' ')}, not as a health professional`,
        { field },
      );
  }

  /** Whether the actor may also govern the mailbox (what the view shows them); not audited: nothing is done with it. */
  private async canQuietly(tx: Repositories, actor: Principal, address: string, action: MailboxAction): Promise<boolean> {
    return (await this.access.decideWithin(tx, { principal: actor, mailbox: address, action, channel: 'admin-api' })).allowed;
  }

  private async view(box: MailboxScope, row: MailboxRow, withDelegations: boolean): Promise<MailboxView> {
    return toView(row, await box.holders(), withDelegations ? await box.activeDelegations() : undefined);
  }
}

async function createOr409(tx: Repositories, m: Parameters<Repositories['mailboxes']['create']>[0]): Promise<MailboxRow> {
  try {
    return await tx.mailboxes.create(m);
  } catch (err) {
    if (err instanceof MssError && err.code === 'MAILBOX_ADDRESS_TAKEN') throw new GovernanceError('address-taken', err.message);
    throw err;
  }
}

export interface LocalPersonView {
  idnat: string;
  localId: string;
  name: string;
  role: string;
  addedAt: string;
  addedBy: string;
  removedAt: string | null;
  removedBy: string | null;
  removeReason: string | null;
}

function localPersonView(r: LocalPersonRow): LocalPersonView {
  return {
    idnat: r.idnat,
    localId: r.idnat.slice(r.idnat.indexOf('/') + 1),
    name: r.name,
    role: r.role_label,
    addedAt: r.added_at,
    addedBy: r.added_by,
    removedAt: r.removed_at,
    removedBy: r.removed_by,
    removeReason: r.remove_reason,
  };
}

/**
 * The IdNat of a structure's staff member on a mailbox of the structure `structureIdnat`
 * (`1` + FINESS): `3` + that FINESS + `/` + the local id. A whole IdNat is accepted only with the
 * mailbox's own FINESS: a structure declares its own staff, never another's.
 */
function localIdnat(value: string, structureIdnat: string): string {
  const finess = structureIdnat.slice(1);
  const whole = typeof value === 'string' && value.startsWith('3') && value.includes('/') ? value : `3${finess}/${value}`;
  const r = checkIdNatPerson(whole, 'localId');
  if (!r.ok) throw new GovernanceError('invalid-identifier', r.error.message, { field: 'localId', rule: r.error.rule });
  if (r.value.type !== 'FINESS_STAFF' || r.value.id !== finess)
    throw new GovernanceError('invalid-identifier', `${r.value.idnat} is not staff of the mailbox's structure (FINESS ${finess})`, {
      field: 'localId',
    });
  return r.value.idnat;
}

function boundedText(value: string, field: string, max: number): string {
  const v = typeof value === 'string' ? value.trim() : '';
  if (v.length === 0 || v.length > max || /[\u0000-\u001f\u007f]/.test(v))
    throw new GovernanceError('invalid-input', `${field}: 1 to ${max} characters, no control characters`, { field });
  return v;
}

/** `365 days`, `2 hours`: the waiting period as a person reads it. */
function formatDelay(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} days`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} hours`;
  return `${Math.ceil(ms / 1000)} seconds`;
}

function parseEndDate(value: string): Date {
  // A bare date means the end of that day (the delegation runs through it).
  const s = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T23:59:59.999Z` : value;
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) throw new GovernanceError('invalid-input', `endAt "${value}" is not a date (YYYY-MM-DD or ISO 8601)`);
  return d;
}

/**
 * A refusal in the domain's words. Whoever holds no role on the mailbox gets exactly what an
 * unknown address gets (decide, then reveal); only those with a role learn its status, or that
 * its type rules the action out (not a CAB, not delegable), since they can see the mailbox.
 */
function denial(d: Denied, address: string, action: MailboxAction): GovernanceError {
  switch (d.reason) {
    case 'unknown-mailbox':
    case 'no-right':
    case 'invalid-token':
      return new GovernanceError('mailbox-not-found', `no mailbox ${address} at this operator`);
    case 'mailbox-closed':
      return new GovernanceError('mailbox-closed', `mailbox ${address} is closed (R-BAL-2: closed is final)`);
    case 'mailbox-suspended':
      return new GovernanceError('mailbox-suspended', `mailbox ${address} is suspended`);
    case 'cgu-not-accepted':
      return new GovernanceError('cgu-not-accepted', `accept the operator's terms of use first: ${d.cguUrl}`, { acceptUrl: d.cguUrl });
    case 'action-not-allowed':
      if (action === 'manage-cotitulaires' && d.mailboxType && d.mailboxType !== 'CAB') {
        return new GovernanceError(
          'not-a-cab',
          `${address} is a ${d.mailboxType} mailbox: cotitulaires exist only on CAB mailboxes (R-CAB-3)`,
        );
      }
      if (action === 'manage-local-persons' && d.mailboxType && d.mailboxType !== 'ORG') {
        return new GovernanceError(
          'not-an-org',
          `${address} is a ${d.mailboxType} mailbox: a structure's own staff are declared on its ORG mailboxes only`,
        );
      }
      if (action === 'change-attachment' && (d.mailboxType === 'ORG' || d.mailboxType === 'APP')) {
        return new GovernanceError(
          'attached-to-structure',
          `${address} is an ${d.mailboxType} mailbox: it is attached to its structure, not to a situation d'exercice (R-ANN-1); the operator moves it with a transfer`,
        );
      }
      if (action === 'manage-responsibles' && (d.mailboxType === 'PER' || d.mailboxType === 'CAB')) {
        return new GovernanceError(
          'not-a-structure-mailbox',
          `${address} is a ${d.mailboxType} mailbox: responsible persons exist only on ORG and APP mailboxes (§3)`,
        );
      }
      if (action === 'manage-groups' && d.mailboxType && d.mailboxType !== 'CAB') {
        return new GovernanceError('not-a-cab', `${address} is a ${d.mailboxType} mailbox: group addresses belong to a practice's CAB`);
      }
      if (action === 'manage-delegates' && d.mailboxType && !isDelegable(d.mailboxType)) {
        return new GovernanceError('not-delegable', `${d.mailboxType} mailboxes cannot be delegated (R-DEL-1)`);
      }
      return new GovernanceError('forbidden', `not allowed to ${action} on ${address}`, { reason: d.reason });
  }
}

function isSerializationFailure(err: unknown): boolean {
  return !!err && typeof err === 'object' && ((err as { code?: unknown }).code === '40001' || (err as { code?: unknown }).code === '40P01');
}
