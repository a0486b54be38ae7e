// RFC 8621 §2: Mailboxes are the account's folders, the ones IMAP lists (same rows, same
// MAILBOXID as RFC 8474 OBJECTID: `F` and the folder's id). The hierarchy is IMAP's, `/`.

import { MssError } from '@mss/runtime';
import { mailboxObjectId } from '@mss/store';
import { MAIL } from '../capabilities.ts';
import { decodeState, type AccountView } from '../email-index.ts';
import { MethodError, invalidArguments, type SetError } from '../errors.ts';
import { hasKeyword } from '../keywords.ts';
import type { JmapAccount } from '../session.ts';
import {
  checkGetLimit,
  findAccount,
  onlyArguments,
  optionalIds,
  optionalInt,
  optionalStrings,
  resolveId,
  type MethodContext,
  type MethodTable,
} from './context.ts';

const DELIMITER = '/';
const ROLES: Record<string, string> = { INBOX: 'inbox', Sent: 'sent', Drafts: 'drafts', Trash: 'trash', Junk: 'junk' };
const SORT: Record<string, number> = { inbox: 1, drafts: 2, sent: 3, junk: 4, trash: 5 };
const PROPERTIES = [
  'id',
  'name',
  'parentId',
  'role',
  'sortOrder',
  'totalEmails',
  'unreadEmails',
  'totalThreads',
  'unreadThreads',
  'myRights',
  'isSubscribed',
];

type Folder = AccountView['folders'][number];

/** A folder's counts by view: a view is one state of the account, so are they (a webmail asks them on every page). */
const COUNTS = new WeakMap<AccountView, Map<number, { emails: number; unread: number }>>();

function countsOf(view: AccountView, f: Folder): { emails: number; unread: number } {
  let byFolder = COUNTS.get(view);
  if (!byFolder) {
    byFolder = new Map();
    COUNTS.set(view, byFolder);
  }
  let counts = byFolder.get(f.index.folderId);
  if (!counts) {
    const emails = new Set<string>();
    const unread = new Set<string>();
    for (const r of f.index.rows.values()) {
      emails.add(r.emailId);
      if (!hasKeyword(r.flags, '$seen')) unread.add(r.emailId);
    }
    counts = { emails: emails.size, unread: unread.size };
    byFolder.set(f.index.folderId, counts);
  }
  return counts;
}

export function mailboxObject(view: AccountView, f: Folder): Record<string, unknown> {
  const name = f.name;
  const cut = name.lastIndexOf(DELIMITER);
  const parent = cut > 0 ? view.folders.find((o) => o.name === name.slice(0, cut)) : undefined;
  const role = ROLES[name] ?? null;
  const { emails, unread } = countsOf(view, f);
  return {
    id: mailboxObjectId(f.index.folderId),
    name: parent ? name.slice(cut + 1) : name,
    parentId: parent ? mailboxObjectId(parent.index.folderId) : null,
    role,
    sortOrder: role ? SORT[role]! : 10,
    totalEmails: emails,
    unreadEmails: unread,
    // Each Email is its own Thread (docs/choices.md, "JMAP threads").
    totalThreads: emails,
    unreadThreads: unread,
    myRights: {
      mayReadItems: true,
      mayAddItems: true,
      mayRemoveItems: true,
      maySetSeen: true,
      maySetKeywords: true,
      mayCreateChild: true,
      mayRename: role !== 'inbox',
      mayDelete: role !== 'inbox',
      maySubmit: true,
    },
    isSubscribed: f.subscribed,
  };
}

export function folderOfMailboxId(view: AccountView, id: string): Folder | undefined {
  return view.folders.find((f) => mailboxObjectId(f.index.folderId) === id);
}

