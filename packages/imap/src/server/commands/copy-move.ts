import { exceedsQuota } from '@mss/domain';
import { code, untaggedStatus, type CommandOf } from '../../protocol/index.ts';
import type { Selected } from '../state.ts';
import { attribute } from './attribution.ts';
import type { SessionContext } from './context.ts';
import { ImapNo } from './errors.ts';
import { targetFolder } from './folder-lookup.ts';
import { mailboxQuota, overQuota } from './quota.ts';
import { targetsOrBad } from './targets.ts';

/** RFC 3501 §6.4.7 (COPY), RFC 6851 (MOVE), with COPYUID (RFC 4315 §3) and QUOTA (RFC 9208 §4.3.1). */
export async function copyMove(ctx: SessionContext, cmd: CommandOf<'COPY' | 'MOVE'>, state: Selected): Promise<void> {
  const sel = state.selected;
  const identity = state.identity;
  if (cmd.command === 'MOVE' && sel.readOnly) throw new ImapNo('Folder is read-only');
  const targets = targetsOrBad(ctx, cmd.tag, sel, cmd.args.set, cmd.uid);
  if (!targets) return;
  const dest = await targetFolder(identity, cmd.args.mailbox);
  const uids = targets.map((t) => t.uid);
  // A COPY adds to the mailbox's usage; a MOVE within the mailbox (its one quota root) takes
  // what it gives back, so only a COPY is checked.
  const quota = cmd.command === 'COPY' ? await mailboxQuota(ctx, identity) : null;
  const pairs = await identity.scope.transaction(async (box) => {
    const before = quota ? await box.usage() : null;
    const source = box.bind(sel.folder);
    const p = await source.copyTo(uids, box.bind(dest));
    // RFC 6851 §3.3: a MOVE into the selected folder itself still expunges the sources; the
    // messages come back under new UIDs.
    if (cmd.command === 'MOVE') await source.expunge(p.map(([from]) => from));
    if (quota && before && p.length > 0) {
      // RFC 9208 §4.3.1: the copies are rolled back with the transaction.
      const after = await box.usage();
      if (exceedsQuota(quota, before, after.storage - before.storage, after.messages - before.messages)) throw overQuota();
    }
    return p;
  });
  ctx.shared.folderChanged(dest);
  const copyUid = pairs.length
    ? code.copyUid(
        Number(dest.row.uidvalidity),
        pairs.map(([a]) => a),
        pairs.map(([, b]) => b),
      )
    : null;
  if (cmd.command === 'MOVE') {
    await attribute(identity, 'move', `${sel.name}->${dest.name}`);
    ctx.shared.folderChanged(sel.folder);
    // RFC 6851: COPYUID comes untagged before the EXPUNGEs.
    if (copyUid) ctx.write(untaggedStatus('OK', 'Moved', copyUid));
    await ctx.pushUpdates(true);
    return ctx.ok(cmd.tag, `${cmd.uid ? 'UID ' : ''}MOVE completed`);
  }
  ctx.ok(cmd.tag, `${cmd.uid ? 'UID ' : ''}COPY completed`, copyUid);
}
