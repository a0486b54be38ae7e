// A mailbox's life (R-BAL-2): suspension, reactivation, closure (its delegations end with it), and
// the audited release of a closed address after the operator's waiting period.

import { canTransition, type MailboxStatus } from '@mss/domain';
import type { Principal } from '@mss/access';
import type { MailboxScope } from '@mss/store';
import { actorName, type GovernanceCore } from './core.ts';
import { GovernanceError } from './errors.ts';
import type { MailboxView } from './views.ts';

export async function changeStatus(
  core: GovernanceCore,
  actor: Principal,
  address: string,
  status: MailboxStatus,
  reason: string,
): Promise<MailboxView> {
  // A closed mailbox is refused by the decision itself (R-BAL-2: closed is final).
  const result = await core.withMailbox(actor, address, 'change-status', (box) => applyStatus(core, actor, box, status, reason));
  if (status !== 'active') core.access.bus.publish({ kind: 'mailbox-status-changed', mailboxId: result.id, status });
  return result.view;
}

/** Deleting a mailbox closes it: its history and audit stay, its address is not reused (R-BAL-2, R-CAB-6). */
export async function deleteMailbox(core: GovernanceCore, actor: Principal, address: string, reason: string): Promise<MailboxView> {
  const result = await core.withMailbox(actor, address, 'delete', (box) => applyStatus(core, actor, box, 'closed', reason));
  core.access.bus.publish({ kind: 'mailbox-status-changed', mailboxId: result.id, status: 'closed' });
  return result.view;
}

async function applyStatus(
  core: GovernanceCore,
  actor: Principal,
  box: MailboxScope,
  status: MailboxStatus,
  reason: string,
): Promise<{ id: number; view: MailboxView }> {
  const row = await box.row();
  if (!canTransition(row.status as MailboxStatus, status)) {
    throw new GovernanceError('invalid-transition', `a mailbox cannot go from ${row.status} to ${status} (R-BAL-2)`);
  }
  const at = core.store.now().toISOString();
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
  return { id: box.mailboxId, view: await core.view(box, updated, true) };
}

/**
 * Frees a closed mailbox's address so that another mailbox may take it (R-BAL-2: "only after an
 * explicit, audited release"): the operator's administrators, once the operator's waiting period
 * since the closure is over (MSS_ADDRESS_RELEASE_DELAY). The closed mailbox keeps its history
 * and audit trail; its address no longer names it.
 */
export async function releaseAddress(core: GovernanceCore, actor: Principal, address: string, reason: string): Promise<MailboxView> {
  return core.withMailbox(actor, address, 'release-address', async (box) => {
    const row = await box.row();
    if (row.status !== 'closed')
      throw new GovernanceError(
        'invalid-transition',
        `${row.address} is ${row.status}: only a closed mailbox's address can be released (R-BAL-2)`,
      );
    const closedAt = row.closed_at ?? row.updated_at;
    const releasableAt = new Date(Date.parse(closedAt) + core.limits.addressReleaseDelayMs);
    if (core.store.now().getTime() < releasableAt.getTime())
      throw new GovernanceError(
        'release-too-early',
        `${row.address} was closed at ${closedAt}; this operator releases an address ${formatDelay(core.limits.addressReleaseDelayMs)} after its closure, from ${releasableAt.toISOString()}`,
        { releasableAt: releasableAt.toISOString() },
      );
    await box.appendHistory({
      actor: actorName(actor),
      event: 'address.released',
      reason,
      details: { address: row.address, closedAt, delayMs: core.limits.addressReleaseDelayMs },
    });
    if (!(await box.release())) throw new GovernanceError('conflict', `${row.address} was released by a concurrent change`);
    return core.view(box, await box.row(), true);
  });
}

/** `365 days`, `2 hours`: the waiting period as a person reads it. */
function formatDelay(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} days`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} hours`;
  return `${Math.ceil(ms / 1000)} seconds`;
}
