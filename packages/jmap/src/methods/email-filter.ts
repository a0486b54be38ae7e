// RFC 8621 §4.4.1: an Email/query filter compiled into a test of one Email, on the matching
// IMAP SEARCH uses (case-insensitive substring): From/To/Cc/Bcc/Subject against the store's
// `search_headers` (@mss/mime's `searchHeadersFromStored`, read once per folder), the body
// against @mss/mime's `textForSearch`, a header against `headerValuesForSearch`. Tests that only
// read the folder index run before those that open a message, which is read at most once per Email.

import { headerValuesForSearch, type SearchHeaderKey, type SearchHeaders } from '@mss/mime';
import type { BlobStore } from '@mss/store';
import { mailboxObjectId } from '@mss/store';
import type { AccountEmail, AccountView } from '../email-index.ts';
import { ParsedEmail, latestRow } from '../email-view.ts';
import { MethodError, invalidArguments } from '../errors.ts';
import { hasKeyword } from '../keywords.ts';

/** One Email against one condition: sync when the folder index answers, a promise when the message must be read. */
interface Test {
  /** It opens the message (body, headers beyond the stored ones, attachments). */
  readonly reads: boolean;
  run(e: AccountEmail): boolean | Promise<boolean>;
}

const ADDRESS_AND_SUBJECT: readonly SearchHeaderKey[] = ['from', 'to', 'cc', 'bcc', 'subject'];

/** What a compiled filter reads: the account's view, the stored header values, the bodies. */
export class FilterData {
  readonly view: AccountView;
  private readonly blobs: Pick<BlobStore, 'get'>;
  private headers: Map<number, Map<number, SearchHeaders>> | undefined;
  // The message last opened: every condition on one Email is evaluated before the next Email.
  private last: { id: string; parsed: Promise<ParsedEmail> } | undefined;

  constructor(view: AccountView, blobs: Pick<BlobStore, 'get'>) {
    this.view = view;
    this.blobs = blobs;
  }

  /** Loads the stored header values of the account's folders (before a filter or sort needs them). */
  async loadHeaders(): Promise<void> {
    if (this.headers) return;
    const all = new Map<number, Map<number, SearchHeaders>>();
    for (const f of this.view.folders) all.set(f.index.folderId, await f.index.searchValues(f.handle));
    this.headers = all;
  }

  headersOf(e: AccountEmail): SearchHeaders | undefined {
    const r = e.rows[0]!;
    return this.headers?.get(r.folderId)?.get(r.uid);
  }

  message(e: AccountEmail): Promise<ParsedEmail> {
    if (this.last?.id !== e.id) this.last = { id: e.id, parsed: this.blobs.get(e.hash).then((raw) => new ParsedEmail(raw, e.hash)) };
    return this.last.parsed;
  }
}

/** Whether a filter (or a sort) needs the stored header values. */
export function needsHeaders(filter: unknown): boolean {
  if (typeof filter !== 'object' || filter === null) return false;
  const o = filter as Record<string, unknown>;
  if (Array.isArray(o.conditions)) return o.conditions.some(needsHeaders);
  return ['text', ...ADDRESS_AND_SUBJECT].some((k) => k in o);
}

const KEYWORD_CONDITIONS = ['hasKeyword', 'notKeyword', 'allInThreadHaveKeyword', 'someInThreadHaveKeyword', 'noneInThreadHaveKeyword'];

/** Whether a filter has a keyword condition (its result may change when flags do; no other condition's does). */
export function readsKeywords(filter: unknown): boolean {
  if (typeof filter !== 'object' || filter === null) return false;
  const o = filter as Record<string, unknown>;
  if (Array.isArray(o.conditions) && o.conditions.some(readsKeywords)) return true;
  return KEYWORD_CONDITIONS.some((k) => Object.hasOwn(o, k));
}

function keywordArg(k: string, v: unknown): string {
  if (typeof v !== 'string' || v === '') throw invalidArguments(`${k} must be a keyword`);
  return v;
}

function textArg(k: string, v: unknown): string {
  if (typeof v !== 'string') throw invalidArguments(`${k} must be a string`);
  return v.toLowerCase();
}

