// Where the directory shows a PER or CAB: one of its holder's own situations d'exercice, or none
// (R-ANN-1), changed at the holder's or owner's initiative.

import type { Principal } from '@mss/access';
import { actorName, type GovernanceCore } from './core.ts';
import { GovernanceError } from './errors.ts';
import type { MailboxView } from './views.ts';

/**
 * Moves a PER or CAB to another of its holder's own situations d'exercice in the directory, or
 * to none (then shown on every situation, R-ANN-1), at the holder's or owner's initiative
 * (atelier #2: "le rattachement … peut être modifié à l'initiative du propriétaire"). A CAB
 * never goes on a situation at a FINESS structure (R-CAB-1). The directory learns it through
 * the outbox; the history keeps where it was.
 */
export async function changeAttachment(
  core: GovernanceCore,
  actor: Principal,
  address: string,
  situationId: string | null,
  reason: string | null = null,
): Promise<MailboxView> {
  return core.withMailbox(actor, address, 'change-attachment', async (box, tx) => {
    const row = await box.row();
    if (situationId !== null) await core.requireOwnSituation(tx, row.type, row.owner_idnat, situationId);
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
    return core.view(box, updated, true);
  });
}
