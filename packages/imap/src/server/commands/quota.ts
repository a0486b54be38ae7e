import { DEFAULT_MAILBOX_QUOTAS, quotaOf, type MailboxQuota } from '@mss/domain';
import { atom, mailboxName, str, untagged, type CommandOf } from '../../protocol/index.ts';
import type { Identity } from '../state.ts';
import type { AuthenticatedState, SessionContext } from './context.ts';
import { ImapNo } from './errors.ts';
import { folderOr404 } from './folder-lookup.ts';

/**
 * RFC 9208: one quota root per mailbox (BAL), named "", over all its folders; STORAGE and MESSAGE
 * (§5.1, §5.2). Set by the operator's configuration, never by the user.
 */
export const QUOTA_CAPABILITIES = ['QUOTA', 'QUOTA=RES-STORAGE', 'QUOTA=RES-MESSAGE'] as const;
const QUOTA_ROOT = '';

/** A mailbox's limits, from the configuration for its type, read once per authenticated identity. */
const limitsOf = new WeakMap<Identity, MailboxQuota>();

export async function mailboxQuota(ctx: SessionContext, identity: Identity): Promise<MailboxQuota> {
  let q = limitsOf.get(identity);
  if (!q) {
    q = quotaOf(ctx.opts.quotas ?? DEFAULT_MAILBOX_QUOTAS, identity.scope.type);
    limitsOf.set(identity, q);
  }
  return q;
}

export function overQuota(): ImapNo {
  return new ImapNo('Mailbox quota exceeded: delete or expunge messages first', 'OVERQUOTA');
}

/** Octets in the STORAGE resource's unit, 1024 octets, rounded up (RFC 9208 §5.1). */
export function kib(bytes: number): number {
  return Math.ceil(bytes / 1024);
}

/** `* QUOTA "" (STORAGE used limit MESSAGE used limit)`, STORAGE in units of 1024 octets (§5.1). */
async function writeQuota(ctx: SessionContext, identity: Identity): Promise<void> {
  const quota = await mailboxQuota(ctx, identity);
  const usage = await identity.scope.usage();
  ctx.write(
    untagged(atom('QUOTA'), str(QUOTA_ROOT), [
      atom('STORAGE'),
      kib(usage.storage),
      Math.floor(quota.storage / 1024),
      atom('MESSAGE'),
      usage.messages,
      quota.messages,
    ]),
  );
}

/** RFC 9208 §4.1.2: every folder of the mailbox has the one root. */
export async function getQuotaRoot(ctx: SessionContext, cmd: CommandOf<'GETQUOTAROOT'>, state: AuthenticatedState): Promise<void> {
  const f = await folderOr404(state.identity, cmd.args.mailbox);
  ctx.write(untagged(atom('QUOTAROOT'), mailboxName(f.name), str(QUOTA_ROOT)));
  await writeQuota(ctx, state.identity);
  ctx.ok(cmd.tag, 'GETQUOTAROOT completed');
}

/** RFC 9208 §4.1.1 */
export async function getQuota(ctx: SessionContext, cmd: CommandOf<'GETQUOTA'>, state: AuthenticatedState): Promise<void> {
  if (cmd.args.root !== QUOTA_ROOT) throw new ImapNo(`No such quota root ${cmd.args.root.slice(0, 100)}`, 'NONEXISTENT');
  await writeQuota(ctx, state.identity);
  ctx.ok(cmd.tag, 'GETQUOTA completed');
}

/** RFC 9208 §4.1.3: limits are the operator's (mailbox governance), not the user's; QUOTASET is not announced. */
export function setQuota(): never {
  throw new ImapNo('Quotas are set by the operator, not over IMAP', 'NOPERM');
}
