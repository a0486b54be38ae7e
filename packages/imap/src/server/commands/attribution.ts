import type { Identity } from '../state.ts';
import type { SessionContext } from './context.ts';

/** R-CAB-9: who did what in a shared mailbox is traceable — the acting person, not just the mailbox. */
export function attribution(identity: Identity, action: string, folder: string) {
  const id = identity;
  return {
    idnat: id.idnat,
    mailbox: id.mailbox,
    action: `imap-${action}:${folder}`.slice(0, 200),
    channel: 'imap',
    client_id: id.clientId,
    outcome: 'allowed' as const,
    reason: id.role,
    role: id.role,
  };
}

export async function attribute(ctx: SessionContext, identity: Identity, action: string, folder: string): Promise<void> {
  await ctx.store.audit.append(attribution(identity, action, folder));
}
