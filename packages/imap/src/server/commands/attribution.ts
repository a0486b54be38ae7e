import type { AuditRecord } from '@mss/store';
import type { Identity } from '../state.ts';

/** R-CAB-9: who did what in a shared mailbox is traceable — the acting person, not just the mailbox. */
export function attribution(identity: Identity, action: string, folder: string): Omit<AuditRecord, 'mailbox'> {
  const id = identity;
  return {
    idnat: id.idnat,
    action: `imap-${action}:${folder}`.slice(0, 200),
    channel: 'imap',
    client_id: id.clientId,
    outcome: 'allowed' as const,
    reason: id.role,
    role: id.role,
  };
}

/** Recorded through the session's scope, which names its own mailbox (the one the session opened). */
export async function attribute(identity: Identity, action: string, folder: string): Promise<void> {
  await identity.scope.audit(attribution(identity, action, folder));
}
