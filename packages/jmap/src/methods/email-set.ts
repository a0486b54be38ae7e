// RFC 8621 §4.6 Email/set (keywords, mailboxIds, destroy, create), §4.8 Email/import and §4.9
// Email/parse. Every write goes through the account's MailboxScope and its FolderHandles, in
// one transaction per Email with its R-CAB-9 attribution, then tells the folder-change notices
// (IMAP IDLE and JMAP push hear them). Keywords apply to every copy of an Email.

import { DEFAULT_MAILBOX_QUOTAS, exceedsQuota, quotaOf } from '@mss/domain';
import { mailboxObjectId, type FolderHandle, type MailboxScope } from '@mss/store';
import { MAIL } from '../capabilities.ts';
import { checkAddresses, composeMessage, type ComposeAttachment } from '../compose.ts';
import type { AccountEmail, AccountView } from '../email-index.ts';
import { ParsedEmail, DEFAULT_EMAIL_PROPERTIES, DEFAULT_BODY_PROPERTIES, checkEmailProperties, parseBlobId } from '../email-view.ts';
import { MethodError, invalidArguments, type SetError } from '../errors.ts';
import { flagsOfKeywords, isKeyword, keywordsOfFlags } from '../keywords.ts';
import type { JmapAccount } from '../session.ts';
import { folderOfMailboxId } from './mailbox.ts';
import { findAccount, onlyArguments, optionalStrings, resolveId, type MethodContext, type MethodTable } from './context.ts';

type Folder = AccountView['folders'][number];

function attribution(ctx: MethodContext, account: JmapAccount, action: string) {
  return {
    idnat: ctx.session.principal.idnat,
    action: `jmap-${action}`.slice(0, 200),
    channel: 'jmap',
    client_id: ctx.session.clientId,
    outcome: 'allowed' as const,
    reason: account.role,
    role: account.role,
  };
}

function quota(account: JmapAccount) {
  return quotaOf(DEFAULT_MAILBOX_QUOTAS, account.scope.type);
}

/** A patch or full value of `keywords` / `mailboxIds` (RFC 8620 §5.3 PatchObject) applied to a set. */
function patchSet(current: Set<string>, patch: Record<string, unknown>, prop: 'keywords' | 'mailboxIds'): Set<string> | SetError {
  let next = new Set(current);
  for (const [path, value] of Object.entries(patch)) {
    if (path === prop) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return { type: 'invalidProperties', properties: [prop] };
      next = new Set();
      for (const [k, v] of Object.entries(value)) {
        if (v !== true) return { type: 'invalidProperties', properties: [prop] };
        next.add(prop === 'keywords' ? k.toLowerCase() : k);
      }
    } else if (path.startsWith(`${prop}/`)) {
      const key = path
        .slice(prop.length + 1)
        .replaceAll('~1', '/')
        .replaceAll('~0', '~');
      const k = prop === 'keywords' ? key.toLowerCase() : key;
      if (value === true) next.add(k);
      else if (value === null) next.delete(k);
      else return { type: 'invalidPatch', properties: [path] };
    }
  }
  if (prop === 'keywords')
    for (const k of next)
      if (!isKeyword(k)) return { type: 'invalidProperties', properties: ['keywords'], description: `${k} is not a keyword` };
  return next;
}

