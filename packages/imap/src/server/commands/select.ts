import { mailboxObjectId } from '@mss/store';
import {
  atom,
  code,
  compactSequenceSet,
  fetchResponse,
  mailboxName,
  raw,
  resolveSequenceSet,
  str,
  untagged,
  untaggedStatus,
  type CommandOf,
} from '../../protocol/index.ts';
import { DELIMITER } from '../folders.ts';
import { flagsResponses, flagsText } from '../keywords.ts';
import { SelectedFolder } from '../selected.ts';
import type { AuthenticatedState, SessionContext } from './context.ts';
import { ImapNo } from './errors.ts';
import { vanishedSince } from '../vanished.ts';
import { expungeDeleted } from './expunge.ts';
import { folderOr404 } from './folder-lookup.ts';
import type { Selected } from '../state.ts';

/** RFC 3501 §6.3.1, §6.3.2 (CONDSTORE: RFC 7162 §3.1.8). A failed SELECT leaves no folder selected. */
export async function select(ctx: SessionContext, cmd: CommandOf<'SELECT' | 'EXAMINE'>, state: AuthenticatedState): Promise<void> {
  const readOnly = cmd.command === 'EXAMINE';
  // RFC 7162 §3.2.5: the QRESYNC parameter without ENABLE QRESYNC first is BAD.
  if (cmd.args.qresync && !ctx.enabled.has('QRESYNC')) return ctx.bad(cmd.tag, 'QRESYNC is not enabled');
  if (cmd.args.condstore) ctx.enabled.add('CONDSTORE');
  const rev2 = ctx.enabled.has('IMAP4REV2');
  // RFC 9051 §6.3.2, RFC 7162 §3.2.11: leaving a selected mailbox for another is told with [CLOSED] first.
  if ((rev2 || ctx.enabled.has('QRESYNC')) && state.kind === 'selected')
    ctx.write(untaggedStatus('OK', 'Previous mailbox closed', code.simple('CLOSED')));
  ctx.deselect();
  const identity = state.identity;
  const f = await folderOr404(identity, cmd.args.mailbox);
  const indexes = ctx.shared.indexes;
  const index = indexes.acquire(f);
  try {
    await index.ensureFresh(f.row);
  } catch (err) {
    indexes.release(index);
    throw err;
  }
  if (index.gone) {
    indexes.release(index);
    throw new ImapNo(`No such folder ${cmd.args.mailbox.slice(0, 100)}`, 'NONEXISTENT');
  }
  // RFC 3501 §2.3.2 / §6.3.2: SELECT takes the new messages as \Recent, EXAMINE only sees them;
  // RFC 9051 has no \Recent.
  const recentMode = rev2 ? 'none' : readOnly ? 'observe' : 'claim';
  const sel = new SelectedFolder(f, index, readOnly, recentMode);
  await sel.takeRecent(Number(f.row.recent_uid));
  ctx.enterSelected(identity, sel);
  const firstUnseen = index.firstUnseenSeq();
  const [flags, permanentFlags] = flagsResponses(sel.keywords, readOnly);
  ctx.write(flags!);
  ctx.write(untagged(sel.exists, atom('EXISTS')));
  if (recentMode !== 'none') ctx.write(untagged(sel.recentCount(), atom('RECENT')));
  if (firstUnseen > 0) ctx.write(untaggedStatus('OK', `First unseen`, code.unseen(firstUnseen)));
  ctx.write(permanentFlags!);
  ctx.write(untaggedStatus('OK', 'UIDs valid', code.uidValidity(sel.uidValidity)));
  ctx.write(untaggedStatus('OK', 'Predicted next UID', code.uidNext(sel.uidNext)));
  ctx.write(untaggedStatus('OK', 'Highest', code.highestModseq(BigInt(sel.highestModseq))));
  ctx.write(untaggedStatus('OK', 'Ok', code.mailboxId(mailboxObjectId(f.id))));
  // RFC 9051 §6.3.2: LIST is one of SELECT's required untagged responses in IMAP4rev2.
  if (rev2) ctx.write(untagged(atom('LIST'), raw('()'), str(DELIMITER), mailboxName(sel.name)));
  const q = cmd.args.qresync;
  // RFC 7162 §3.2.5.2: with the UIDVALIDITY the client has, what it missed since its MODSEQ.
  if (q && q.uidValidity === sel.uidValidity) {
    const since = Number(q.modseq);
    const known = q.knownUids ? resolveSequenceSet(q.knownUids, Math.max(sel.uidNext - 1, 1)) : { has: () => true };
    const vanished = await vanishedSince(sel, since, known);
    if (vanished.length > 0) ctx.write(untagged(atom('VANISHED'), raw('(EARLIER)'), raw(compactSequenceSet(vanished))));
    for (const uid of [...new Set(index.changedSince(since))].sort((a, b) => a - b)) {
      const p = index.position(uid);
      const seq = sel.seqOf(uid);
      if (p < 0 || seq === undefined) continue;
      const flags = index.flags[p]!;
      ctx.write(
        fetchResponse(seq, [
          ['UID', uid],
          ['FLAGS', raw(flagsText(flags, sel.isRecent(uid)))],
          ['MODSEQ', raw(`(${index.modseqs[p]})`)],
        ]),
      );
    }
  }
  ctx.ok(cmd.tag, `${readOnly ? 'EXAMINE' : 'SELECT'} completed`, readOnly ? ['READ-ONLY'] : ['READ-WRITE']);
}

/** RFC 3501 §6.4.2 (CLOSE expunges silently unless read-only), RFC 3691 (UNSELECT). */
export async function close(ctx: SessionContext, cmd: CommandOf<'CLOSE' | 'UNSELECT'>, state: Selected): Promise<void> {
  const sel = state.selected;
  if (cmd.command === 'CLOSE' && !sel.readOnly) await expungeDeleted(ctx, state, null, false);
  ctx.deselect();
  ctx.ok(cmd.tag, `${cmd.command} completed`);
}