function sync(run: (e: AccountEmail) => boolean): Test {
  return { reads: false, run };
}

function reading(data: FilterData, run: (m: ParsedEmail, e: AccountEmail) => boolean): Test {
  return { reads: true, run: (e) => data.message(e).then((m) => run(m, e)) };
}

/** Every test true; the cheap ones first, a message opened only when they all passed. */
function all(tests: Test[]): Test {
  const ordered = [...tests.filter((t) => !t.reads), ...tests.filter((t) => t.reads)];
  if (ordered.length === 1) return ordered[0]!;
  return {
    reads: ordered.some((t) => t.reads),
    run(e) {
      for (let i = 0; i < ordered.length; i++) {
        const r = ordered[i]!.run(e);
        if (r === false) return false;
        if (r !== true) return r.then(async (ok) => ok && (await all(ordered.slice(i + 1)).run(e)));
      }
      return true;
    },
  };
}

/** Some test true; the cheap ones first. */
function some(tests: Test[]): Test {
  const ordered = [...tests.filter((t) => !t.reads), ...tests.filter((t) => t.reads)];
  return {
    reads: ordered.some((t) => t.reads),
    run(e) {
      for (let i = 0; i < ordered.length; i++) {
        const r = ordered[i]!.run(e);
        if (r === true) return true;
        if (r !== false) return r.then(async (ok) => ok || (await some(ordered.slice(i + 1)).run(e)));
      }
      return false;
    },
  };
}

function not(test: Test): Test {
  return {
    reads: test.reads,
    run(e) {
      const r = test.run(e);
      return typeof r === 'boolean' ? !r : r.then((ok) => !ok);
    },
  };
}

function headerHas(data: FilterData, field: SearchHeaderKey, needle: string): Test {
  return sync((e) => data.headersOf(e)?.[field]?.includes(needle) ?? false);
}

