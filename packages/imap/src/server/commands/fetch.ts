import {
  atom,
  compactSequenceSet,
  fetchResponse,
  raw,
  resolveSequenceSet,
  untagged,
  type CommandOf,
  type ImapValue,
} from '../../protocol/index.ts';
import { renderItem, type FetchRow } from '../fetch-render.ts';
import { parsedFlags } from '../folder-index.ts';
import { messageView, readBody, type MessageView } from '../message.ts';
import { isStructureItem } from '../wire-forms.ts';
import type { SelectedFolder } from '../selected.ts';
import type { Selected } from '../state.ts';
import type { SessionContext } from './context.ts';
import { targetsOrBad } from './targets.ts';
import { vanishedSince } from '../vanished.ts';

/** RFC 3501 §6.4.5 (CHANGEDSINCE: RFC 7162 §3.1.4). Reading a body sets `\Seen` unless PEEK or read-only. */
export async function fetch(ctx: SessionContext, cmd: CommandOf<'FETCH'>, state: Selected): Promise<void> {
  const sel = state.selected;
  const mark = sel.index.mark;
  let wrote = false;
  // RFC 7162 §3.2.6: VANISHED is for UID FETCH once QRESYNC is enabled.
  if (cmd.args.vanished && (!cmd.uid || !ctx.enabled.has('QRESYNC')))
    return ctx.bad(cmd.tag, 'VANISHED needs UID FETCH and ENABLE QRESYNC');
  const targets = targetsOrBad(ctx, cmd.tag, sel, cmd.args.set, cmd.uid);
  if (!targets) return;
  if (cmd.args.vanished && cmd.args.changedSince !== null) {
    const within = resolveSequenceSet(cmd.args.set, Math.max(sel.uidNext - 1, 1));
    const vanished = await vanishedSince(sel, Number(cmd.args.changedSince), within);
    if (vanished.length > 0) ctx.write(untagged(atom('VANISHED'), raw('(EARLIER)'), raw(compactSequenceSet(vanished))));
  }
  const condstore = ctx.enabled.has('CONDSTORE');
  const items = [...cmd.args.items];
  if (cmd.uid && !items.some((i) => i.item === 'UID')) items.unshift({ item: 'UID' });
  if ((condstore || cmd.args.changedSince !== null) && !items.some((i) => i.item === 'MODSEQ')) items.push({ item: 'MODSEQ' });
  const fromRow = ['UID', 'FLAGS', 'MODSEQ', 'INTERNALDATE', 'RFC822.SIZE', 'EMAILID', 'THREADID', 'SAVEDATE'];
  const forms = ctx.shared.wireForms;
  const structureItems = items.flatMap((i) => (isStructureItem(i.item) ? [i.item] : []));
  // ENVELOPE, BODY and BODYSTRUCTURE come from memory or the stored structure: the body is read for other items only.
  const needsBody = (row: FetchRow) =>
    items.some((i) => !fromRow.includes(i.item) && !(isStructureItem(i.item) && (row.structure || forms.has(i.item, row.blob_hash))));
  const marksSeen =
    !sel.readOnly &&
    items.some((i) => ((i.item === 'BODY[]' || i.item === 'BINARY[]') && !i.peek) || i.item === 'RFC822' || i.item === 'RFC822.TEXT');
  const uids = targets.map((t) => t.uid);
  // The shared index, brought up to date first unless the change notices vouch for it (then the
  // FETCH sends no statement at all). A FETCH that sets \Seen on a message without it writes:
  // it reads the rows it changes from the store. One that only reads shows the index's flags and
  // the rows the index keeps.
  const idx = sel.index;
  if (!idx.trusted()) await idx.ensureFresh();
  const writes = marksSeen && uids.some((uid) => !parsedFlags(idx.flagsOf(uid) ?? '').includes('\\Seen'));
  const rows = writes
    ? await storeRowsOf(sel, uids)
    : await indexRowsOf(
        sel,
        uids,
        items.every((i) => INDEX_ONLY.has(i.item)),
      );
  // The stored structure is read only for messages whose encoded forms are not in memory.
  const unknown =
    structureItems.length === 0
      ? []
      : [...rows.values()].filter((r) => r.structure === undefined && !structureItems.every((item) => forms.has(item, r.blob_hash)));
  if (unknown.length > 0) {
    const structures = await sel.folder.structures(unknown.map((r) => Number(r.uid)));
    for (const r of unknown) r.structure = structures.get(Number(r.uid)) ?? null;
  }
  const changedSince = cmd.args.changedSince === null ? null : Number(cmd.args.changedSince);
  for (const t of targets) {
    const row = rows.get(t.uid);
    if (!row) continue; // expunged by another session; announced later
    if (changedSince !== null && Number(row.modseq) <= changedSince) continue;
    let flags: readonly string[] = parsedFlags(row.flags);
    let modseq = Number(row.modseq);
    if (marksSeen && !flags.includes('\\Seen')) {
      flags = [...flags, '\\Seen'];
      const set = flags;
      modseq = (await sel.folder.groupTransaction((folder) => folder.setFlags([t.uid], set))).modseq;
      wrote = true;
      sel.noteFlags(t.uid, modseq);
      ctx.shared.folderChanged(sel.folder);
      if (!items.some((i) => i.item === 'FLAGS')) items.push({ item: 'FLAGS' });
    }
    const view: MessageView | undefined = needsBody(row)
      ? messageView(await readBody(ctx.shared.blobs, row.blob_hash, Number(row.size)))
      : undefined;
    if (items.some((i) => i.item === 'FLAGS')) ctx.showingFlags(flags);
    const out: [string, ImapValue][] = [];
    const shown = sel.isRecent(t.uid) ? [...flags, '\\Recent'] : flags;
    for (const item of items) out.push(...renderItem(item, row, shown, modseq, view, forms));
    ctx.write(fetchResponse(t.seq, out));
  }
  await ctx.pushUpdates(cmd.uid, false, wrote ? undefined : mark);
  ctx.ok(cmd.tag, `${cmd.uid ? 'UID ' : ''}FETCH completed`);
}

