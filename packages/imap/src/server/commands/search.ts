import { code, tagged, type CommandOf } from '../../protocol/index.ts';
import { parsedFlags } from '../folder-index.ts';
import { messageView, readBody } from '../message.ts';
import { CONTENT_KEYS, HEADER_KEYS, ROW_KEYS, matches, type SearchContext } from '../search-eval.ts';
import type { Selected } from '../state.ts';
import type { SessionContext } from './context.ts';

const CHARSETS = ['UTF-8', 'US-ASCII'];

/** RFC 3501 §6.4.4 (MODSEQ: RFC 7162 §3.1.5). */
export async function search(ctx: SessionContext, cmd: CommandOf<'SEARCH'>, state: Selected): Promise<void> {
  const sel = state.selected;
  const store = ctx.store;
  if (cmd.args.charset && !CHARSETS.includes(cmd.args.charset)) {
    ctx.write(tagged(cmd.tag, 'NO', `Unsupported charset ${cmd.args.charset.slice(0, 30)}`, code.badCharset(CHARSETS)));
    return;
  }
  const mark = sel.index.mark;
  const keys = cmd.args.criteria;
  const criteria = JSON.stringify(keys);
  const needsContent = CONTENT_KEYS.test(criteria);
  const needsHeaders = HEADER_KEYS.test(criteria);
  const needsRow = needsContent || ROW_KEYS.test(criteria);
  // FROM/TO/CC/BCC/SUBJECT from the folder's cached decoded headers; dates and sizes from the
  // rows; only BODY, TEXT, HEADER and the SENT* dates open the messages themselves.
  const headers = needsHeaders ? await sel.index.searchHeaders(store) : undefined;
  const rows = needsRow ? new Map((await store.mail.messages(sel.folderId)).map((r) => [Number(r.uid), r])) : undefined;
  const hits: number[] = [];
  let maxModseq = 0;
  const c: SearchContext = { row: undefined, uid: 0, seq: 0, flags: [], modseq: 0, exists: sel.exists, maxUid: sel.maxUid, view: undefined, headers: undefined };
  const test = () => {
    if (keys.every((k) => matches(k, c))) {
      hits.push(cmd.uid ? c.uid : c.seq);
      if (c.modseq > maxModseq) maxModseq = c.modseq;
    }
  };
  const candidates: [number, number, string, number][] = [];
  sel.forEach((uid, seq, flags, modseq) => {
    if (rows && !rows.has(uid)) return; // expunged since the index was read
    // A message whose headers are still being cached is read like any other.
    if (needsContent || (headers && !headers.has(uid))) {
      candidates.push([uid, seq, flags, modseq]);
      return;
    }
    c.uid = uid;
    c.seq = seq;
    c.flags = parsedFlags(flags);
    c.modseq = modseq;
    c.row = rows?.get(uid);
    c.headers = headers?.get(uid);
    test();
  });
  const candidateRows = rows ?? new Map((await store.mail.messagesByUid(sel.folderId, candidates.map((x) => x[0]))).map((r) => [Number(r.uid), r]));
  for (const [uid, seq, flags, modseq] of candidates) {
    const row = candidateRows.get(uid);
    if (!row) continue;
    c.uid = uid;
    c.seq = seq;
    c.flags = parsedFlags(flags);
    c.modseq = modseq;
    c.row = row;
    c.headers = headers?.get(uid);
    c.view = messageView(await readBody(store, row.blob_hash, Number(row.size)));
    test();
  }
  const usesModseq = criteria.includes('"MODSEQ"');
  ctx.write(Buffer.from(`* SEARCH${hits.length ? ` ${hits.join(' ')}` : ''}${usesModseq && hits.length ? ` (MODSEQ ${maxModseq})` : ''}\r\n`, 'latin1'));
  await ctx.pushUpdates(cmd.uid, false, mark);
  ctx.ok(cmd.tag, `${cmd.uid ? 'UID ' : ''}SEARCH completed`);
}
