// An ORG/APP's responsible persons over time (§3): added by any of them or by the operator, removed
// but never the last one.

import type { Principal } from '@mss/access';
import { personIdnat, type GovernanceCore } from './core.ts';
import { GovernanceError } from './errors.ts';
import { addHolder, removeHolder } from './holders.ts';
import type { MailboxView } from './views.ts';

/**
 * A co-responsible joins an ORG/APP (§3: one or more responsible persons), named by a
 * responsible person (atelier #1: every co-responsible manages the list) or the operator.
 */
export async function addResponsible(core: GovernanceCore, actor: Principal, address: string, idnat: string): Promise<MailboxView> {
  const who = personIdnat(idnat, 'idnat');
  return core.withMailbox(actor, address, 'manage-responsibles', async (box, tx) => {
    await core.requirePerson(tx, who, 'idnat');
    if ((await box.holders()).some((h) => h.person_idnat === who && h.role === 'responsible'))
      throw new GovernanceError('already-has-access', `${who} is already a responsible person of ${box.address}`);
    return addHolder(core, actor, box, who, 'responsible');
  });
}

/** A responsible person leaves; the last one stays (an ORG/APP always has someone who answers for it). Their sessions end. */
export async function removeResponsible(
  core: GovernanceCore,
  actor: Principal,
  address: string,
  idnat: string,
  reason: string | null = null,
): Promise<MailboxView> {
  const who = personIdnat(idnat, 'idnat');
  return removeHolder(core, actor, { address, action: 'manage-responsibles', who, role: 'responsible', reason }, (box, responsibles) => {
    if (!responsibles.some((h) => h.person_idnat === who))
      throw new GovernanceError('responsible-not-found', `${who} is not a responsible person of ${box.address}`);
    if (responsibles.length === 1)
      throw new GovernanceError(
        'last-responsible',
        `${who} is the last responsible person of ${box.address}: name another one first (an ${box.type} mailbox always has one)`,
      );
  });
}