/** Items the shared index answers by itself, without the message's row. */
const INDEX_ONLY = new Set(['UID', 'FLAGS', 'MODSEQ']);

/**
 * The rows of the messages from the shared index: flags and MODSEQ its own, the rest what it
 * keeps of each message (`indexOnly`: not even that, the items need none). A UID the index no
 * longer has (expunged elsewhere, not yet announced here) gets no row.
 */
async function indexRowsOf(sel: SelectedFolder, uids: number[], indexOnly: boolean): Promise<Map<number, FetchRow>> {
  const idx = sel.index;
  const stored = indexOnly ? undefined : await idx.storedRows(uids);
  const map = new Map<number, FetchRow>();
  for (const uid of uids) {
    const p = idx.position(uid);
    if (p < 0) continue;
    const kept = stored ? stored.get(uid) : { uid };
    if (!kept) continue;
    // A copy: FETCH adds the structure to it, which the index does not keep (the wire forms do).
    map.set(uid, { ...kept, flags: idx.flags[p]!, modseq: idx.modseqs[p]! } as FetchRow);
  }
  return map;
}

async function storeRowsOf(sel: SelectedFolder, uids: number[]): Promise<Map<number, FetchRow>> {
  const map = new Map<number, FetchRow>();
  if (uids.length === 0) return map;
  // Scattered UIDs by name, a run of them as one range scan (filtered here).
  const folder = sel.folder;
  const rows =
    uids.length <= 64 || uids.at(-1)! - uids[0]! < 2 * uids.length
      ? await folder.fetchRows(uids, false)
      : await folder.messages({ fromUid: uids[0], toUid: uids.at(-1) });
  if (rows.length === uids.length) {
    for (const r of rows) map.set(Number(r.uid), r);
    return map;
  }
  const wanted = new Set(uids);
  for (const r of rows) if (wanted.has(Number(r.uid))) map.set(Number(r.uid), r);
  return map;
}
