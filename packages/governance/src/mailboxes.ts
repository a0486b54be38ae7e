// Reading a mailbox as those who use or govern it see it, the mailboxes of a person, the settings
// the directory publishes (liste rouge R-BAL-3, description, service), and the history.

import type { Principal } from '@mss/access';
import type { MailboxRow } from '@mss/store';
import { actorName, type GovernanceCore } from './core.ts';
import { GovernanceError } from './errors.ts';
import type { MailboxView } from './views.ts';

export interface PublicationChanges {
  listeRouge?: boolean;
  description?: string | null;
  service?: string | null;
  digitization?: boolean;
}

export async function getMailbox(core: GovernanceCore, actor: Principal, address: string): Promise<MailboxView> {
  // Anyone who may use the mailbox may see it; the operator sees it through read-history.
  return core.withMailbox(actor, address, actor.kind === 'operator-admin' ? 'read-history' : 'read', async (scope, tx) => {
    const governs =
      (await core.canQuietly(tx, actor, scope.address, 'manage-delegates')) ||
      (await core.canQuietly(tx, actor, scope.address, 'read-history'));
    return core.view(scope, await scope.row(), governs);
  });
}

/** The mailboxes a person holds, co-holds or is delegated, with their role on each. */
export async function myMailboxes(
  core: GovernanceCore,
  idnat: string,
): Promise<{ address: string; type: string; status: string; role: string; endAt?: string | null }[]> {
  const memberships = await core.store.mailboxes.membershipsOf(idnat);
  return memberships.map((m) => ({
    address: m.mailbox.address,
    type: m.mailbox.type,
    status: m.mailbox.status,
    role: m.role,
    ...(m.delegation ? { endAt: m.delegation.end_at } : {}),
  }));
}

export async function updatePublication(
  core: GovernanceCore,
  actor: Principal,
  address: string,
  changes: PublicationChanges,
): Promise<MailboxView> {
  return core.withMailbox(actor, address, 'edit-publication', async (box) => {
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
    return core.view(box, updated, true);
  });
}

export async function readHistory(core: GovernanceCore, actor: Principal, address: string, page: { afterId?: number; limit?: number }) {
  return core.withMailbox(actor, address, 'read-history', async (scope) => {
    return scope.history({ afterId: page.afterId, limit: page.limit ?? 50 });
  });
}