async function get(ctx: MethodContext, args: Record<string, unknown>) {
  onlyArguments(args, ['accountId', 'ids', 'properties']);
  const account = await findAccount(ctx, args.accountId);
  const ids = optionalIds(args, 'ids');
  checkGetLimit(ctx, ids);
  const properties = optionalStrings(args, 'properties') ?? PROPERTIES;
  for (const p of properties) if (!PROPERTIES.includes(p)) throw invalidArguments(`unknown Mailbox property ${p}`);
  const view = await ctx.shared.indexes.view(account.scope);
  const list: Record<string, unknown>[] = [];
  const notFound: string[] = [];
  const wanted = ids ? ids.map((id) => resolveId(ctx, id)) : view.folders.map((f) => mailboxObjectId(f.index.folderId));
  for (const id of wanted) {
    const f = folderOfMailboxId(view, id);
    if (!f) {
      notFound.push(id);
      continue;
    }
    const full = mailboxObject(view, f);
    list.push(Object.fromEntries(['id', ...properties].map((p) => [p, full[p]])));
  }
  return { accountId: account.id, state: view.mailboxState, list, notFound };
}

/** RFC 8620 §5.2 from the folder tuples of two states: gone, new, or moved (MODSEQ, name, subscription). */
async function changes(ctx: MethodContext, args: Record<string, unknown>) {
  onlyArguments(args, ['accountId', 'sinceState', 'maxChanges']);
  const account = await findAccount(ctx, args.accountId);
  if (typeof args.sinceState !== 'string') throw invalidArguments('sinceState must be a string');
  optionalInt(args, 'maxChanges', 0, 1);
  const old = decodeState(args.sinceState);
  if (!old) throw new MethodError('cannotCalculateChanges', 'sinceState is not a state this server gave');
  const view = await ctx.shared.indexes.view(account.scope);
  const before = new Map(old.map((t) => [Number(t[0]), `${t[1]}|${t[2]}`]));
  const created: string[] = [];
  const updated: string[] = [];
  for (const f of view.folders) {
    const was = before.get(f.index.folderId);
    const id = mailboxObjectId(f.index.folderId);
    if (was === undefined) created.push(id);
    else if (was !== `${f.index.modseq}|${f.subscribed ? 1 : 0}${f.name}`) updated.push(id);
    before.delete(f.index.folderId);
  }
  const destroyed = [...before.keys()].map(mailboxObjectId);
  return {
    accountId: account.id,
    oldState: args.sinceState,
    newState: view.mailboxState,
    hasMoreChanges: false,
    created,
    updated,
    destroyed,
    // Counts move with every message change; names and subscription rarely (RFC 8621 §2.2).
    updatedProperties: null,
  };
}

async function query(ctx: MethodContext, args: Record<string, unknown>) {
  onlyArguments(args, ['accountId', 'filter', 'sort', 'position', 'limit', 'calculateTotal', 'sortAsTree', 'filterAsTree']);
  const account = await findAccount(ctx, args.accountId);
  const view = await ctx.shared.indexes.view(account.scope);
  let objects = view.folders.map((f) => mailboxObject(view, f));
  const filter = args.filter;
  if (filter !== undefined && filter !== null) {
    if (typeof filter !== 'object' || Array.isArray(filter)) throw invalidArguments('filter must be a FilterCondition');
    const test = mailboxFilter(filter as Record<string, unknown>);
    objects = objects.filter(test);
  }
  const sort = args.sort ?? [];
  if (!Array.isArray(sort)) throw invalidArguments('sort must be an array of Comparators');
  for (const c of [...sort].reverse()) {
    const prop = (c as { property?: unknown }).property;
    if (prop !== 'name' && prop !== 'sortOrder') throw new MethodError('unsupportedSort', `cannot sort Mailboxes by ${String(prop)}`);
    const asc = (c as { isAscending?: unknown }).isAscending !== false;
    objects.sort((a, b) => {
      const x = a[prop] as string | number;
      const y = b[prop] as string | number;
      const r = x < y ? -1 : x > y ? 1 : 0;
      return asc ? r : -r;
    });
  }
  const position = optionalInt(args, 'position', 0, -Infinity);
  const ids = objects.map((o) => o.id as string);
  const start = position < 0 ? Math.max(0, ids.length + position) : Math.min(position, ids.length);
  const limit = args.limit === undefined || args.limit === null ? ids.length : optionalInt(args, 'limit', ids.length);
  return {
    accountId: account.id,
    queryState: view.mailboxState,
    canCalculateChanges: false,
    position: start,
    ids: ids.slice(start, start + limit),
    ...(args.calculateTotal === true ? { total: ids.length } : {}),
  };
}

