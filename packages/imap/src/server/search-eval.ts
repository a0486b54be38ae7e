import { addressesForSearch, parseMessageDate } from '@mss/mime';
import { emailObjectId, newThreadId, type MessageRow } from '@mss/store';
import { resolveSequenceSet, type CalendarDate, type SearchKey } from '../protocol/index.ts';
import type { SearchHeaderKey, SearchHeaders } from './folder-index.ts';
import type { MessageView } from './message.ts';
import type { SortData } from './sort-data.ts';

/** What a search key may look at for one message; the search fills only what its keys need. */
export interface SearchContext {
  /** Read only when a key needs it (dates, sizes). */
  row: MessageRow | undefined;
  uid: number;
  seq: number;
  flags: readonly string[];
  modseq: number;
  exists: number;
  maxUid: number;
  view: MessageView | undefined;
  headers: SearchHeaders | undefined;
  /** When the command began (ms): OLDER and YOUNGER count back from it (RFC 5032). */
  now: number;
  /** `\Recent` in this session (RFC 3501 §2.3.2). */
  recent: boolean;
  /** What SORT keeps of the message (its Date field's day): SENT* keys need not open it. */
  sortData: SortData | undefined;
}

/** The keys that need the message itself (its headers or body), not only the folder's caches. */
export const CONTENT_KEYS = /"key":"(BODY|TEXT|HEADER)"/;
/** The keys answered from the Date field, kept with the SORT keys (sort-data.ts). */
export const SENT_KEYS = /"key":"(SENTBEFORE|SENTON|SENTSINCE)"/;
/** The keys answered from the folder's cached decoded headers. */
export const HEADER_KEYS = /"key":"(BCC|CC|FROM|SUBJECT|TO)"/;
/** The keys that need the message's row (dates, size). */
export const ROW_KEYS =
  /"key":"(BEFORE|ON|SINCE|LARGER|SMALLER|OLDER|YOUNGER|SENTBEFORE|SENTON|SENTSINCE|SAVEDBEFORE|SAVEDON|SAVEDSINCE|EMAILID|THREADID)"/;

// A needle lower-cased once per command, not once per message.
const loweredNeedles = new WeakMap<object, string>();
function lowered(k: { value: string }): string {
  let v = loweredNeedles.get(k);
  if (v === undefined) {
    v = k.value.toLowerCase();
    loweredNeedles.set(k, v);
  }
  return v;
}

// A search key's set resolved once per command, not once per message.
const resolvedSets = new WeakMap<object, { max: number; set: ReturnType<typeof resolveSequenceSet> }>();
function resolvedOnce(k: Extract<SearchKey, { key: 'UID' | 'SEQUENCE' }>, max: number) {
  const hit = resolvedSets.get(k);
  if (hit && hit.max === max) return hit.set;
  const set = resolveSequenceSet(k.set, max);
  resolvedSets.set(k, { max, set });
  return set;
}

function dayOf(iso: string | Date): string {
  return (typeof iso === 'string' ? new Date(iso) : iso).toISOString().slice(0, 10);
}

/**
 * The day of the `Date:` field as written, in its own zone (RFC 3501 §6.4.4: `Date: Mon, 26 Mar
 * 2007 00:00:00 +0300` is SENTON 26-Mar-2007); a message without a readable one is taken as
 * sent on its INTERNALDATE's day, as RFC 5256 §2.2 does for sorting.
 */
function sentDay(c: SearchContext): string {
  if (c.sortData) return c.sortData.sentDay ?? dayOf(c.row!.internal_date);
  const field = c.view?.headerValues('Date')[0];
  const d = field === undefined ? null : parseMessageDate(field);
  return d ? calendar(d) : dayOf(c.row!.internal_date);
}

