import { code, esearchResponse, searchResponse, tagged, type CommandOf, type SearchKey, type SearchReturn } from '../../protocol/index.ts';
import { parsedFlags } from '../folder-index.ts';
import { messageView, readBody } from '../message.ts';
import { CONTENT_KEYS, HEADER_KEYS, ROW_KEYS, SENT_KEYS, matches, type SearchContext } from '../search-eval.ts';
import { sortDataFor } from '../sort-data.ts';
import type { SelectedFolder } from '../selected.ts';
import type { Selected } from '../state.ts';
import type { SessionContext } from './context.ts';

/** RFC 3501 §6.4.4, RFC 5256 §3: what SEARCH, SORT and THREAD accept; BADCHARSET names them. */
export const SEARCH_CHARSETS = ['UTF-8', 'US-ASCII'];

/** One message that matched, in mailbox order. */
export interface SearchMatch {
  readonly seq: number;
  readonly uid: number;
  readonly modseq: number;
}

/** `NO [BADCHARSET (UTF-8 US-ASCII)]` unless the charset is one we read (RFC 3501 §6.4.4). */
export function refusedCharset(ctx: SessionContext, tag: string, charset: string | null): boolean {
  if (charset === null || SEARCH_CHARSETS.includes(charset)) return false;
  ctx.write(tagged(tag, 'NO', `Unsupported charset ${charset.slice(0, 30)}`, code.badCharset(SEARCH_CHARSETS)));
  return true;
}

/** The criteria as text, to see which kinds of keys they use (a MODSEQ value is a bigint). */
function criteriaText(keys: readonly SearchKey[]): string {
  return JSON.stringify(keys, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
}

/**
 * The messages of the selected folder matching every key, in mailbox order. FROM/TO/CC/BCC/
 * SUBJECT come from the folder's cached decoded headers, dates and sizes from the rows, the
 * SENT* dates from the SORT keys (read once per message); only BODY, TEXT and HEADER open the
 * messages each time.
 */
export async function matchingMessages(ctx: SessionContext, sel: SelectedFolder, keys: readonly SearchKey[]): Promise<SearchMatch[]> {
  const criteria = criteriaText(keys);
  const needsContent = CONTENT_KEYS.test(criteria);
  const needsHeaders = HEADER_KEYS.test(criteria);
  const needsRow = needsContent || ROW_KEYS.test(criteria);
  const headers = needsHeaders ? await sel.index.searchHeaders() : undefined;
  const rows = needsRow ? new Map((await sel.folder.messages()).map((r) => [Number(r.uid), r])) : undefined;
  const sortData = rows && SENT_KEYS.test(criteria) ? await sortDataFor(ctx.shared.blobs, sel.index, [...rows.values()]) : undefined;
  const found: SearchMatch[] = [];
  const c: SearchContext = {
    row: undefined,
    uid: 0,
    seq: 0,
    flags: [],
    modseq: 0,
    exists: sel.exists,
    maxUid: sel.maxUid,
    view: undefined,
    headers: undefined,
    now: Date.now(),
    recent: false,
    sortData: undefined,
  };
  const test = () => {
    if (keys.every((k) => matches(k, c))) found.push({ seq: c.seq, uid: c.uid, modseq: c.modseq });
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
    c.recent = sel.isRecent(uid);
    c.row = rows?.get(uid);
    c.headers = headers?.get(uid);
    c.sortData = sortData?.get(uid);
    test();
  });
  const candidateRows = rows ?? new Map((await sel.folder.messagesByUid(candidates.map((x) => x[0]))).map((r) => [Number(r.uid), r]));
  for (const [uid, seq, flags, modseq] of candidates) {
    const row = candidateRows.get(uid);
    if (!row) continue;
    c.uid = uid;
    c.seq = seq;
    c.flags = parsedFlags(flags);
    c.modseq = modseq;
    c.recent = sel.isRecent(uid);
    c.row = row;
    c.headers = headers?.get(uid);
    c.sortData = sortData?.get(uid);
    c.view = messageView(await readBody(ctx.shared.blobs, row.blob_hash, Number(row.size)));
    test();
  }
  // Candidates were read after the others: back to mailbox order.
  if (candidates.length > 0) found.sort((a, b) => a.seq - b.seq);
  return found;
}

/** What a SEARCH answers in IMAP4rev2 without RETURN (RFC 9051 §6.4.4: `RETURN (ALL)`). */
export const RETURN_ALL: SearchReturn = { min: false, max: false, all: true, count: false };

/**
 * The untagged answer of a search: `* SEARCH …` (RFC 3501 §7.2.5), or `* ESEARCH …` when the
 * client wrote RETURN (RFC 4731 §3.2) or the session speaks IMAP4rev2 (pass `RETURN_ALL`, RFC
 * 9051 §7.3.4). MODSEQ is added when the criteria used it (RFC 7162 §3.1.5).
 */
export function searchAnswer(
  cmd: { tag: string; uid: boolean },
  found: readonly SearchMatch[],
  usesModseq: boolean,
  returns: SearchReturn | null,
): Buffer {
  const numbers = found.map((m) => (cmd.uid ? m.uid : m.seq));
  if (!returns) return searchResponse(numbers, usesModseq ? Math.max(0, ...found.map((m) => m.modseq)) : null);
  // MIN and MAX alone name two messages: the MODSEQ is theirs, not the whole result's.
  const named = returns.all || returns.count ? found : [found[0], found.at(-1)].filter((m) => m !== undefined);
  const modseq = usesModseq ? named.reduce((max, m) => Math.max(max, m.modseq), 0) : null;
  return esearchResponse({ tag: cmd.tag, uid: cmd.uid, matches: numbers, options: returns, modseq });
}

/** RFC 3501 §6.4.4 (MODSEQ: RFC 7162 §3.1.5; RETURN: RFC 4731). */
export async function search(ctx: SessionContext, cmd: CommandOf<'SEARCH'>, state: Selected): Promise<void> {
  const sel = state.selected;
  if (refusedCharset(ctx, cmd.tag, cmd.args.charset)) return;
  const mark = sel.index.mark;
  const found = await matchingMessages(ctx, sel, cmd.args.criteria);
  const returns = cmd.args.return ?? (ctx.enabled.has('IMAP4REV2') ? RETURN_ALL : null);
  ctx.write(searchAnswer(cmd, found, criteriaText(cmd.args.criteria).includes('"MODSEQ"'), returns));
  await ctx.pushUpdates(cmd.uid, false, mark);
  ctx.ok(cmd.tag, `${cmd.uid ? 'UID ' : ''}SEARCH completed`);
}
