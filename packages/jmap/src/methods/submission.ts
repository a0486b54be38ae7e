// RFC 8621 §7 EmailSubmission (sending through the operator's SMTP submission path) and §8
// VacationResponse.

import { parseAddressList, parseMessage, rawHeaders } from '@mss/mime';
import { SUBMISSION, VACATION } from '../capabilities.ts';
import { MethodError, invalidArguments, type SetError } from '../errors.ts';
import type { JmapAccount } from '../session.ts';
import { findAccount, onlyArguments, optionalIds, resolveId, type MethodContext, type MethodTable } from './context.ts';
import { emailSetMethods } from './email-set.ts';

interface Submission {
  id: string;
  identityId: string;
  emailId: string;
  threadId: string;
  envelope: { mailFrom: { email: string; parameters: null }; rcptTo: { email: string; parameters: null }[] };
  sendAt: string;
  undoStatus: 'final';
  deliveryStatus: Record<string, { smtpReply: string; delivered: 'queued' | 'no' | 'unknown'; displayed: 'unknown' }>;
  dsnBlobIds: string[];
  mdnBlobIds: string[];
}

/** Submissions made in this process, per account, for EmailSubmission/get (our choice: not stored; docs/choices.md). */
const submissions = new Map<string, Map<string, Submission>>();
let sequence = 0;

/** The message as sent: without its Bcc field (RFC 8621 §7.5: the server MUST remove it). */
function withoutBcc(raw: Buffer): Buffer {
  const root = parseMessage(raw);
  const bcc = root.fields.filter((f) => f.key === 'bcc');
  if (bcc.length === 0) return raw;
  const parts: Buffer[] = [];
  let at = 0;
  for (const f of bcc) {
    parts.push(raw.subarray(at, f.start));
    at = f.end;
  }
  parts.push(raw.subarray(at));
  return Buffer.concat(parts);
}

function recipientsOf(raw: Buffer): string[] {
  const root = parseMessage(raw);
  const out = new Set<string>();
  for (const name of ['to', 'cc', 'bcc']) {
    for (const v of rawHeaders(root, name)) for (const a of parseAddressList(Buffer.from(v, 'latin1').toString('utf8'))) out.add(a.address);
  }
  return [...out];
}

type Envelope = { mailFrom: string; rcptTo: string[] };

function readEnvelope(value: unknown): { envelope: Envelope | null } | { error: SetError } {
  if (value === undefined || value === null) return { envelope: null };
  const e = value as { mailFrom?: { email?: unknown }; rcptTo?: { email?: unknown }[] };
  if (typeof e !== 'object' || typeof e.mailFrom?.email !== 'string' || !Array.isArray(e.rcptTo)) {
    return { error: { type: 'invalidProperties', properties: ['envelope'] } };
  }
  const rcptTo = e.rcptTo.map((r) => r?.email);
  if (!rcptTo.every((r): r is string => typeof r === 'string')) return { error: { type: 'invalidProperties', properties: ['envelope'] } };
  return { envelope: { mailFrom: e.mailFrom.email, rcptTo } };
}