function mailboxFilter(f: Record<string, unknown>): (m: Record<string, unknown>) => boolean {
  if (typeof f.operator === 'string') {
    const conditions = f.conditions;
    if (!Array.isArray(conditions)) throw invalidArguments('a FilterOperator needs conditions');
    const tests = conditions.map((c) => mailboxFilter(c as Record<string, unknown>));
    if (f.operator === 'AND') return (m) => tests.every((t) => t(m));
    if (f.operator === 'OR') return (m) => tests.some((t) => t(m));
    if (f.operator === 'NOT') return (m) => !tests.some((t) => t(m));
    throw invalidArguments(`unknown filter operator ${f.operator}`);
  }
  const tests: ((m: Record<string, unknown>) => boolean)[] = [];
  for (const [k, v] of Object.entries(f)) {
    if (k === 'parentId') tests.push((m) => m.parentId === v);
    else if (k === 'name' && typeof v === 'string') tests.push((m) => String(m.name).toLowerCase().includes(v.toLowerCase()));
    else if (k === 'role') tests.push((m) => m.role === v);
    else if (k === 'hasAnyRole') tests.push((m) => (m.role !== null) === v);
    else if (k === 'isSubscribed') tests.push((m) => m.isSubscribed === v);
    else throw new MethodError('unsupportedFilter', `cannot filter Mailboxes by ${k}`);
  }
  return (m) => tests.every((t) => t(m));
}

/** RFC 8621 §2.5: create, rename or move, (un)subscribe, destroy folders through the account's scope. */
async function set(ctx: MethodContext, args: Record<string, unknown>) {
  onlyArguments(args, ['accountId', 'ifInState', 'create', 'update', 'destroy', 'onDestroyRemoveEmails']);
  const account = await findAccount(ctx, args.accountId);
  let view = await ctx.shared.indexes.view(account.scope);
  if (args.ifInState !== undefined && args.ifInState !== null && args.ifInState !== view.mailboxState) {
    throw new MethodError('stateMismatch', 'ifInState does not match the current Mailbox state');
  }
  const oldState = view.mailboxState;
  const count = objectCount(args.create) + objectCount(args.update) + (Array.isArray(args.destroy) ? args.destroy.length : 0);
  if (count > ctx.limits.maxObjectsInSet)
    throw new MethodError('requestTooLarge', `more than maxObjectsInSet (${ctx.limits.maxObjectsInSet}) changes`);
  const created: Record<string, unknown> = {};
  const notCreated: Record<string, SetError> = {};
  const updated: Record<string, unknown> = {};
  const notUpdated: Record<string, SetError> = {};
  const destroyed: string[] = [];
  const notDestroyed: Record<string, SetError> = {};
  const pathOf = (parentId: unknown, name: string): string | SetError => {
    if (name.length === 0 || name.length > 200 || name.includes(DELIMITER)) {
      return { type: 'invalidProperties', properties: ['name'], description: `a name is 1 to 200 characters without ${DELIMITER}` };
    }
    if (parentId === null || parentId === undefined) return name;
    const parent = typeof parentId === 'string' ? folderOfMailboxId(view, resolveId(ctx, parentId)) : undefined;
    if (!parent) return { type: 'invalidProperties', properties: ['parentId'], description: 'no such parent Mailbox' };
    return `${parent.name}${DELIMITER}${name}`;
  };
  for (const [cid, raw] of Object.entries((args.create as Record<string, Record<string, unknown>> | undefined) ?? {})) {
    const name = typeof raw?.name === 'string' ? raw.name : '';
    const path = pathOf(raw?.parentId, name);
    if (typeof path !== 'string') {
      notCreated[cid] = path;
      continue;
    }
    if (path.toUpperCase() === 'INBOX' || view.folders.some((f) => f.name === path)) {
      notCreated[cid] = { type: 'invalidProperties', properties: ['name'], description: 'a Mailbox of that name exists there' };
      continue;
    }
    const row = await account.scope.createFolder(path);
    if (raw?.isSubscribed === false) await (await account.scope.openFolderById(row.id)).setSubscribed(false);
    const id = mailboxObjectId(row.id);
    ctx.createdIds.set(cid, id);
    created[cid] = { id };
    ctx.shared.folderChanged(row.id);
    view = await ctx.shared.indexes.view(account.scope);
  }
  for (const [rawId, patch] of Object.entries((args.update as Record<string, Record<string, unknown>> | undefined) ?? {})) {
    const id = resolveId(ctx, rawId);
    const f = folderOfMailboxId(view, id);
    if (!f) {
      notUpdated[rawId] = { type: 'notFound' };
      continue;
    }
    const error = await updateFolder(ctx, account, view, f, patch ?? {}, pathOf);
    if (error) notUpdated[rawId] = error;
    else {
      updated[rawId] = null;
      ctx.shared.folderChanged(f.index.folderId);
      view = await ctx.shared.indexes.view(account.scope);
    }
  }
  for (const rawId of (args.destroy as string[] | undefined) ?? []) {
    const id = resolveId(ctx, String(rawId));
    const f = folderOfMailboxId(view, id);
    if (!f) {
      notDestroyed[rawId] = { type: 'notFound' };
      continue;
    }
    if (f.name === 'INBOX') {
      notDestroyed[rawId] = { type: 'forbidden', description: 'INBOX cannot be destroyed' };
      continue;
    }
    if (view.folders.some((o) => o.name.startsWith(`${f.name}${DELIMITER}`))) {
      notDestroyed[rawId] = { type: 'mailboxHasChild' };
      continue;
    }
    if (f.index.rows.size > 0 && args.onDestroyRemoveEmails !== true) {
      notDestroyed[rawId] = { type: 'mailboxHasEmail' };
      continue;
    }
    await f.handle.delete();
    destroyed.push(id);
    ctx.shared.folderChanged(f.index.folderId);
    view = await ctx.shared.indexes.view(account.scope);
  }
  return {
    accountId: account.id,
    oldState,
    newState: view.mailboxState,
    created: orNull(created),
    updated: orNull(updated),
    destroyed: destroyed.length ? destroyed : null,
    notCreated: orNull(notCreated),
    notUpdated: orNull(notUpdated),
    notDestroyed: orNull(notDestroyed),
  };
}

