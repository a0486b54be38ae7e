import { exceedsQuota } from '@mss/domain';
import { MssError } from '@mss/runtime';
import { isStorageFull } from '@mss/store';
import { code, type CommandOf, type ImapDateTime } from '../../protocol/index.ts';
import { attribution } from './attribution.ts';
import type { AuthenticatedState, SessionContext } from './context.ts';
import { ImapNo } from './errors.ts';
import { targetFolder } from './folder-lookup.ts';
import { mailboxQuota, overQuota } from './quota.ts';

/** RFC 3501 §6.3.11 with UIDPLUS (RFC 4315 §3) and QUOTA (RFC 9208 §4.3.1); R-CAB-9 attribution. */
export async function append(ctx: SessionContext, cmd: CommandOf<'APPEND'>, state: AuthenticatedState): Promise<void> {
  const identity = state.identity;
  const f = await targetFolder(identity, cmd.args.mailbox);
  const message = cmd.args.message;
  if (message.length === 0) throw new ImapNo('Empty message');
  // RFC 9208 §4.3.1: over quota, nothing is written (checked again in the transaction).
  const quota = await mailboxQuota(ctx, identity);
  if (exceedsQuota(quota, await identity.scope.usage(), message.length, 1)) throw overQuota();
  // The ingestion step (structure, search values) with the blob made durable, before the transaction.
  const ingested = await ctx.shared.ingest(message).catch((err: unknown) => {
    // RFC 5530 §3: the blob store (disk full, S3 unreachable) is down for now; nothing was written.
    if (isStorageFull(err) || (err instanceof MssError && err.code === 'BLOB_STORE_UNAVAILABLE'))
      throw new ImapNo('The message store is unavailable, try again later', 'UNAVAILABLE');
    throw err;
  });
  const flags = cmd.args.flags.filter((x) => x !== '\\Recent');
  const internalDate = cmd.args.internalDate ? imapDateToIso(cmd.args.internalDate) : undefined;
  const claiming = state.kind === 'selected' && state.selected.folderId === f.id && state.selected.recentMode === 'claim';
  // The message and its attribution commit together: one fsync, never one without the other.
  const row = await identity.scope.groupTransaction(async (box) => {
    if (exceedsQuota(quota, await box.usage(), ingested.size, 1)) throw overQuota();
    const folder = box.bind(f);
    const r = await folder.appendMessage({
      ...ingested,
      flags,
      ...(internalDate ? { internalDate } : {}),
      authorIdnat: identity.idnat,
    });
    await box.audit(attribution(identity, 'append', f.name));
    // Appending to the folder it has selected, the session is the first to know of the message:
    // it takes it as \Recent in the same commit (RFC 3501 §2.3.2), not in one of its own.
    const claimedBefore = claiming ? await folder.claimRecent(Number(r.uid)) : null;
    return { uid: Number(r.uid), claimedBefore };
  });
  ctx.shared.folderChanged(f);
  if (state.kind === 'selected' && state.selected.folderId === f.id) {
    if (row.claimedBefore !== null) state.selected.noteClaimed(row.claimedBefore, row.uid);
    await ctx.pushUpdates(true);
  }
  ctx.ok(cmd.tag, 'APPEND completed', code.appendUid(Number(f.row.uidvalidity), [row.uid]));
}

function imapDateToIso(d: ImapDateTime): string {
  return d.date.toISOString();
}