async function updateEmail(
  ctx: MethodContext,
  account: JmapAccount,
  view: AccountView,
  email: AccountEmail,
  patch: Record<string, unknown>,
): Promise<SetError | number[]> {
  for (const path of Object.keys(patch)) {
    if (!(path === 'keywords' || path.startsWith('keywords/') || path === 'mailboxIds' || path.startsWith('mailboxIds/'))) {
      return { type: 'invalidProperties', properties: [path], description: 'only keywords and mailboxIds can change' };
    }
  }
  const currentKeywords = new Set(Object.keys(keywordsOfFlags(email.rows.reduce((a, b) => (b.modseq > a.modseq ? b : a)).flags)));
  const keywords = patchSet(currentKeywords, patch, 'keywords');
  if (!(keywords instanceof Set)) return keywords;
  const currentBoxes = new Set(email.rows.map((r) => mailboxObjectId(r.folderId)));
  const boxes = patchSet(
    currentBoxes,
    Object.fromEntries(Object.entries(patch).map(([k, v]) => [resolvePatchPath(ctx, k), v])),
    'mailboxIds',
  );
  if (!(boxes instanceof Set)) return boxes;
  if (boxes.size === 0)
    return { type: 'invalidProperties', properties: ['mailboxIds'], description: 'an Email must be in at least one Mailbox' };
  const targets: Folder[] = [];
  for (const id of boxes) {
    const f = folderOfMailboxId(view, id);
    if (!f) return { type: 'invalidProperties', properties: ['mailboxIds'], description: `no Mailbox ${id}` };
    targets.push(f);
  }
  const keywordsChanged = Object.keys(patch).some((p) => p.startsWith('keywords'));
  const adding = targets.filter((f) => !currentBoxes.has(mailboxObjectId(f.index.folderId)));
  const removing = email.rows.filter((r) => !boxes.has(mailboxObjectId(r.folderId)));
  const size = email.rows[0]!.size;
  const changed = new Set<number>();
  const refused = await account.scope.groupTransaction(async (box) => {
    if (
      adding.length > removing.length &&
      exceedsQuota(quota(account), await box.usage(), size * (adding.length - removing.length), adding.length - removing.length)
    ) {
      return true;
    }
    const source = email.rows[0]!;
    const sourceFolder = view.folders.find((f) => f.index.folderId === source.folderId)!;
    const copied = new Map<number, number[]>();
    for (const dest of adding) {
      const pairs = await box.bind(sourceFolder.handle).copyTo([source.uid], box.bind(dest.handle));
      copied.set(
        dest.index.folderId,
        pairs.map(([, uid]) => uid),
      );
      changed.add(dest.index.folderId);
    }
    if (keywordsChanged || adding.length > 0) {
      // Every copy, the new ones too, gets the Email's keywords (RFC 8621 §4.1.1: keywords are the Email's).
      for (const f of view.folders) {
        if (!boxes.has(mailboxObjectId(f.index.folderId))) continue;
        const handle = box.bind(f.handle);
        const rows = f.index.rows.size ? [...f.index.rows.values()].filter((r) => r.emailId === email.id) : [];
        const uids = [...rows.map((r) => r.uid), ...(copied.get(f.index.folderId) ?? [])];
        if (!keywordsChanged || uids.length === 0) continue;
        const flags = flagsOfKeywords(keywords, rows[0]?.flags ?? source.flags);
        await handle.setFlags(uids, flags);
        changed.add(f.index.folderId);
      }
    }
    for (const r of removing) {
      const f = view.folders.find((x) => x.index.folderId === r.folderId)!;
      await box.bind(f.handle).expunge([r.uid]);
      changed.add(r.folderId);
    }
    if (adding.length > 0 || removing.length > 0) await box.audit(attribution(ctx, account, `move:${email.id}`));
    return false;
  });
  if (refused) return { type: 'overQuota', description: 'the mailbox quota would be exceeded' };
  return [...changed];
}

function resolvePatchPath(ctx: MethodContext, path: string): string {
  if (!path.startsWith('mailboxIds/#')) return path;
  return `mailboxIds/${resolveId(ctx, path.slice('mailboxIds/'.length))}`;
}

async function destroyEmail(ctx: MethodContext, account: JmapAccount, view: AccountView, email: AccountEmail): Promise<number[]> {
  const folders = new Set<number>();
  await account.scope.groupTransaction(async (box) => {
    for (const r of email.rows) {
      const f = view.folders.find((x) => x.index.folderId === r.folderId)!;
      await box.bind(f.handle).expunge([r.uid]);
      folders.add(r.folderId);
    }
    await box.audit(attribution(ctx, account, `destroy:${email.id}`));
  });
  return [...folders];
}

