// RFC 8621 §4: Email/get, Email/query, Email/changes, Email/queryChanges. An Email is the
// messages of one account that share an EMAILID (RFC 8474, the SHA-256 of their bytes): one row
// per folder it is in, `mailboxIds` naming those folders.

import type { SearchHeaderValues, StoredEnvelope } from '@mss/mime';
import { mailboxObjectId, parseStructure } from '@mss/store';
import { MAIL } from '../capabilities.ts';
import type { AccountEmail, AccountView } from '../email-index.ts';
import { decodeState } from '../email-index.ts';
import { MethodError, invalidArguments } from '../errors.ts';
import {
  DEFAULT_BODY_PROPERTIES,
  DEFAULT_EMAIL_PROPERTIES,
  ParsedEmail,
  checkEmailProperties,
  envelopeProperty,
  envelopeSuffices,
  latestRow,
  metadataOf,
  needsBytes,
  receivedAtOf,
  threadIdOf,
} from '../email-view.ts';
import { hasKeyword } from '../keywords.ts';
import {
  checkGetLimit,
  findAccount,
  onlyArguments,
  optionalBoolean,
  optionalIds,
  optionalInt,
  optionalStrings,
  resolveId,
  type MethodContext,
  type MethodTable,
} from './context.ts';

async function get(ctx: MethodContext, args: Record<string, unknown>) {
  onlyArguments(args, [
    'accountId',
    'ids',
    'properties',
    'bodyProperties',
    'fetchTextBodyValues',
    'fetchHTMLBodyValues',
    'fetchAllBodyValues',
    'maxBodyValueBytes',
  ]);
  const account = await findAccount(ctx, args.accountId);
  const ids = optionalIds(args, 'ids');
  if (ids === null) throw new MethodError('requestTooLarge', 'Email/get needs ids: an account may hold too many Emails to return them all');
  checkGetLimit(ctx, ids);
  const properties = optionalStrings(args, 'properties') ?? DEFAULT_EMAIL_PROPERTIES;
  const bodyProperties = optionalStrings(args, 'bodyProperties') ?? DEFAULT_BODY_PROPERTIES;
  checkEmailProperties(properties, bodyProperties);
  const opts = {
    bodyProperties,
    fetchTextBodyValues: optionalBoolean(args, 'fetchTextBodyValues', false),
    fetchHTMLBodyValues: optionalBoolean(args, 'fetchHTMLBodyValues', false),
    fetchAllBodyValues: optionalBoolean(args, 'fetchAllBodyValues', false),
    maxBodyValueBytes: optionalInt(args, 'maxBodyValueBytes', 0),
  };
  const view = await ctx.shared.indexes.view(account.scope);
  const bytes = needsBytes(properties);
  // A message list's properties come from the stored envelopes, one query per folder, no blob read.
  const envelopes =
    bytes && envelopeSuffices(properties)
      ? await storedEnvelopes(
          view,
          ids.map((i) => resolveId(ctx, i)),
        )
      : undefined;
  const list: Record<string, unknown>[] = [];
  const notFound: string[] = [];
  for (const rawId of ids) {
    const id = resolveId(ctx, rawId);
    const email = view.emails.get(id);
    if (!email) {
      notFound.push(rawId);
      continue;
    }
    const meta = metadataOf(email);
    const envelope = envelopes?.get(id);
    const parsed = bytes && !envelope ? new ParsedEmail(await ctx.shared.blobs.get(email.hash), email.hash) : undefined;
    const out: Record<string, unknown> = { id };
    for (const p of properties) out[p] = p in meta ? meta[p] : envelope ? envelopeProperty(envelope, p) : parsed?.property(p, opts);
    list.push(out);
  }
  return { accountId: account.id, state: view.emailState, list, notFound };
}

/** The stored envelope of each Email (from its first copy's row); an Email whose row has none is left out (its bytes are read). */
async function storedEnvelopes(view: AccountView, ids: string[]): Promise<Map<string, StoredEnvelope>> {
  const byFolder = new Map<number, { uid: number; id: string }[]>();
  for (const id of ids) {
    const r = view.emails.get(id)?.rows[0];
    if (!r) continue;
    const list = byFolder.get(r.folderId) ?? [];
    list.push({ uid: r.uid, id });
    byFolder.set(r.folderId, list);
  }
  const out = new Map<string, StoredEnvelope>();
  for (const [folderId, rows] of byFolder) {
    const folder = view.folders.find((f) => f.index.folderId === folderId)!;
    const structures = await folder.handle.structures(rows.map((r) => r.uid));
    for (const r of rows) {
      const json = structures.get(r.uid);
      if (json) out.set(r.id, parseStructure(json).envelope);
    }
  }
  return out;
}

