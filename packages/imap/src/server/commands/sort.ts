import { sortResponse, threadResponse, type CommandOf } from '../../protocol/index.ts';
import type { SelectedFolder } from '../selected.ts';
import { sortDataFor, type SortData } from '../sort-data.ts';
import { sortMessages } from '../sort-order.ts';
import type { Selected } from '../state.ts';
import { threadOrderedSubject, threadReferences } from '../threading.ts';
import type { SessionContext } from './context.ts';
import { matchingMessages, refusedCharset, type SearchMatch } from './search.ts';

interface Keyed {
  readonly match: SearchMatch;
  readonly row: { readonly arrival: number; readonly size: number };
  readonly data: SortData;
}

/** The matches with their rows and sort data (messages expunged meanwhile left out). */
async function keyed(ctx: SessionContext, sel: SelectedFolder, found: readonly SearchMatch[]): Promise<Keyed[]> {
  const rows = await sel.folder.messagesByUid(found.map((m) => m.uid));
  const data = await sortDataFor(ctx.shared.blobs, sel.index, rows);
  const rowOf = new Map(rows.map((r) => [Number(r.uid), { arrival: new Date(r.internal_date).getTime(), size: Number(r.size) }]));
  const out: Keyed[] = [];
  for (const match of found) {
    const row = rowOf.get(match.uid);
    const d = data.get(match.uid);
    if (row && d) out.push({ match, row, data: d });
  }
  return out;
}

/** RFC 5256 §2.2: the sent date, or INTERNALDATE when the message has none that can be read. */
const sentOf = (k: Keyed) => k.data.sent ?? k.row.arrival;

/** SORT (RFC 5256 §3): `* SORT` with the matching messages in the order asked. */
export async function sort(ctx: SessionContext, cmd: CommandOf<'SORT'>, state: Selected): Promise<void> {
  const sel = state.selected;
  if (refusedCharset(ctx, cmd.tag, cmd.args.charset)) return;
  const mark = sel.index.mark;
  const messages = (await keyed(ctx, sel, await matchingMessages(ctx, sel, cmd.args.criteria))).map((k) => ({
    seq: k.match.seq,
    id: cmd.uid ? k.match.uid : k.match.seq,
    arrival: k.row.arrival,
    sent: sentOf(k),
    size: k.row.size,
    subject: k.data.subject,
    from: k.data.from,
    to: k.data.to,
    cc: k.data.cc,
  }));
  ctx.write(sortResponse(sortMessages(messages, cmd.args.sort).map((m) => m.id)));
  await ctx.pushUpdates(cmd.uid, false, mark);
  ctx.ok(cmd.tag, `${cmd.uid ? 'UID ' : ''}SORT completed`);
}

/** THREAD (RFC 5256 §3): `* THREAD` with the matching messages' threads. */
export async function thread(ctx: SessionContext, cmd: CommandOf<'THREAD'>, state: Selected): Promise<void> {
  const sel = state.selected;
  if (refusedCharset(ctx, cmd.tag, cmd.args.charset)) return;
  const mark = sel.index.mark;
  const messages = (await keyed(ctx, sel, await matchingMessages(ctx, sel, cmd.args.criteria))).map((k) => ({
    id: cmd.uid ? k.match.uid : k.match.seq,
    seq: k.match.seq,
    sent: sentOf(k),
    subject: k.data.subject,
    replyOrForward: k.data.replyOrForward,
    messageId: k.data.messageId,
    references: k.data.references,
  }));
  const threads = cmd.args.algorithm === 'REFERENCES' ? threadReferences(messages) : threadOrderedSubject(messages);
  ctx.write(threadResponse(threads));
  await ctx.pushUpdates(cmd.uid, false, mark);
  ctx.ok(cmd.tag, `${cmd.uid ? 'UID ' : ''}THREAD completed`);
}