/** A message's bytes into folders of the account (Email/import, Email/set create): ingested once, one transaction. */
async function fileMessage(
  ctx: MethodContext,
  account: JmapAccount,
  targets: Folder[],
  raw: Buffer,
  keywords: Set<string>,
  receivedAt: string | undefined,
  action: string,
): Promise<{ emailId: string; hash: string; size: number } | SetError> {
  if (raw.length === 0) return { type: 'invalidEmail', description: 'the message is empty' };
  const ingested = await ctx.shared.ingest(raw);
  const refused = await account.scope.groupTransaction(async (box: MailboxScope) => {
    if (exceedsQuota(quota(account), await box.usage(), ingested.size * targets.length, targets.length)) return true;
    for (const f of targets) {
      await box.bind(f.handle as FolderHandle).appendMessage({
        ...ingested,
        flags: flagsOfKeywords(keywords, ''),
        ...(receivedAt ? { internalDate: new Date(receivedAt).toISOString() } : {}),
        authorIdnat: ctx.session.principal.idnat,
      });
    }
    await box.audit(attribution(ctx, account, `${action}:${targets.map((t) => t.name).join(',')}`));
    return false;
  });
  if (refused) return { type: 'overQuota', description: 'the mailbox quota would be exceeded' };
  for (const f of targets) ctx.shared.folderChanged(f.index.folderId);
  return { emailId: `M${ingested.blobHash.slice(0, 32)}`, hash: ingested.blobHash, size: ingested.size };
}

function targetFolders(ctx: MethodContext, view: AccountView, mailboxIds: unknown): Folder[] | SetError {
  if (typeof mailboxIds !== 'object' || mailboxIds === null || Array.isArray(mailboxIds) || Object.keys(mailboxIds).length === 0) {
    return { type: 'invalidProperties', properties: ['mailboxIds'], description: 'at least one Mailbox is required' };
  }
  const out: Folder[] = [];
  for (const [raw, v] of Object.entries(mailboxIds)) {
    const f = folderOfMailboxId(view, resolveId(ctx, raw));
    if (!f || v !== true) return { type: 'invalidProperties', properties: ['mailboxIds'], description: `no Mailbox ${raw}` };
    out.push(f);
  }
  return out;
}

function keywordSet(value: unknown): Set<string> | SetError {
  if (value === undefined || value === null) return new Set();
  if (typeof value !== 'object' || Array.isArray(value)) return { type: 'invalidProperties', properties: ['keywords'] };
  const out = new Set<string>();
  for (const [k, v] of Object.entries(value)) {
    if (v !== true || !isKeyword(k)) return { type: 'invalidProperties', properties: ['keywords'] };
    out.add(k.toLowerCase());
  }
  return out;
}

/** The bytes of a blob the account may use: an upload, a message, or a part of one. */
export async function blobBytes(ctx: MethodContext, account: JmapAccount, view: AccountView, blobId: string): Promise<Buffer | undefined> {
  const upload = ctx.shared.uploads.find(account.id, blobId);
  if (upload) return ctx.shared.blobs.get(upload.hash);
  const ref = parseBlobId(blobId);
  if (!ref) return undefined;
  const email = view.emails.get(`M${ref.hash.slice(0, 32)}`);
  if (!email || email.hash !== ref.hash) return undefined;
  const raw = await ctx.shared.blobs.get(ref.hash);
  return ref.partId === undefined ? raw : new ParsedEmail(raw, ref.hash).partBytes(ref.partId);
}

const CREATE_PROPERTIES = new Set([
  'mailboxIds',
  'keywords',
  'receivedAt',
  'from',
  'sender',
  'to',
  'cc',
  'bcc',
  'replyTo',
  'subject',
  'sentAt',
  'messageId',
  'inReplyTo',
  'references',
  'textBody',
  'htmlBody',
  'attachments',
  'bodyValues',
]);

