// The people who hold a mailbox beside its owner — a CAB's cotitulaires (R-CAB-3), an ORG/APP's
// responsible persons (§3) — added and removed the same way, each in the mailbox's history.

import type { MailboxAction } from '@mss/domain';
import type { Principal } from '@mss/access';
import type { HolderRow, MailboxScope } from '@mss/store';
import { actorName, type GovernanceCore } from './core.ts';
import type { MailboxView } from './views.ts';

type CoHolder = Extract<HolderRow['role'], 'cotitulaire' | 'responsible'>;

/** Makes `who` a `role` of the mailbox (`cotitulaire.added`, `responsible.added` in its history); the mailbox's view after. */
export async function addHolder(core: GovernanceCore, actor: Principal, box: MailboxScope, who: string, role: CoHolder) {
  await box.addHolder(who, role, actorName(actor));
  await box.appendHistory({ actor: actorName(actor), event: `${role}.added`, subjectIdnat: who });
  return core.view(box, await box.row(), true);
}

/**
 * Ends `who`'s `role` on the mailbox at `address` (decided as `action`), in its history; their
 * open sessions end through the revocation bus. `refuse` sees the mailbox's holders of that role
 * first, read in the change's transaction (two removals at once see each other), and throws what
 * forbids the removal.
 */
export async function removeHolder(
  core: GovernanceCore,
  actor: Principal,
  target: { address: string; action: MailboxAction; who: string; role: CoHolder; reason: string | null },
  refuse: (box: MailboxScope, holders: HolderRow[]) => void,
): Promise<MailboxView> {
  const { who, role } = target;
  const result = await core.withMailbox(actor, target.address, target.action, async (box) => {
    refuse(
      box,
      (await box.holders()).filter((h) => h.role === role),
    );
    await box.removeHolder(who, role);
    await box.appendHistory({ actor: actorName(actor), event: `${role}.removed`, subjectIdnat: who, reason: target.reason });
    return { id: box.mailboxId, view: await core.view(box, await box.row(), true) };
  });
  core.access.bus.publish({ kind: 'holder-removed', mailboxId: result.id, idnat: who, role });
  return result.view;
}