export function calendar(d: CalendarDate): string {
  return `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

function contains(haystack: string, needle: string): boolean {
  return haystack.toLowerCase().includes(needle.toLowerCase());
}

/** RFC 3501 §6.4.4: whether one message matches one search key. */
export function matches(k: SearchKey, c: SearchContext): boolean {
  const has = (f: string) => c.flags.includes(f);
  switch (k.key) {
    case 'ALL':
      return true;
    case 'ANSWERED':
      return has('\\Answered');
    case 'DELETED':
      return has('\\Deleted');
    case 'DRAFT':
      return has('\\Draft');
    case 'FLAGGED':
      return has('\\Flagged');
    case 'SEEN':
      return has('\\Seen');
    case 'UNANSWERED':
      return !has('\\Answered');
    case 'UNDELETED':
      return !has('\\Deleted');
    case 'UNDRAFT':
      return !has('\\Draft');
    case 'UNFLAGGED':
      return !has('\\Flagged');
    case 'UNSEEN':
      return !has('\\Seen');
    case 'RECENT':
      return c.recent;
    case 'NEW':
      return c.recent && !has('\\Seen');
    case 'OLD':
      return !c.recent;
    case 'KEYWORD':
      return has(k.flag);
    case 'UNKEYWORD':
      return !has(k.flag);
    case 'BEFORE':
      return dayOf(c.row!.internal_date) < calendar(k.date);
    case 'ON':
      return dayOf(c.row!.internal_date) === calendar(k.date);
    case 'SINCE':
      return dayOf(c.row!.internal_date) >= calendar(k.date);
    case 'SENTBEFORE':
    case 'SENTON':
    case 'SENTSINCE': {
      const d = sentDay(c);
      const ref = calendar(k.date);
      return k.key === 'SENTBEFORE' ? d < ref : k.key === 'SENTON' ? d === ref : d >= ref;
    }
    // RFC 8514 §4.1: the save date's day; a row without one falls back on its INTERNALDATE.
    case 'SAVEDBEFORE':
    case 'SAVEDON':
    case 'SAVEDSINCE': {
      const d = dayOf(c.row!.saved_at ?? c.row!.internal_date);
      const ref = calendar(k.date);
      return k.key === 'SAVEDBEFORE' ? d < ref : k.key === 'SAVEDON' ? d === ref : d >= ref;
    }
    case 'SAVEDATESUPPORTED':
      return true;
    // RFC 8474 §6.
    case 'EMAILID':
      return emailObjectId(c.row!.blob_hash) === k.id;
    case 'THREADID':
      return (c.row!.thread_id ?? newThreadId(c.row!.blob_hash)) === k.id;
    // RFC 5032 §3: OLDER and YOUNGER are each other's complement.
    case 'OLDER':
      return new Date(c.row!.internal_date).getTime() < c.now - k.seconds * 1000;
    case 'YOUNGER':
      return new Date(c.row!.internal_date).getTime() >= c.now - k.seconds * 1000;
    case 'LARGER':
      return Number(c.row!.size) > k.size;
    case 'SMALLER':
      return Number(c.row!.size) < k.size;
    case 'UID':
      return resolvedOnce(k, c.maxUid).has(c.uid);
    case 'SEQUENCE':
      return resolvedOnce(k, c.exists).has(c.seq);
    case 'MODSEQ':
      return c.modseq >= Number(k.modseq);
    case 'NOT':
      return !matches(k.operand, c);
    case 'OR':
      return matches(k.left, c) || matches(k.right, c);
    case 'AND':
      return k.keys.every((x) => matches(x, c));
    case 'HEADER':
      return (
        c.view!.headerValues(k.field).some((v) => contains(v, k.value)) || (k.value === '' && c.view!.headerValues(k.field).length > 0)
      );
    case 'FROM':
    case 'TO':
    case 'CC':
    case 'BCC':
    case 'SUBJECT': {
      const values = c.headers?.[k.key.toLowerCase() as SearchHeaderKey];
      if (c.headers) return values !== null && values !== undefined && values.includes(lowered(k));
      const fields = c.view!.headerValues(k.key);
      // Addresses are matched with their comments taken out too, as searchHeadersFromStored does.
      const all = k.key === 'SUBJECT' ? fields : [...fields, ...fields.flatMap(addressesForSearch)];
      return all.some((v) => contains(v, k.value));
    }
    case 'BODY':
      return contains(c.view!.bodyText(), k.value);
    case 'TEXT':
      return contains(c.view!.headerText(), k.value) || contains(c.view!.bodyText(), k.value);
  }
}