async function createEmail(ctx: MethodContext, account: JmapAccount, view: AccountView, o: Record<string, unknown>) {
  for (const k of Object.keys(o)) {
    if (!CREATE_PROPERTIES.has(k) && !/^header:[\x21-\x39\x3b-\x7e]+:asRaw$/.test(k))
      return { type: 'invalidProperties', properties: [k] } as SetError;
  }
  const targets = targetFolders(ctx, view, o.mailboxIds);
  if (!Array.isArray(targets)) return targets;
  const keywords = keywordSet(o.keywords);
  if (!(keywords instanceof Set)) return keywords;
  const from = checkAddresses(o.from, 'from');
  if (from === null || !Array.isArray(from) || from.length === 0) {
    return (from && !Array.isArray(from) ? from : { type: 'invalidProperties', properties: ['from'] }) as SetError;
  }
  const lists: Record<string, ReturnType<typeof checkAddresses>> = {};
  for (const p of ['sender', 'to', 'cc', 'bcc', 'replyTo']) {
    const v = checkAddresses(o[p], p);
    if (v && !Array.isArray(v)) return v;
    lists[p] = v;
  }
  const bodyValues = (o.bodyValues ?? {}) as Record<string, { value?: unknown }>;
  const bodyText = (list: unknown, type: string): string | null | SetError => {
    if (list === undefined || list === null) return null;
    if (!Array.isArray(list) || list.length > 1)
      return { type: 'invalidProperties', properties: [type === 'text/plain' ? 'textBody' : 'htmlBody'] };
    if (list.length === 0) return null;
    const part = list[0] as { partId?: unknown; type?: unknown };
    const value = typeof part.partId === 'string' ? bodyValues[part.partId]?.value : undefined;
    if (typeof value !== 'string' || (part.type !== undefined && part.type !== type)) {
      return {
        type: 'invalidProperties',
        properties: [type === 'text/plain' ? 'textBody' : 'htmlBody'],
        description: 'each body part names a bodyValues entry',
      };
    }
    return value;
  };
  const text = bodyText(o.textBody, 'text/plain');
  if (text !== null && typeof text !== 'string') return text;
  const html = bodyText(o.htmlBody, 'text/html');
  if (html !== null && typeof html !== 'string') return html;
  const attachments: ComposeAttachment[] = [];
  for (const a of (Array.isArray(o.attachments) ? o.attachments : []) as Record<string, unknown>[]) {
    const bytes = typeof a.blobId === 'string' ? await blobBytes(ctx, account, view, a.blobId) : undefined;
    if (!bytes) return { type: 'blobNotFound', notFound: [a.blobId] } as SetError;
    const type = typeof a.type === 'string' && /^[\w.+-]+\/[\w.+-]+$/.test(a.type) ? a.type.toLowerCase() : 'application/octet-stream';
    attachments.push({
      bytes,
      type,
      name: typeof a.name === 'string' ? a.name : null,
      disposition: a.disposition === 'inline' ? 'inline' : 'attachment',
      cid: typeof a.cid === 'string' && /^[^<>\s]+$/.test(a.cid) ? a.cid : null,
    });
  }
  const extra: [string, string][] = [];
  for (const [k, v] of Object.entries(o)) {
    if (!k.startsWith('header:')) continue;
    if (typeof v !== 'string' || /[\r\n]/.test(v.replace(/\r\n[ \t]/g, '')))
      return { type: 'invalidProperties', properties: [k] } as SetError;
    extra.push([k.slice('header:'.length, -':asRaw'.length), v.trim()]);
  }
  const strings = (v: unknown) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null);
  const raw = composeMessage({
    from,
    sender: lists.sender as never,
    to: lists.to as never,
    cc: lists.cc as never,
    bcc: lists.bcc as never,
    replyTo: lists.replyTo as never,
    subject: typeof o.subject === 'string' ? o.subject : null,
    sentAt: typeof o.sentAt === 'string' ? o.sentAt : null,
    messageId: strings(o.messageId),
    inReplyTo: strings(o.inReplyTo),
    references: strings(o.references),
    text,
    html,
    attachments,
    extra,
  });
  return fileMessage(ctx, account, targets, raw, keywords, typeof o.receivedAt === 'string' ? o.receivedAt : undefined, 'create');
}

