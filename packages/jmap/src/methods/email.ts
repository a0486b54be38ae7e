// RFC 8621 §4: Email/get, Email/query, Email/changes, Email/queryChanges. An Email is the
// messages of one account that share an EMAILID (RFC 8474, the SHA-256 of their bytes): one row
// per folder it is in, `mailboxIds` naming those folders.

import { parseStructure } from '@mss/store';
import { MAIL } from '../capabilities.ts';
import type { AccountEmail, AccountView } from '../email-index.ts';
import { decodeState } from '../email-index.ts';
import { type EmailValues, KEPT_PROPERTIES } from '../email-values.ts';
import { MethodError, invalidArguments } from '../errors.ts';
import {
  DEFAULT_BODY_PROPERTIES,
  DEFAULT_EMAIL_PROPERTIES,
  ParsedEmail,
  checkEmailProperties,
  ENVELOPE_PROPERTIES,
  isMetadata,
  metadataProperty,
} from '../email-view.ts';
import { FilterData, filterEmails, needsHeaders, readsKeywords } from './email-filter.ts';
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
  const fromBytes = properties.filter((p) => !isMetadata(p));
  const emails = ids.map((raw) => ({ raw, email: view.emails.get(resolveId(ctx, raw)) }));
  // What each blob's kept values answer; for the rest, the stored envelope when it suffices, else the bytes.
  const kept = await keptValues(
    ctx,
    view,
    emails.flatMap((e) => e.email ?? []),
    fromBytes,
  );
  const list: Record<string, unknown>[] = [];
  const notFound: string[] = [];
  for (const { raw, email } of emails) {
    if (!email) {
      notFound.push(raw);
      continue;
    }
    const values = kept.get(email.hash);
    let parsed: ParsedEmail | undefined;
    let computed: Record<string, unknown> | undefined;
    const out: Record<string, unknown> = { id: email.id };
    for (const p of properties) {
      if (isMetadata(p)) out[p] = metadataProperty(email, p);
      else if (values && Object.hasOwn(values, p)) out[p] = values[p];
      else {
        parsed ??= new ParsedEmail(await ctx.shared.blobs.get(email.hash), email.hash);
        out[p] = parsed.property(p, opts);
        if (KEPT_PROPERTIES.has(p)) (computed ??= {})[p] = out[p];
      }
    }
    if (computed) ctx.shared.emailValues.add(email.hash, computed);
    list.push(out);
  }
  return { accountId: account.id, state: view.emailState, list, notFound };
}

/**
 * The kept values of each Email's blob (`EmailValuesCache`). An Email that needs no more than its
 * envelope of what is not kept has it decoded from the stored envelope of its first copy's row
 * (one query per folder for all of them) and kept: a message list reads no blob. An Email whose
 * row has no stored envelope is left as it is: its bytes are read.
 */
async function keptValues(
  ctx: MethodContext,
  view: AccountView,
  emails: AccountEmail[],
  properties: string[],
): Promise<Map<string, EmailValues>> {
  const out = new Map<string, EmailValues>();
  if (properties.length === 0) return out;
  const byFolder = new Map<number, { uid: number; email: AccountEmail }[]>();
  for (const email of emails) {
    const values = ctx.shared.emailValues.get(email.hash);
    if (values) out.set(email.hash, values);
    const missing = properties.filter((p) => !values || !Object.hasOwn(values, p));
    if (missing.length === 0 || !missing.every((p) => ENVELOPE_PROPERTIES.has(p))) continue;
    const r = email.rows[0]!;
    const list = byFolder.get(r.folderId) ?? [];
    list.push({ uid: r.uid, email });
    byFolder.set(r.folderId, list);
  }
  for (const [folderId, rows] of byFolder) {
    const folder = view.folders.find((f) => f.index.folderId === folderId)!;
    const structures = await folder.handle.structures(rows.map((r) => r.uid));
    for (const r of rows) {
      const json = structures.get(r.uid);
      if (json) out.set(r.email.hash, ctx.shared.emailValues.addEnvelope(r.email.hash, parseStructure(json).envelope));
    }
  }
  return out;
}

// --- query ---------------------------------------------------------------------------------

type Comparator = { property: string; isAscending: boolean };

/** The sorts of RFC 8621 §4.4.2 we do, as the mail capability announces them (emailQuerySortOptions). */
export const SORTS = ['receivedAt', 'size', 'from', 'to', 'subject'];

