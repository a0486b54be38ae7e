// Creating a mailbox (§3, R-BAL-1, R-CAB-1/2): the address checked for its type, the creation
// decided and audited as an action of the role table, then the mailbox, its holders, its INBOX,
// its history and its publication in one transaction.

import { checkIdNatStructure, checkMailboxAddressForType, type MailboxType } from '@mss/domain';
import type { Principal } from '@mss/access';
import { MssError } from '@mss/runtime';
import { MailboxScope, type MailboxRow, type Repositories } from '@mss/store';
import { actorName, personIdnat, type GovernanceCore } from './core.ts';
import { GovernanceError } from './errors.ts';
import type { MailboxView } from './views.ts';

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

export async function createMailbox(core: GovernanceCore, actor: Principal, input: CreateMailboxInput): Promise<MailboxView> {
  const type = input.type;
  const address = checkMailboxAddressForType(type, input.address, { operatorDomains: core.domains });
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
  const decision = await core.access.decideCreation({
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
  const result = await core.change(actor, async (tx) => {
    let ownerIdnat: string;
    const holders: { idnat: string; role: 'holder' | 'owner' | 'responsible' }[] = [];
    if (futureOwner) {
      ownerIdnat = futureOwner;
      await core.requireProfessional(tx, ownerIdnat, 'holderIdnat');
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
      if (responsibles.length === 0) throw new GovernanceError('invalid-input', `an ${type} mailbox needs at least one responsible person`);
      for (const r of responsibles) {
        const idnat = personIdnat(r, 'responsibleIdnats');
        await core.requirePerson(tx, idnat, 'responsibleIdnats');
        holders.push({ idnat, role: 'responsible' });
      }
    }
    if (input.situationId) await core.requireOwnSituation(tx, type, ownerIdnat, input.situationId);
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
    return core.view(box, row, true);
  });
  core.logger.info({ mailbox: result.address, type, actor: actorName(actor) }, 'mailbox created');
  return result;
}

async function createOr409(tx: Repositories, m: Parameters<Repositories['mailboxes']['create']>[0]): Promise<MailboxRow> {
  try {
    return await tx.mailboxes.create(m);
  } catch (err) {
    if (err instanceof MssError && err.code === 'MAILBOX_ADDRESS_TAKEN') throw new GovernanceError('address-taken', err.message);
    throw err;
  }
}
