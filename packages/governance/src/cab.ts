// A CAB's people (R-CAB-3, R-CAB-6): cotitulaires within the operator's limit, and the transfer of
// ownership (of an ORG/APP to another structure too), whose sessions the revocation bus ends.

import { checkIdNatStructure } from '@mss/domain';
import type { Principal } from '@mss/access';
import { actorName, personIdnat, type GovernanceCore } from './core.ts';
import { GovernanceError } from './errors.ts';
import { addHolder, removeHolder } from './holders.ts';
import type { MailboxView } from './views.ts';

export async function addCotitulaire(core: GovernanceCore, actor: Principal, address: string, idnat: string): Promise<MailboxView> {
  const who = personIdnat(idnat, 'idnat');
  // Only a CAB owner may (R-CAB-3); whoever else has a role there is told "not a CAB" when it is not one.
  return core.withMailbox(actor, address, 'manage-cotitulaires', async (box, tx) => {
    // R-CAB-3: a PS registered in RPPS/RPPS+; need not be a customer of the operator.
    await core.requireProfessional(tx, who, 'idnat');
    await core.requireActive(tx, who, 'idnat', 'R-CAB-3');
    const holders = await box.holders();
    const already = holders.find((h) => h.person_idnat === who);
    if (already) throw new GovernanceError('already-has-access', `${who} is already ${already.role} of ${box.address}`);
    // The operator's limit (the workshops leave it to each offer); read in the transaction, so two
    // owners' tabs adding the last places at once cannot both pass.
    const max = core.limits.maxCotitulaires;
    if (holders.filter((h) => h.role === 'cotitulaire').length >= max)
      throw new GovernanceError(
        'cotitulaire-limit',
        `${box.address} already has ${max} cotitulaires, this operator's limit per CAB: remove one first`,
        { limit: max },
      );
    return addHolder(core, actor, box, who, 'cotitulaire');
  });
}

export async function removeCotitulaire(
  core: GovernanceCore,
  actor: Principal,
  address: string,
  idnat: string,
  reason: string | null = null,
): Promise<MailboxView> {
  const who = personIdnat(idnat, 'idnat');
  return removeHolder(core, actor, { address, action: 'manage-cotitulaires', who, role: 'cotitulaire', reason }, (box, cotitulaires) => {
    if (!cotitulaires.some((h) => h.person_idnat === who))
      throw new GovernanceError('cotitulaire-not-found', `${who} is not a cotitulaire of ${box.address}`);
  });
}

/**
 * R-CAB-6: the owner hands the CAB to another PS without recreating it; the directory
 * attachment follows. The former owner keeps no role (the new owner may add them back as a
 * cotitulaire). ORG/APP: the operator moves the mailbox to another structure.
 */
export async function transferOwnership(
  core: GovernanceCore,
  actor: Principal,
  address: string,
  newOwner: string,
  reason: string | null = null,
): Promise<MailboxView> {
  const result = await core.withMailbox(actor, address, 'transfer-ownership', async (box, tx) => {
    const row = await box.row();
    let to: string;
    if (row.type === 'CAB') {
      to = personIdnat(newOwner, 'newOwnerIdnat');
      await core.requireProfessional(tx, to, 'newOwnerIdnat');
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
    return { id: box.mailboxId, from: row.owner_idnat, to, view: await core.view(box, updated, true) };
  });
  core.access.bus.publish({ kind: 'ownership-transferred', mailboxId: result.id, from: result.from, to: result.to });
  return result.view;
}