function comparators(sort: unknown): Comparator[] {
  if (sort === undefined || sort === null) return [{ property: 'receivedAt', isAscending: false }];
  if (!Array.isArray(sort)) throw invalidArguments('sort must be an array of Comparators');
  return sort.map((c) => {
    const o = c as Record<string, unknown>;
    if (typeof o !== 'object' || o === null || typeof o.property !== 'string') throw invalidArguments('a Comparator needs a property');
    if (!SORTS.includes(o.property)) throw new MethodError('unsupportedSort', `cannot sort Emails by ${o.property}`);
    return { property: o.property, isAscending: o.isAscending !== false };
  });
}

function sortKey(data: FilterData, e: AccountEmail, property: string): string | number {
  if (property === 'receivedAt') return e.receivedAt;
  if (property === 'size') return e.rows[0]!.size;
  // The first value of the field, lower-cased (i;ascii-casemap-like, as IMAP SORT's strings).
  return (data.headersOf(e)?.[property as 'from'] ?? '').split('\0', 1)[0]!;
}

function isNewestFirst(order: Comparator[]): boolean {
  return order.length === 1 && order[0]!.property === 'receivedAt' && !order[0]!.isAscending;
}

/** The Emails matching a query, sorted (ties by id, so that the order is stable between calls). */
async function matching(ctx: MethodContext, view: AccountView, filter: unknown, order: Comparator[]): Promise<readonly AccountEmail[]> {
  const data = new FilterData(view, ctx.shared.blobs);
  if (needsHeaders(filter) || order.some((c) => ['from', 'to', 'subject'].includes(c.property))) await data.loadHeaders();
  const all = filter === undefined || filter === null;
  // The default sort: the view's Emails are sorted so once, and a filter keeps their order.
  if (isNewestFirst(order)) return all ? view.newestFirst() : filterEmails(data, filter, view.newestFirst());
  const emails = all ? [...view.emails.values()] : await filterEmails(data, filter, view.emails.values());
  const keyed = emails.map((e) => ({ e, k: order.map((c) => sortKey(data, e, c.property)) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < order.length; i++) {
      if (a.k[i]! < b.k[i]!) return order[i]!.isAscending ? -1 : 1;
      if (a.k[i]! > b.k[i]!) return order[i]!.isAscending ? 1 : -1;
    }
    return a.e.id < b.e.id ? -1 : a.e.id > b.e.id ? 1 : 0;
  });
  return keyed.map((x) => x.e);
}

/** RFC 8621 §4.4.3 collapseThreads: only the first Email of each thread, in the sorted order. */
function collapsed(emails: readonly AccountEmail[]): AccountEmail[] {
  const seen = new Set<string>();
  return emails.filter((e) => {
    if (seen.has(e.threadId)) return false;
    seen.add(e.threadId);
    return true;
  });
}

/**
 * The ids a query finds in the view, in order, before position and limit: from the view's kept
 * results when the same filter, sort and collapseThreads were asked of it (a next page, a list
 * polled again), else computed and kept. A view is the account at one state, so is what it found;
 * a query that reads no keyword finds the same until a row comes or goes (`keywordFreeQueries`).
 */
async function results(
  ctx: MethodContext,
  view: AccountView,
  filter: unknown,
  sort: unknown,
  collapse: boolean,
): Promise<readonly string[]> {
  const key = JSON.stringify([filter ?? null, sort ?? null, collapse]);
  const kept = readsKeywords(filter) ? view.queries : view.keywordFreeQueries;
  const known = kept.get(key);
  if (known) return known;
  const found = await matching(ctx, view, filter, comparators(sort));
  const ids = (collapse ? collapsed(found) : found).map((e) => e.id);
  kept.set(key, ids);
  return ids;
}

async function query(ctx: MethodContext, args: Record<string, unknown>) {
  onlyArguments(args, ['accountId', 'filter', 'sort', 'position', 'anchor', 'anchorOffset', 'limit', 'calculateTotal', 'collapseThreads']);
  const account = await findAccount(ctx, args.accountId);
  const view = await ctx.shared.indexes.view(account.scope);
  const ids = await results(ctx, view, args.filter, args.sort, args.collapseThreads === true);
  const collapse = optionalBoolean(args, 'collapseThreads', false);
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
    collapseThreads: collapse,
    ...(args.calculateTotal === true ? { total: ids.length } : {}),
    ...(limit !== undefined && limit > cap ? { limit: cap } : {}),
  };
}

/** RFC 8620 §5.6: we do not keep query results, so the client queries again. */
async function queryChanges(ctx: MethodContext, args: Record<string, unknown>): Promise<never> {
  await findAccount(ctx, args.accountId);
  throw new MethodError('cannotCalculateChanges', 'query results are not kept: run Email/query again');
}

interface EmailChanges {
  account: Awaited<ReturnType<typeof findAccount>>;
  view: AccountView;
  sinceState: string;
  maxChanges: number;
  created: string[];
  updated: string[];
  destroyed: string[];
  /** The thread of each destroyed Email (its rows are gone from the view). */
  threadOfGone: Map<string, string>;
}