// --- query ---------------------------------------------------------------------------------

type Test = (e: AccountEmail) => boolean;

interface QueryData {
  view: AccountView;
  /** Search values of the folders' rows, loaded only when a text filter or sort needs them. */
  search: Map<number, Map<number, SearchHeaderValues>> | undefined;
}

const TEXT_FIELDS = ['from', 'to', 'cc', 'bcc', 'subject'] as const;

function condition(data: QueryData, f: Record<string, unknown>): Test {
  if (typeof f.operator === 'string') {
    if (!Array.isArray(f.conditions)) throw invalidArguments('a FilterOperator needs a conditions array');
    const tests = f.conditions.map((c) => {
      if (typeof c !== 'object' || c === null) throw invalidArguments('each condition must be an object');
      return condition(data, c as Record<string, unknown>);
    });
    if (f.operator === 'AND') return (e) => tests.every((t) => t(e));
    if (f.operator === 'OR') return (e) => tests.some((t) => t(e));
    if (f.operator === 'NOT') return (e) => !tests.some((t) => t(e));
    throw invalidArguments(`unknown filter operator ${f.operator}`);
  }
  const tests: Test[] = [];
  for (const [k, v] of Object.entries(f)) {
    switch (k) {
      case 'inMailbox':
        if (typeof v !== 'string') throw invalidArguments('inMailbox must be an Id');
        tests.push((e) => e.rows.some((r) => mailboxObjectId(r.folderId) === v));
        break;
      case 'inMailboxOtherThan': {
        if (!Array.isArray(v)) throw invalidArguments('inMailboxOtherThan must be an array of Ids');
        const set = new Set(v);
        tests.push((e) => e.rows.some((r) => !set.has(mailboxObjectId(r.folderId))));
        break;
      }
      case 'before':
      case 'after': {
        const t = typeof v === 'string' ? Date.parse(v) : Number.NaN;
        if (Number.isNaN(t)) throw invalidArguments(`${k} must be a UTCDate`);
        tests.push(k === 'before' ? (e) => Date.parse(receivedAtOf(e)) < t : (e) => Date.parse(receivedAtOf(e)) >= t);
        break;
      }
      case 'minSize':
      case 'maxSize': {
        if (typeof v !== 'number') throw invalidArguments(`${k} must be a number`);
        tests.push(k === 'minSize' ? (e) => e.rows[0]!.size >= v : (e) => e.rows[0]!.size < v);
        break;
      }
      case 'hasKeyword':
      case 'allInThreadHaveKeyword':
      case 'someInThreadHaveKeyword':
        // Each Email is its own Thread: "all/some in thread" is the Email itself.
        if (typeof v !== 'string') throw invalidArguments(`${k} must be a keyword`);
        tests.push((e) => hasKeyword(latestRow(e).flags, v));
        break;
      case 'notKeyword':
      case 'noneInThreadHaveKeyword':
        if (typeof v !== 'string') throw invalidArguments(`${k} must be a keyword`);
        tests.push((e) => !hasKeyword(latestRow(e).flags, v));
        break;
      case 'text':
      case 'from':
      case 'to':
      case 'cc':
      case 'bcc':
      case 'subject': {
        if (typeof v !== 'string') throw invalidArguments(`${k} must be a string`);
        const needle = v.toLowerCase();
        const fields = k === 'text' ? TEXT_FIELDS : [k];
        tests.push((e) => {
          const r = e.rows[0]!;
          const values = data.search?.get(r.folderId)?.get(r.uid);
          return fields.some((field) => (values?.[field] ?? []).some((x) => x.toLowerCase().includes(needle)));
        });
        break;
      }
      default:
        throw new MethodError('unsupportedFilter', `cannot filter Emails by ${k}`);
    }
  }
  return (e) => tests.every((t) => t(e));
}

function needsSearch(f: unknown): boolean {
  if (typeof f !== 'object' || f === null) return false;
  const o = f as Record<string, unknown>;
  if (Array.isArray(o.conditions)) return o.conditions.some(needsSearch);
  return ['text', 'from', 'to', 'cc', 'bcc', 'subject'].some((k) => k in o);
}

type Comparator = { property: string; isAscending: boolean };

