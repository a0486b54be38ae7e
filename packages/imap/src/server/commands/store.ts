import { normaliseFlags, parseFlags } from '@mss/store';
import { compactSequenceSet, fetchResponse, raw, type CommandOf, type ImapValue } from '../../protocol/index.ts';
import { parsedFlags } from '../folder-index.ts';
import { flagsText } from '../keywords.ts';
import type { Selected } from '../state.ts';
import type { SessionContext } from './context.ts';
import { ImapNo } from './errors.ts';
import { targetsOrBad } from './targets.ts';

/** RFC 3501 §6.4.6 (UNCHANGEDSINCE and MODIFIED: RFC 7162 §3.1.3). `\Recent` cannot be stored. */
export async function storeFlags(ctx: SessionContext, cmd: CommandOf<'STORE'>, state: Selected): Promise<void> {
  const sel = state.selected;
  if (sel.readOnly) throw new ImapNo('Folder is read-only');
  const targets = targetsOrBad(ctx, cmd.tag, sel, cmd.args.set, cmd.uid);
  if (!targets) return;
  const condstore = ctx.enabled.has('CONDSTORE');
  const wanted = cmd.args.flags.filter((f) => f !== '\\Recent');
  const uids = targets.map((t) => t.uid);
  // One read of the targets and one write per resulting flag set, in one transaction; the
  // MODSEQ each write took comes back with it.
  const results = await sel.folder.groupTransaction(async (folder) => {
    const modified: number[] = [];
    const groups = new Map<string, number[]>();
    const out: { seq: number; uid: number; flags: string; modseq: number }[] = [];
    const rows =
      uids.length === 0
        ? []
        : uids.length <= 64
          ? await folder.messagesByUid(uids)
          : await folder.messages({ fromUid: uids[0], toUid: uids.at(-1) });
    const byUid = new Map(rows.map((r) => [Number(r.uid), r]));
    for (const t of targets) {
      const row = byUid.get(t.uid);
      if (!row) continue;
      if (cmd.args.unchangedSince !== null && Number(row.modseq) > Number(cmd.args.unchangedSince)) {
        modified.push(cmd.uid ? t.uid : t.seq);
        continue;
      }
      const current = parsedFlags(row.flags);
      const next =
        cmd.args.operation === 'replace'
          ? wanted
          : cmd.args.operation === 'add'
            ? [...current, ...wanted]
            : current.filter((f) => !wanted.includes(f));
      const key = normaliseFlags(next);
      out.push({ seq: t.seq, uid: t.uid, flags: key, modseq: Number(row.modseq) });
      if (key === row.flags) continue;
      const group = groups.get(key);
      if (group) group.push(t.uid);
      else groups.set(key, [t.uid]);
    }
    const modseqs = new Map<number, number>();
    for (const [key, groupUids] of groups) {
      const { modseq } = await folder.setFlags(groupUids, parseFlags(key));
      for (const u of groupUids) modseqs.set(u, modseq);
    }
    for (const r of out) r.modseq = modseqs.get(r.uid) ?? r.modseq;
    return { out, modified, changed: groups.size > 0 };
  });
  const modified = results.modified;
  for (const r of results.out) {
    sel.noteFlags(r.uid, r.modseq);
    if (!cmd.args.silent || condstore) {
      const items: [string, ImapValue][] = [];
      if (cmd.uid) items.push(['UID', r.uid]);
      if (!cmd.args.silent) {
        ctx.showingFlags(parsedFlags(r.flags));
        items.push(['FLAGS', raw(flagsText(r.flags, sel.isRecent(r.uid)))]);
      }
      if (condstore || cmd.args.unchangedSince !== null) items.push(['MODSEQ', raw(`(${r.modseq})`)]);
      ctx.write(fetchResponse(r.seq, items));
    }
  }
  if (results.changed) ctx.shared.folderChanged(sel.folder);
  await ctx.pushUpdates(cmd.uid);
  if (modified.length > 0) ctx.ok(cmd.tag, 'Conditional STORE failed for some messages', ['MODIFIED', raw(compactSequenceSet(modified))]);
  else ctx.ok(cmd.tag, `${cmd.uid ? 'UID ' : ''}STORE completed`);
}