/** Compiles a FilterOperator or FilterCondition (RFC 8620 §5.5); unknown properties are unsupportedFilter. */
export function compileFilter(data: FilterData, filter: unknown): Test {
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
    throw invalidArguments('filter must be a FilterCondition or FilterOperator');
  }
  const f = filter as Record<string, unknown>;
  if ('operator' in f) {
    if (!Array.isArray(f.conditions)) throw invalidArguments('a FilterOperator needs a conditions array');
    for (const k of Object.keys(f)) if (k !== 'operator' && k !== 'conditions') throw invalidArguments(`a FilterOperator has no ${k}`);
    const tests = f.conditions.map((c) => compileFilter(data, c));
    if (f.operator === 'AND') return all(tests);
    if (f.operator === 'OR') return some(tests);
    if (f.operator === 'NOT') return not(some(tests));
    throw invalidArguments(`unknown filter operator ${String(f.operator)}`);
  }
  const tests: Test[] = [];
  for (const [k, v] of Object.entries(f)) {
    switch (k) {
      case 'inMailbox': {
        if (typeof v !== 'string') throw invalidArguments('inMailbox must be an Id');
        // The folder named once, then compared by number (an id of no folder of the account finds nothing).
        const folderId = data.view.folders.find((x) => mailboxObjectId(x.index.folderId) === v)?.index.folderId;
        tests.push(sync((e) => e.rows.some((r) => r.folderId === folderId)));
        break;
      }
      case 'inMailboxOtherThan': {
        if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
          throw invalidArguments('inMailboxOtherThan must be an array of Ids');
        const set = new Set(v);
        tests.push(sync((e) => e.rows.some((r) => !set.has(mailboxObjectId(r.folderId)))));
        break;
      }
      case 'before':
      case 'after': {
        const t = typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(v) ? Date.parse(v) : Number.NaN;
        if (Number.isNaN(t)) throw invalidArguments(`${k} must be a UTCDate`);
        tests.push(sync(k === 'before' ? (e) => Date.parse(e.receivedAt) < t : (e) => Date.parse(e.receivedAt) >= t));
        break;
      }
      case 'minSize':
      case 'maxSize': {
        if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw invalidArguments(`${k} must be an UnsignedInt`);
        tests.push(sync(k === 'minSize' ? (e) => e.rows[0]!.size >= v : (e) => e.rows[0]!.size < v));
        break;
      }
      case 'hasKeyword': {
        const kw = keywordArg(k, v);
        tests.push(sync((e) => hasKeyword(latestRow(e).flags, kw)));
        break;
      }
      case 'notKeyword': {
        const kw = keywordArg(k, v);
        tests.push(sync((e) => !hasKeyword(latestRow(e).flags, kw)));
        break;
      }
      // RFC 8621 §4.4.1: over every Email of the Email's thread in the account.
      case 'allInThreadHaveKeyword':
      case 'someInThreadHaveKeyword':
      case 'noneInThreadHaveKeyword': {
        const kw = keywordArg(k, v);
        const has = (x: AccountEmail) => hasKeyword(latestRow(x).flags, kw);
        const thread = (e: AccountEmail) => data.view.threads.get(e.threadId) ?? [e];
        if (k === 'allInThreadHaveKeyword') tests.push(sync((e) => thread(e).every(has)));
        else if (k === 'someInThreadHaveKeyword') tests.push(sync((e) => thread(e).some(has)));
        else tests.push(sync((e) => !thread(e).some(has)));
        break;
      }
      case 'from':
      case 'to':
      case 'cc':
      case 'bcc':
      case 'subject':
        tests.push(headerHas(data, k, textArg(k, v)));
        break;
      case 'text': {
        // The header fields RFC 8621 names, then the body (attached messages included).
        const needle = textArg(k, v);
        tests.push(
          some([
            ...ADDRESS_AND_SUBJECT.map((field) => headerHas(data, field, needle)),
            reading(data, (m) => m.searchText().toLowerCase().includes(needle)),
          ]),
        );
        break;
      }
      case 'body': {
        const needle = textArg(k, v);
        tests.push(reading(data, (m) => m.searchText().toLowerCase().includes(needle)));
        break;
      }
      case 'header': {
        if (!Array.isArray(v) || v.length < 1 || v.length > 2 || !v.every((x) => typeof x === 'string') || v[0] === '') {
          throw invalidArguments('header must be [name] or [name, value]');
        }
        const [name, value] = v as [string, string | undefined];
        const needle = value?.toLowerCase();
        tests.push(
          reading(data, (m) => {
            const values = headerValuesForSearch(m.root, name);
            return needle === undefined ? values.length > 0 : values.some((x) => x.toLowerCase().includes(needle));
          }),
        );
        break;
      }
      case 'hasAttachment':
        if (typeof v !== 'boolean') throw invalidArguments('hasAttachment must be a boolean');
        tests.push(reading(data, (m) => m.hasAttachment() === v));
        break;
      default:
        throw new MethodError('unsupportedFilter', `cannot filter Emails by ${k}`);
    }
  }
  return tests.length === 0 ? sync(() => true) : all(tests);
}

/** The Emails of `emails` a filter keeps, in their order. */
export async function filterEmails(data: FilterData, filter: unknown, emails: Iterable<AccountEmail>): Promise<AccountEmail[]> {
  const test = compileFilter(data, filter);
  const out: AccountEmail[] = [];
  for (const e of emails) {
    const r = test.run(e);
    if (r === true || (r !== false && (await r))) out.push(e);
  }
  return out;
}

/**
 * The words a filter looks for, for SearchSnippet/get (RFC 8621 §5.1): in the subject (`text`,
 * `subject`) and in the body (`text`, `body`), outside NOT operators (what a NOT excludes is not
 * what was found).
 */
export function searchTerms(filter: unknown): { subject: string[]; body: string[] } {
  const out = { subject: [] as string[], body: [] as string[] };
  const walk = (f: unknown) => {
    if (typeof f !== 'object' || f === null) return;
    const o = f as Record<string, unknown>;
    if ('operator' in o) {
      if (o.operator !== 'NOT' && Array.isArray(o.conditions)) o.conditions.forEach(walk);
      return;
    }
    for (const k of ['text', 'subject'] as const) if (typeof o[k] === 'string' && o[k] !== '') out.subject.push(o[k]);
    for (const k of ['text', 'body'] as const) if (typeof o[k] === 'string' && o[k] !== '') out.body.push(o[k]);
  };
  walk(filter);
  return out;
}