function comparators(sort: unknown): Comparator[] {
  if (sort === undefined || sort === null) return [{ property: 'receivedAt', isAscending: false }];
  if (!Array.isArray(sort)) throw invalidArguments('sort must be an array of Comparators');
  return sort.map((c) => {
    const o = c as Record<string, unknown>;
    if (typeof o !== 'object' || o === null || typeof o.property !== 'string') throw invalidArguments('a Comparator needs a property');
    if (!['receivedAt', 'size', 'from', 'to', 'subject'].includes(o.property)) {
      throw new MethodError('unsupportedSort', `cannot sort Emails by ${o.property}`);
    }
    return { property: o.property, isAscending: o.isAscending !== false };
  });
}

function sortKey(data: QueryData, e: AccountEmail, property: string): string | number {
  if (property === 'receivedAt') return receivedAtOf(e);
  if (property === 'size') return e.rows[0]!.size;
  const r = e.rows[0]!;
  const values = data.search?.get(r.folderId)?.get(r.uid);
  return (values?.[property as 'from']?.[0] ?? '').toLowerCase();
}

/** The ids matching a query, sorted (ties by id, so that the order is stable between calls). */
async function matching(view: AccountView, filter: unknown, sort: unknown): Promise<string[]> {
  const order = comparators(sort);
  const data: QueryData = { view, search: undefined };
  if (needsSearch(filter) || order.some((c) => ['from', 'to', 'subject'].includes(c.property))) {
    data.search = new Map();
    for (const f of view.folders) data.search.set(f.index.folderId, await f.index.searchValues(f.handle));
  }
  if (filter !== undefined && filter !== null && (typeof filter !== 'object' || Array.isArray(filter))) {
    throw invalidArguments('filter must be a FilterCondition or FilterOperator');
  }
  const test = filter ? condition(data, filter as Record<string, unknown>) : () => true;
  const emails = [...view.emails.values()].filter(test);
  const keys = new Map(emails.map((e) => [e.id, order.map((c) => sortKey(data, e, c.property))]));
  emails.sort((a, b) => {
    const ka = keys.get(a.id)!;
    const kb = keys.get(b.id)!;
    for (let i = 0; i < order.length; i++) {
      if (ka[i]! < kb[i]!) return order[i]!.isAscending ? -1 : 1;
      if (ka[i]! > kb[i]!) return order[i]!.isAscending ? 1 : -1;
    }
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  return emails.map((e) => e.id);
}

async function query(ctx: MethodContext, args: Record<string, unknown>) {
  onlyArguments(args, ['accountId', 'filter', 'sort', 'position', 'anchor', 'anchorOffset', 'limit', 'calculateTotal', 'collapseThreads']);
  const account = await findAccount(ctx, args.accountId);
  const view = await ctx.shared.indexes.view(account.scope);
  const ids = await matching(view, args.filter, args.sort);
  let position = 0;
  if (typeof args.anchor === 'string') {
    const at = ids.indexOf(args.anchor);
    if (at < 0) throw new MethodError('anchorNotFound', 'the anchor is not in the results');
    position = Math.max(0, at + (typeof args.anchorOffset === 'number' ? args.anchorOffset : 0));
  } else {
    const p = args.position === undefined || args.position === null ? 0 : args.position;
    if (typeof p !== 'number' || !Number.isSafeInteger(p)) throw invalidArguments('position must be an integer');
    position = p < 0 ? Math.max(0, ids.length + p) : Math.min(p, ids.length);
  }
  const limit = args.limit === undefined || args.limit === null ? undefined : optionalInt(args, 'limit', 0);
  // Our own cap (RFC 8620 §5.5 lets the server return fewer): one page of maxObjectsInGet.
  const cap = Math.min(limit ?? ctx.limits.maxObjectsInGet, ctx.limits.maxObjectsInGet);
  return {
    accountId: account.id,
    queryState: view.emailState,
    canCalculateChanges: false,
    position,
    ids: ids.slice(position, position + cap),
    ...(args.calculateTotal === true ? { total: ids.length } : {}),
    ...(limit !== undefined && limit > cap ? { limit: cap } : {}),
  };
}

/** RFC 8620 §5.6: we do not keep query results, so the client queries again. */
async function queryChanges(ctx: MethodContext, args: Record<string, unknown>): Promise<never> {
  await findAccount(ctx, args.accountId);
  throw new MethodError('cannotCalculateChanges', 'query results are not kept: run Email/query again');
}

/**
 * RFC 8620 §5.2 from the per-folder tuples (folder, HIGHESTMODSEQ, UIDNEXT) of the old state:
 * rows changed since the old MODSEQ, rows new since the old UIDNEXT, rows expunged since —
 * each Email touched is created (no copy existed then), updated, or destroyed (no copy left).
 */
async function changes(ctx: MethodContext, args: Record<string, unknown>) {
  onlyArguments(args, ['accountId', 'sinceState', 'maxChanges']);
  const account = await findAccount(ctx, args.accountId);
  if (typeof args.sinceState !== 'string') throw invalidArguments('sinceState must be a string');
  const maxChanges = optionalInt(args, 'maxChanges', 0, 1);
  const old = decodeState(args.sinceState);
  if (!old) throw new MethodError('cannotCalculateChanges', 'sinceState is not a state this server gave');
  const view = await ctx.shared.indexes.view(account.scope);
  const before = new Map(old.map((t) => [Number(t[0]), { modseq: Number(t[1]), uidnext: Number(t[2]) }]));
  for (const id of before.keys()) {
    if (!view.folders.some((f) => f.index.folderId === id)) {
      throw new MethodError('cannotCalculateChanges', 'a Mailbox of that state has been destroyed since: fetch the Emails again');
    }
  }
  const touched = new Set<string>();
  /** Emails with a row that existed at the old state and is still there. */
  const existedBefore = new Set<string>();
  for (const f of view.folders) {
    const was = before.get(f.index.folderId);
    const since = was?.modseq ?? 0;
    const oldNext = was?.uidnext ?? 0;
    for (const r of f.index.rows.values()) {
      if (r.uid < oldNext) existedBefore.add(r.emailId);
      if (r.modseq > since) touched.add(r.emailId);
    }
    if (was) {
      const gone = f.index.goneSince(was.modseq);
      if (!gone) throw new MethodError('cannotCalculateChanges', 'the server no longer has the changes since that state');
      for (const id of gone) {
        touched.add(id);
        existedBefore.add(id);
      }
    }
  }
  const created: string[] = [];
  const updated: string[] = [];
  const destroyed: string[] = [];
  for (const id of [...touched].sort()) {
    const now = view.emails.has(id);
    if (now && !existedBefore.has(id)) created.push(id);
    else if (now) updated.push(id);
    else if (existedBefore.has(id)) destroyed.push(id);
  }
  if (maxChanges > 0 && created.length + updated.length + destroyed.length > maxChanges) {
    // The changes of one MODSEQ range cannot be cut at an intermediate state we could name.
    throw new MethodError('cannotCalculateChanges', `more than maxChanges (${maxChanges}) changes: fetch the Emails again`);
  }
  return {
    accountId: account.id,
    oldState: args.sinceState,
    newState: view.emailState,
    hasMoreChanges: false,
    created,
    updated,
    destroyed,
  };
}

/** RFC 8621 §3: each Email is its own Thread (docs/choices.md). */
async function threadGet(ctx: MethodContext, args: Record<string, unknown>) {
  onlyArguments(args, ['accountId', 'ids', 'properties']);
  const account = await findAccount(ctx, args.accountId);
  const ids = optionalIds(args, 'ids');
  if (ids === null) throw new MethodError('requestTooLarge', 'Thread/get needs ids');
  checkGetLimit(ctx, ids);
  const view = await ctx.shared.indexes.view(account.scope);
  const list: Record<string, unknown>[] = [];
  const notFound: string[] = [];
  for (const id of ids) {
    const email = id.startsWith('T') ? view.emails.get(`M${id.slice(1)}`) : undefined;
    if (email && threadIdOf(email) === id) list.push({ id, emailIds: [email.id] });
    else notFound.push(id);
  }
  return { accountId: account.id, state: view.emailState, list, notFound };
}

async function threadChanges(ctx: MethodContext, args: Record<string, unknown>) {
  const r = await changes(ctx, args);
  const t = (ids: string[]) => ids.map((id) => `T${id.slice(1)}`);
  return { ...r, created: t(r.created), updated: t(r.updated), destroyed: t(r.destroyed) };
}

export const emailMethods: MethodTable = {
  'Email/get': { capability: MAIL, call: get },
  'Email/query': { capability: MAIL, call: query },
  'Email/changes': { capability: MAIL, call: changes },
  'Email/queryChanges': { capability: MAIL, call: queryChanges },
  'Thread/get': { capability: MAIL, call: threadGet },
  'Thread/changes': { capability: MAIL, call: threadChanges },
};