/**
 * RFC 8620 §5.2 from the per-folder tuples (folder, HIGHESTMODSEQ, UIDNEXT) of the old state:
 * rows changed since the old MODSEQ, rows new since the old UIDNEXT, rows expunged since —
 * each Email touched is created (no copy existed then), updated, or destroyed (no copy left).
 */
async function emailChanges(ctx: MethodContext, args: Record<string, unknown>): Promise<EmailChanges> {
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
  const threadOfGone = new Map<string, string>();
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
      for (const g of gone) {
        touched.add(g.emailId);
        existedBefore.add(g.emailId);
        threadOfGone.set(g.emailId, g.threadId);
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
  return { account, view, sinceState: args.sinceState, maxChanges, created, updated, destroyed, threadOfGone };
}

function changesResult(c: EmailChanges, created: string[], updated: string[], destroyed: string[]) {
  if (c.maxChanges > 0 && created.length + updated.length + destroyed.length > c.maxChanges) {
    // The changes of one MODSEQ range cannot be cut at an intermediate state we could name.
    throw new MethodError('cannotCalculateChanges', `more than maxChanges (${c.maxChanges}) changes: fetch again`);
  }
  return {
    accountId: c.account.id,
    oldState: c.sinceState,
    newState: c.view.emailState,
    hasMoreChanges: false,
    created,
    updated,
    destroyed,
  };
}

async function changes(ctx: MethodContext, args: Record<string, unknown>) {
  const c = await emailChanges(ctx, args);
  return changesResult(c, c.created, c.updated, c.destroyed);
}

/** RFC 8621 §3.1: a thread's Emails in the account, oldest first (receivedAt, then id). */
async function threadGet(ctx: MethodContext, args: Record<string, unknown>) {
  onlyArguments(args, ['accountId', 'ids', 'properties']);
  const account = await findAccount(ctx, args.accountId);
  const ids = optionalIds(args, 'ids');
  if (ids === null) throw new MethodError('requestTooLarge', 'Thread/get needs ids');
  checkGetLimit(ctx, ids);
  const properties = optionalStrings(args, 'properties');
  for (const p of properties ?? []) if (p !== 'id' && p !== 'emailIds') throw invalidArguments(`unknown Thread property ${p}`);
  const view = await ctx.shared.indexes.view(account.scope);
  const list: Record<string, unknown>[] = [];
  const notFound: string[] = [];
  for (const rawId of ids) {
    const id = resolveId(ctx, rawId);
    const emails = view.threads.get(id);
    if (!emails) {
      notFound.push(rawId);
      continue;
    }
    const out: Record<string, unknown> = { id };
    if (!properties || properties.includes('emailIds')) out.emailIds = emails.map((e) => e.id);
    list.push(out);
  }
  return { accountId: account.id, state: view.emailState, list, notFound };
}

/**
 * RFC 8621 §3.2: a Thread changes when an Email joins or leaves it (a keyword or mailbox change
 * does not change its `emailIds`). Thread states are Email states: the same MODSEQs move both.
 */
async function threadChanges(ctx: MethodContext, args: Record<string, unknown>) {
  const c = await emailChanges(ctx, args);
  const threads = new Map<string, { joined: boolean; left: boolean }>();
  const mark = (thread: string, key: 'joined' | 'left') => {
    const t = threads.get(thread) ?? { joined: false, left: false };
    t[key] = true;
    threads.set(thread, t);
  };
  for (const id of c.created) mark(c.view.emails.get(id)!.threadId, 'joined');
  for (const id of c.destroyed) mark(c.threadOfGone.get(id)!, 'left');
  const created: string[] = [];
  const updated: string[] = [];
  const destroyed: string[] = [];
  const isNew = new Set(c.created);
  for (const [thread, t] of [...threads].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const now = c.view.threads.get(thread);
    // It existed before when an Email of it then is still there, or one has left it since.
    const existed = t.left || (now ?? []).some((e) => !isNew.has(e.id));
    if (now && !existed) created.push(thread);
    else if (now) updated.push(thread);
    else destroyed.push(thread);
  }
  return changesResult(c, created, updated, destroyed);
}

export const emailMethods: MethodTable = {
  'Email/get': { capability: MAIL, call: get },
  'Email/query': { capability: MAIL, call: query },
  'Email/changes': { capability: MAIL, call: changes },
  'Email/queryChanges': { capability: MAIL, call: queryChanges },
  'Thread/get': { capability: MAIL, call: threadGet },
  'Thread/changes': { capability: MAIL, call: threadChanges },
};