async function updateFolder(
  _ctx: MethodContext,
  account: JmapAccount,
  view: AccountView,
  f: Folder,
  patch: Record<string, unknown>,
  pathOf: (parentId: unknown, name: string) => string | SetError,
): Promise<SetError | undefined> {
  const current = mailboxObject(view, f);
  for (const k of Object.keys(patch)) {
    if (!['name', 'parentId', 'isSubscribed', 'sortOrder'].includes(k)) return { type: 'invalidProperties', properties: [k] };
  }
  if ('isSubscribed' in patch) {
    if (typeof patch.isSubscribed !== 'boolean') return { type: 'invalidProperties', properties: ['isSubscribed'] };
    await f.handle.setSubscribed(patch.isSubscribed);
  }
  if ('name' in patch || 'parentId' in patch) {
    if (f.name === 'INBOX') return { type: 'forbidden', description: 'INBOX cannot be renamed' };
    const name = 'name' in patch ? patch.name : current.name;
    if (typeof name !== 'string') return { type: 'invalidProperties', properties: ['name'] };
    const path = pathOf('parentId' in patch ? patch.parentId : current.parentId, name);
    if (typeof path !== 'string') return path;
    if (path !== f.name) {
      if (path.startsWith(`${f.name}${DELIMITER}`))
        return { type: 'invalidProperties', properties: ['parentId'], description: 'a Mailbox cannot be its own descendant' };
      try {
        const own = account.scope.bind(f.handle);
        await own.rename(path);
      } catch (err) {
        if (err instanceof MssError && err.code === 'FOLDER_EXISTS')
          return { type: 'invalidProperties', properties: ['name'], description: 'a Mailbox of that name exists there' };
        throw err;
      }
    }
  }
  return undefined;
}

function objectCount(v: unknown): number {
  return typeof v === 'object' && v !== null ? Object.keys(v).length : 0;
}

function orNull<T>(o: Record<string, T>): Record<string, T> | null {
  return Object.keys(o).length > 0 ? o : null;
}

export const mailboxMethods: MethodTable = {
  'Mailbox/get': { capability: MAIL, call: get },
  'Mailbox/changes': { capability: MAIL, call: changes },
  'Mailbox/query': { capability: MAIL, call: query },
  'Mailbox/set': { capability: MAIL, call: set },
};