async function set(ctx: MethodContext, args: Record<string, unknown>) {
  onlyArguments(args, ['accountId', 'ifInState', 'create', 'update', 'destroy']);
  const account = await findAccount(ctx, args.accountId);
  let view = await ctx.shared.indexes.view(account.scope);
  if (args.ifInState !== undefined && args.ifInState !== null && args.ifInState !== view.emailState) {
    throw new MethodError('stateMismatch', 'ifInState does not match the current Email state');
  }
  const create = (args.create ?? {}) as Record<string, Record<string, unknown>>;
  const update = (args.update ?? {}) as Record<string, Record<string, unknown>>;
  const destroy = args.destroy ?? [];
  if (typeof create !== 'object' || typeof update !== 'object' || !Array.isArray(destroy)) {
    throw invalidArguments('create and update are maps, destroy a list of ids');
  }
  if (Object.keys(create).length + Object.keys(update).length + destroy.length > ctx.limits.maxObjectsInSet) {
    throw new MethodError('requestTooLarge', `more than maxObjectsInSet (${ctx.limits.maxObjectsInSet}) changes`);
  }
  const oldState = view.emailState;
  const created: Record<string, unknown> = {};
  const notCreated: Record<string, SetError> = {};
  const updated: Record<string, null> = {};
  const notUpdated: Record<string, SetError> = {};
  const destroyed: string[] = [];
  const notDestroyed: Record<string, SetError> = {};
  for (const [cid, o] of Object.entries(create)) {
    const r = await createEmail(ctx, account, view, o ?? {});
    if ('type' in r) notCreated[cid] = r;
    else {
      created[cid] = { id: r.emailId, blobId: `B${r.hash}`, threadId: `T${r.emailId.slice(1)}`, size: r.size };
      ctx.createdIds.set(cid, r.emailId);
      view = await ctx.shared.indexes.view(account.scope);
    }
  }
  for (const [rawId, patch] of Object.entries(update)) {
    const id = resolveId(ctx, rawId);
    const email = view.emails.get(id);
    if (!email) {
      notUpdated[rawId] = { type: 'notFound' };
      continue;
    }
    if (typeof patch !== 'object' || patch === null) {
      notUpdated[rawId] = { type: 'invalidPatch' };
      continue;
    }
    const r = await updateEmail(ctx, account, view, email, patch);
    if (!Array.isArray(r)) notUpdated[rawId] = r;
    else {
      updated[rawId] = null;
      for (const f of r) ctx.shared.folderChanged(f);
      view = await ctx.shared.indexes.view(account.scope);
    }
  }
  for (const rawId of destroy) {
    const id = typeof rawId === 'string' ? resolveId(ctx, rawId) : '';
    const email = view.emails.get(id);
    if (!email) {
      notDestroyed[String(rawId)] = { type: 'notFound' };
      continue;
    }
    for (const f of await destroyEmail(ctx, account, view, email)) ctx.shared.folderChanged(f);
    destroyed.push(id);
    view = await ctx.shared.indexes.view(account.scope);
  }
  const orNull = <T>(o: Record<string, T>) => (Object.keys(o).length > 0 ? o : null);
  return {
    accountId: account.id,
    oldState,
    newState: view.emailState,
    created: orNull(created),
    updated: orNull(updated),
    destroyed: destroyed.length ? destroyed : null,
    notCreated: orNull(notCreated),
    notUpdated: orNull(notUpdated),
    notDestroyed: orNull(notDestroyed),
  };
}