async function submitOne(ctx: MethodContext, account: JmapAccount, o: Record<string, unknown>): Promise<Submission | SetError> {
  for (const k of Object.keys(o)) {
    if (!['identityId', 'emailId', 'envelope'].includes(k)) return { type: 'invalidProperties', properties: [k] };
  }
  const identityId = `I${account.id.slice(1)}`;
  if (o.identityId !== identityId)
    return { type: 'invalidProperties', properties: ['identityId'], description: 'not the Identity of this account' };
  if (typeof o.emailId !== 'string') return { type: 'invalidProperties', properties: ['emailId'] };
  const emailId = resolveId(ctx, o.emailId);
  const view = await ctx.shared.indexes.view(account.scope);
  const email = view.emails.get(emailId);
  if (!email) return { type: 'invalidProperties', properties: ['emailId'], description: 'no such Email in this account' };
  const raw = await ctx.shared.blobs.get(email.hash);
  const given = readEnvelope(o.envelope);
  if ('error' in given) return given.error;
  const envelope: Envelope = given.envelope ?? { mailFrom: account.address, rcptTo: recipientsOf(raw) };
  if (envelope.rcptTo.length === 0) return { type: 'noRecipients', description: 'the Email has no To, Cc or Bcc address' };
  if (!ctx.submit) return { type: 'forbiddenToSend', description: 'sending is not available on this server' };
  const outcome = await ctx.submit({
    account,
    token: ctx.session.bearerToken(),
    raw: withoutBcc(raw),
    mailFrom: envelope.mailFrom,
    rcptTo: envelope.rcptTo,
  });
  if (!outcome.ok) {
    return {
      type: outcome.type,
      description: outcome.description,
      ...(outcome.invalidRecipients ? { invalidRecipients: outcome.invalidRecipients } : {}),
    };
  }
  const deliveryStatus: Submission['deliveryStatus'] = {};
  for (const a of outcome.accepted) deliveryStatus[a] = { smtpReply: outcome.response, delivered: 'queued', displayed: 'unknown' };
  for (const r of outcome.rejected) deliveryStatus[r.email] = { smtpReply: r.reply, delivered: 'no', displayed: 'unknown' };
  return {
    id: `S${Date.now().toString(36)}${(++sequence).toString(36)}`,
    identityId,
    emailId,
    threadId: `T${emailId.slice(1)}`,
    envelope: {
      mailFrom: { email: envelope.mailFrom, parameters: null },
      rcptTo: envelope.rcptTo.map((email) => ({ email, parameters: null })),
    },
    sendAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    undoStatus: 'final',
    deliveryStatus,
    dsnBlobIds: [],
    mdnBlobIds: [],
  };
}

async function submissionSet(ctx: MethodContext, args: Record<string, unknown>) {
  onlyArguments(args, ['accountId', 'ifInState', 'create', 'update', 'destroy', 'onSuccessUpdateEmail', 'onSuccessDestroyEmail']);
  const account = await findAccount(ctx, args.accountId);
  const create = (args.create ?? {}) as Record<string, Record<string, unknown>>;
  if (typeof create !== 'object' || Array.isArray(create)) throw invalidArguments('create must be a map');
  if (Object.keys(create).length > ctx.limits.maxObjectsInSet)
    throw new MethodError('requestTooLarge', 'more than maxObjectsInSet submissions');
  const mine = submissions.get(account.id) ?? new Map<string, Submission>();
  submissions.set(account.id, mine);
  const oldState = String(mine.size);
  const created: Record<string, unknown> = {};
  const notCreated: Record<string, SetError> = {};
  for (const [cid, o] of Object.entries(create)) {
    const r = await submitOne(ctx, account, o ?? {});
    if ('type' in r) notCreated[cid] = r as SetError;
    else {
      mine.set(r.id, r);
      created[cid] = { id: r.id, sendAt: r.sendAt, undoStatus: r.undoStatus };
      ctx.createdIds.set(cid, r.id);
    }
  }
  // Sent submissions are final: nothing to cancel or forget (RFC 8621 §7.5 cannotUnsend).
  const notUpdated: Record<string, SetError> = {};
  for (const id of Object.keys((args.update ?? {}) as object))
    notUpdated[id] = { type: 'forbidden', description: 'a sent submission cannot be changed' };
  const notDestroyed: Record<string, SetError> = {};
  for (const id of (Array.isArray(args.destroy) ? args.destroy : []) as string[]) notDestroyed[id] = { type: 'forbidden' };
  const response: [string, Record<string, unknown>][] = [
    [
      'EmailSubmission/set',
      {
        accountId: account.id,
        oldState,
        newState: String(mine.size),
        created: Object.keys(created).length ? created : null,
        notCreated: Object.keys(notCreated).length ? notCreated : null,
        updated: null,
        notUpdated: Object.keys(notUpdated).length ? notUpdated : null,
        destroyed: null,
        notDestroyed: Object.keys(notDestroyed).length ? notDestroyed : null,
      },
    ],
  ];
  // RFC 8621 §7.5: the implicit Email/set for the submissions that succeeded (move to Sent, drop $draft…).
  const update: Record<string, unknown> = {};
  const destroy: string[] = [];
  const onUpdate = (args.onSuccessUpdateEmail ?? {}) as Record<string, unknown>;
  const onDestroy = Array.isArray(args.onSuccessDestroyEmail) ? (args.onSuccessDestroyEmail as string[]) : [];
  for (const [cid, c] of Object.entries(created)) {
    const emailId = mine.get((c as { id: string }).id)!.emailId;
    if (Object.hasOwn(onUpdate, `#${cid}`)) update[emailId] = onUpdate[`#${cid}`];
    if (onDestroy.includes(`#${cid}`)) destroy.push(emailId);
  }
  if (Object.keys(update).length > 0 || destroy.length > 0) {
    const out = await emailSetMethods['Email/set']!.call(ctx, { accountId: account.id, update, destroy });
    response.push(['Email/set', out as Record<string, unknown>]);
  }
  return response;
}

