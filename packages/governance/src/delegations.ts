// Delegations (R-DEL-1 to R-DEL-5): granted and revoked by those who govern a mailbox, ended by
// their end date or by the end of the situation that supported them, each ending the delegate's
// sessions through the revocation bus.

import type { Principal } from '@mss/access';
import { actorName, personIdnat, type GovernanceCore } from './core.ts';
import { GovernanceError } from './errors.ts';
import type { MailboxView } from './views.ts';

export async function grantDelegation(
  core: GovernanceCore,
  actor: Principal,
  address: string,
  input: { delegateIdnat: string; endAt?: string | null },
): Promise<MailboxView> {
  const who = personIdnat(input.delegateIdnat, 'delegateIdnat');
  const now = core.store.now();
  let endAt: string | null = null;
  if (input.endAt) {
    const end = parseEndDate(input.endAt);
    if (end.getTime() <= now.getTime()) throw new GovernanceError('end-date-in-past', `endAt ${input.endAt} is not in the future`);
    endAt = end.toISOString();
  }
  // No role may manage the delegates of an APP (R-DEL-1): those with a role there are told "not delegable".
  return core.withMailbox(actor, address, 'manage-delegates', async (box, tx) => {
    const person = await tx.directory.person(who);
    // R-DEL-1: another PS, a secretary or a medical assistant, with an IdNat.
    if (!person || person.kind === 'PATIENT')
      throw new GovernanceError(
        'not-in-directory',
        `${who} is not a professional, secretary or medical assistant in the directory (R-DEL-1)`,
        { field: 'delegateIdnat' },
      );
    await core.requireActive(tx, who, 'delegateIdnat', 'R-DEL-1');
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
    return core.view(box, await box.row(), true);
  });
}

export async function revokeDelegation(
  core: GovernanceCore,
  actor: Principal,
  address: string,
  delegationId: number,
  reason: string,
): Promise<MailboxView> {
  const result = await core.withMailbox(actor, address, 'manage-delegates', async (box) => {
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
    return { id: box.mailboxId, idnat: d.delegate_idnat, view: await core.view(box, await box.row(), true) };
  });
  core.access.bus.publish({ kind: 'delegation-ended', mailboxId: result.id, idnat: result.idnat, reason });
  return result.view;
}

/**
 * Ends every delegation whose end date has passed (R-DEL-5), with its history, and tells open
 * sessions. Run by a scheduler, so that an end date cuts sessions even if nobody asks.
 */
export async function expireLapsedDelegations(core: GovernanceCore): Promise<number> {
  const ended = await core.store.transaction(async (tx) => {
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
    core.access.bus.publish({ kind: 'delegation-ended', mailboxId: d.mailbox_id, idnat: d.delegate_idnat, reason: 'end date reached' });
  return ended.length;
}

/** R-ENR-1 / R-DEL-5: a situation d'exercice ended in RPPS+ ends the delegations it supported. */
export async function endDelegationsOf(
  core: GovernanceCore,
  delegateIdnat: string,
  grantedBy: string | null,
  reason: string,
): Promise<number> {
  const ended = await core.store.transaction(async (tx) => {
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
  for (const d of ended) core.access.bus.publish({ kind: 'delegation-ended', mailboxId: d.mailbox_id, idnat: delegateIdnat, reason });
  return ended.length;
}

function parseEndDate(value: string): Date {
  // A bare date means the end of that day (the delegation runs through it).
  const s = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T23:59:59.999Z` : value;
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) throw new GovernanceError('invalid-input', `endAt "${value}" is not a date (YYYY-MM-DD or ISO 8601)`);
  return d;
}
