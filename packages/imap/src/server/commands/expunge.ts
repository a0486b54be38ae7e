import { parseFlags } from '@mss/store';
import { resolveSequenceSet, type CommandOf } from '../../protocol/index.ts';
import type { Selected } from '../state.ts';
import { attribute } from './attribution.ts';
import type { SessionContext } from './context.ts';
import { ImapNo } from './errors.ts';

/** RFC 3501 §6.4.3; UID EXPUNGE: RFC 4315 §2.1. */
export async function expunge(ctx: SessionContext, cmd: CommandOf<'EXPUNGE'>, state: Selected): Promise<void> {
  const sel = state.selected;
  if (sel.readOnly) throw new ImapNo('Folder is read-only');
  const only = cmd.args.uids ? resolveSequenceSet(cmd.args.uids, sel.maxUid) : null;
  await expungeDeleted(ctx, state, only, true);
  ctx.ok(cmd.tag, `${cmd.args.uids ? 'UID ' : ''}EXPUNGE completed`);
}

/** Removes the messages marked `\Deleted` (only those in `only` when given); `announce`: send the EXPUNGEs now. */
export async function expungeDeleted(
  ctx: SessionContext,
  state: Selected,
  only: { has(n: number): boolean } | null,
  announce: boolean,
): Promise<number[]> {
  const sel = state.selected;
  const removed = await sel.folder.transaction(async (folder) => {
    const index = await folder.index();
    const uids = index.filter((e) => parseFlags(e.flags).includes('\\Deleted') && (!only || only.has(e.uid))).map((e) => e.uid);
    await folder.expunge(uids);
    return uids;
  });
  if (removed.length) {
    await attribute(state.identity, 'expunge', sel.name);
    ctx.shared.folderChanged(sel.folder);
  }
  if (announce) await ctx.pushUpdates(true);
  return removed;
}