/** RFC 8621 §4.8: messages from blobs (uploaded, or of this account) into its Mailboxes. */
async function importEmails(ctx: MethodContext, args: Record<string, unknown>) {
  onlyArguments(args, ['accountId', 'ifInState', 'emails']);
  const account = await findAccount(ctx, args.accountId);
  let view = await ctx.shared.indexes.view(account.scope);
  if (args.ifInState !== undefined && args.ifInState !== null && args.ifInState !== view.emailState) {
    throw new MethodError('stateMismatch', 'ifInState does not match the current Email state');
  }
  const emails = args.emails;
  if (typeof emails !== 'object' || emails === null || Array.isArray(emails))
    throw invalidArguments('emails must be a map of EmailImport objects');
  if (Object.keys(emails).length > ctx.limits.maxObjectsInSet)
    throw new MethodError('requestTooLarge', 'more than maxObjectsInSet imports');
  const oldState = view.emailState;
  const created: Record<string, unknown> = {};
  const notCreated: Record<string, SetError> = {};
  for (const [cid, imp] of Object.entries(emails as Record<string, Record<string, unknown>>)) {
    const targets = targetFolders(ctx, view, imp?.mailboxIds);
    if (!Array.isArray(targets)) {
      notCreated[cid] = targets;
      continue;
    }
    const keywords = keywordSet(imp.keywords);
    if (!(keywords instanceof Set)) {
      notCreated[cid] = keywords;
      continue;
    }
    const bytes = typeof imp.blobId === 'string' ? await blobBytes(ctx, account, view, imp.blobId) : undefined;
    if (!bytes) {
      notCreated[cid] = { type: 'blobNotFound', notFound: [imp.blobId] };
      continue;
    }
    const r = await fileMessage(
      ctx,
      account,
      targets,
      bytes,
      keywords,
      typeof imp.receivedAt === 'string' ? imp.receivedAt : undefined,
      'import',
    );
    if ('type' in r) notCreated[cid] = r;
    else {
      created[cid] = { id: r.emailId, blobId: `B${r.hash}`, threadId: `T${r.emailId.slice(1)}`, size: r.size };
      ctx.createdIds.set(cid, r.emailId);
      view = await ctx.shared.indexes.view(account.scope);
    }
  }
  return {
    accountId: account.id,
    oldState,
    newState: view.emailState,
    created: Object.keys(created).length ? created : null,
    notCreated: Object.keys(notCreated).length ? notCreated : null,
  };
}

/**
 * RFC 8621 §4.7: Emails of one account copied into another of the same session (the person may
 * open both: each was decided). The copy is filed as a new message of the target mailbox, with
 * the keywords, Mailboxes and receivedAt the client gives; onSuccessDestroyOriginal destroys the
 * originals with an implicit Email/set.
 */
async function copy(ctx: MethodContext, args: Record<string, unknown>) {
  onlyArguments(args, [
    'fromAccountId',
    'ifFromInState',
    'accountId',
    'ifInState',
    'create',
    'onSuccessDestroyOriginal',
    'destroyFromIfInState',
  ]);
  let from: JmapAccount;
  try {
    from = await findAccount(ctx, args.fromAccountId);
  } catch (err) {
    if (err instanceof MethodError && err.type === 'accountNotFound') throw new MethodError('fromAccountNotFound', err.message);
    throw err;
  }
  const account = await findAccount(ctx, args.accountId);
  if (from.id === account.id) throw invalidArguments('fromAccountId and accountId must differ (use Email/set to change mailboxIds)');
  const source = await ctx.shared.indexes.view(from.scope);
  let view = await ctx.shared.indexes.view(account.scope);
  if (args.ifFromInState !== undefined && args.ifFromInState !== null && args.ifFromInState !== source.emailState) {
    throw new MethodError('stateMismatch', 'ifFromInState does not match the source account');
  }
  if (args.ifInState !== undefined && args.ifInState !== null && args.ifInState !== view.emailState) {
    throw new MethodError('stateMismatch', 'ifInState does not match the current Email state');
  }
  const create = args.create;
  if (typeof create !== 'object' || create === null || Array.isArray(create))
    throw invalidArguments('create must be a map of Email copies');
  if (Object.keys(create).length > ctx.limits.maxObjectsInSet) throw new MethodError('requestTooLarge', 'more than maxObjectsInSet copies');
  const oldState = view.emailState;
  const created: Record<string, unknown> = {};
  const notCreated: Record<string, SetError> = {};
  const copiedFrom: string[] = [];
  for (const [cid, o] of Object.entries(create as Record<string, Record<string, unknown>>)) {
    const original = typeof o?.id === 'string' ? source.emails.get(o.id) : undefined;
    if (!original) {
      notCreated[cid] = { type: 'notFound', description: 'no such Email in the source account' };
      continue;
    }
    const targets = targetFolders(ctx, view, o.mailboxIds);
    if (!Array.isArray(targets)) {
      notCreated[cid] = targets;
      continue;
    }
    const keywords = keywordSet(o.keywords);
    if (!(keywords instanceof Set)) {
      notCreated[cid] = keywords;
      continue;
    }
    const raw = await ctx.shared.blobs.get(original.hash);
    const r = await fileMessage(
      ctx,
      account,
      targets,
      raw,
      keywords,
      typeof o.receivedAt === 'string' ? o.receivedAt : undefined,
      `copy-from:${from.address}`,
    );
    if ('type' in r) notCreated[cid] = r;
    else {
      created[cid] = { id: r.emailId, blobId: `B${r.hash}`, threadId: `T${r.emailId.slice(1)}`, size: r.size };
      ctx.createdIds.set(cid, r.emailId);
      copiedFrom.push(original.id);
      view = await ctx.shared.indexes.view(account.scope);
    }
  }
  const response: [string, Record<string, unknown>][] = [
    [
      'Email/copy',
      {
        fromAccountId: from.id,
        accountId: account.id,
        oldState,
        newState: view.emailState,
        created: Object.keys(created).length ? created : null,
        notCreated: Object.keys(notCreated).length ? notCreated : null,
      },
    ],
  ];
  if (args.onSuccessDestroyOriginal === true && copiedFrom.length > 0) {
    const out = await set(ctx, { accountId: from.id, destroy: copiedFrom, ifInState: args.destroyFromIfInState ?? null });
    response.push(['Email/set', out]);
  }
  return response;
}