async function submissionGet(ctx: MethodContext, args: Record<string, unknown>) {
  onlyArguments(args, ['accountId', 'ids', 'properties']);
  const account = await findAccount(ctx, args.accountId);
  const ids = optionalIds(args, 'ids');
  const mine = submissions.get(account.id) ?? new Map<string, Submission>();
  const wanted = ids ?? [...mine.keys()];
  return {
    accountId: account.id,
    state: String(mine.size),
    list: wanted.filter((id) => mine.has(id)).map((id) => mine.get(id)),
    notFound: wanted.filter((id) => !mine.has(id)),
  };
}

async function submissionChanges(ctx: MethodContext, args: Record<string, unknown>): Promise<never> {
  await findAccount(ctx, args.accountId);
  throw new MethodError('cannotCalculateChanges', 'EmailSubmission/get lists the submissions made since the server started');
}

/** RFC 8621 §8: the singleton; the operator has no auto-reply yet, so it is always disabled. */
async function vacationGet(ctx: MethodContext, args: Record<string, unknown>) {
  const account = await findAccount(ctx, args.accountId);
  const singleton = { id: 'singleton', isEnabled: false, fromDate: null, toDate: null, subject: null, textBody: null, htmlBody: null };
  const ids = args.ids;
  const wanted = Array.isArray(ids) ? ids : ['singleton'];
  return {
    accountId: account.id,
    state: '0',
    list: wanted.includes('singleton') ? [singleton] : [],
    notFound: wanted.filter((i) => i !== 'singleton'),
  };
}

async function vacationSet(ctx: MethodContext, args: Record<string, unknown>) {
  const account = await findAccount(ctx, args.accountId);
  if (args.create || args.destroy) throw new MethodError('invalidArguments', 'VacationResponse is a singleton: update only');
  const update = (args.update ?? {}) as Record<string, Record<string, unknown>>;
  const notUpdated: Record<string, unknown> = {};
  for (const id of Object.keys(update)) {
    notUpdated[id] =
      id === 'singleton' ? { type: 'forbidden', description: 'automatic replies are not offered by this operator' } : { type: 'notFound' };
  }
  return {
    accountId: account.id,
    oldState: '0',
    newState: '0',
    updated: null,
    notUpdated: Object.keys(notUpdated).length ? notUpdated : null,
  };
}

export const submissionMethods: MethodTable = {
  'EmailSubmission/set': { capability: SUBMISSION, call: submissionSet },
  'EmailSubmission/get': { capability: SUBMISSION, call: submissionGet },
  'EmailSubmission/changes': { capability: SUBMISSION, call: submissionChanges },
  'VacationResponse/get': { capability: VACATION, call: vacationGet },
  'VacationResponse/set': { capability: VACATION, call: vacationSet },
};