/** RFC 8621 §4.9: Email objects of message blobs that are not (necessarily) stored. */
async function parse(ctx: MethodContext, args: Record<string, unknown>) {
  onlyArguments(args, [
    'accountId',
    'blobIds',
    'properties',
    'bodyProperties',
    'fetchTextBodyValues',
    'fetchHTMLBodyValues',
    'fetchAllBodyValues',
    'maxBodyValueBytes',
  ]);
  const account = await findAccount(ctx, args.accountId);
  const blobIds = optionalStrings(args, 'blobIds');
  if (!blobIds) throw invalidArguments('blobIds is required');
  const properties = (optionalStrings(args, 'properties') ?? DEFAULT_EMAIL_PROPERTIES).filter(
    (p) => !['id', 'mailboxIds', 'keywords', 'receivedAt', 'threadId'].includes(p),
  );
  const bodyProperties = optionalStrings(args, 'bodyProperties') ?? DEFAULT_BODY_PROPERTIES;
  checkEmailProperties(properties, bodyProperties);
  const opts = {
    bodyProperties,
    fetchTextBodyValues: args.fetchTextBodyValues === true,
    fetchHTMLBodyValues: args.fetchHTMLBodyValues === true,
    fetchAllBodyValues: args.fetchAllBodyValues === true,
    maxBodyValueBytes: typeof args.maxBodyValueBytes === 'number' ? args.maxBodyValueBytes : 0,
  };
  const view = await ctx.shared.indexes.view(account.scope);
  const parsed: Record<string, unknown> = {};
  const notFound: string[] = [];
  for (const blobId of blobIds) {
    const bytes = await blobBytes(ctx, account, view, blobId);
    if (!bytes) {
      notFound.push(blobId);
      continue;
    }
    const email = new ParsedEmail(bytes, '0'.repeat(64));
    const out: Record<string, unknown> = {};
    for (const p of properties) out[p] = p === 'blobId' ? blobId : p === 'size' ? bytes.length : email.property(p, opts);
    parsed[blobId] = out;
  }
  return {
    accountId: account.id,
    parsed: Object.keys(parsed).length ? parsed : null,
    notParsable: null,
    notFound: notFound.length ? notFound : null,
  };
}

export const emailSetMethods: MethodTable = {
  'Email/set': { capability: MAIL, call: set },
  'Email/import': { capability: MAIL, call: importEmails },
  'Email/copy': { capability: MAIL, call: copy },
  'Email/parse': { capability: MAIL, call: parse },
};
