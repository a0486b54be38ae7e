import type { Logger } from '@mss/runtime';
import type { BlobStore, Store } from '@mss/store';
import type { CoreLimits } from '../capabilities.ts';
import type { EmailIndexes } from '../email-index.ts';
import type { EmailValuesCache } from '../email-values.ts';
import { MethodError, invalidArguments } from '../errors.ts';
import type { JmapAccount, JmapSession } from '../session.ts';
import type { Uploads } from '../uploads.ts';

/**
 * What JMAP uses of the store that belongs to no one mailbox, as IMAP's SharedMail: bodies by
 * content hash (a hash is only ever learnt from a row read through an account's scope), the
 * ingestion step, the per-process folder indexes and the folder-change notices IMAP IDLE hears.
 */
export interface JmapShared {
  readonly blobs: Pick<BlobStore, 'get' | 'has'>;
  readonly indexes: EmailIndexes;
  /** Email/get's properties that depend on a blob alone (envelope, preview, hasAttachment), computed once per process. */
  readonly emailValues: EmailValuesCache;
  readonly uploads: Uploads;
  ingest(raw: Buffer): ReturnType<Store['ingest']>;
  /** After a commit that changed a folder: IMAP sessions (IDLE) and JMAP push streams hear of it. */
  folderChanged(folderId: number): void;
}

export interface MethodContext {
  readonly session: JmapSession;
  readonly using: Set<string>;
  /** RFC 8620 §3.3 creation ids of this request (`#x` references in ids resolve through it). */
  readonly createdIds: Map<string, string>;
  readonly callId: string;
  readonly shared: JmapShared;
  readonly limits: CoreLimits;
  readonly logger: Logger;
  /** Hands a submission to the operator's SMTP submission path (EmailSubmission/set); absent: forbidden. */
  readonly submit?: Submitter;
}

export type Submitter = (req: {
  account: JmapAccount;
  /** The person's access token: the submission listener authenticates them as for their own software. */
  token: string;
  raw: Buffer;
  mailFrom: string;
  rcptTo: string[];
}) => Promise<
  | { ok: true; response: string; accepted: string[]; rejected: { email: string; reply: string }[] }
  | {
      ok: false;
      type: 'forbiddenFrom' | 'forbiddenToSend' | 'invalidRecipients' | 'tooLarge';
      description: string;
      invalidRecipients?: string[];
    }
>;

export type MethodResult = Record<string, unknown> | [string, Record<string, unknown>][];

export interface Method {
  capability: string;
  call(ctx: MethodContext, args: Record<string, unknown>): Promise<MethodResult>;
}

export type MethodTable = Record<string, Method>;

/** RFC 8620 §1.6.2 accountNotFound: an id that is not one of this session's accounts (or was lost). */
export function accountOf(ctx: MethodContext, accountId: unknown): JmapAccount {
  if (typeof accountId !== 'string') throw invalidArguments('accountId must be an Id');
  const a = ctx.session.accounts.get(accountId);
  if (a) return a;
  const lost = ctx.session.lost.get(accountId);
  throw new MethodError('accountNotFound', lost ? `access to this account has ended (${lost})` : `no account ${accountId} in this session`);
}

/** An account that may be missing from a session made before it was granted: decided again once. */
export async function findAccount(ctx: MethodContext, accountId: unknown): Promise<JmapAccount> {
  if (typeof accountId === 'string' && !ctx.session.accounts.has(accountId)) await ctx.session.refresh();
  return accountOf(ctx, accountId);
}

// --- argument readers (invalidArguments with the argument's name) ----------------------------

export function optionalIds(args: Record<string, unknown>, name: string): string[] | null {
  const v = args[name];
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw invalidArguments(`${name} must be an array of Ids or null`);
  return v as string[];
}

export function optionalStrings(args: Record<string, unknown>, name: string): string[] | null {
  return optionalIds(args, name);
}

export function optionalBoolean(args: Record<string, unknown>, name: string, fallback: boolean): boolean {
  const v = args[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw invalidArguments(`${name} must be a boolean`);
  return v;
}

export function optionalInt(args: Record<string, unknown>, name: string, fallback: number, min = 0): number {
  const v = args[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw invalidArguments(`${name} must be an integer of at least ${min}`);
  return v;
}

export function optionalString(args: Record<string, unknown>, name: string): string | null {
  const v = args[name];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw invalidArguments(`${name} must be a string`);
  return v;
}

/** Only the arguments a method knows (RFC 8620 §3.6.2 invalidArguments for any other). */
export function onlyArguments(args: Record<string, unknown>, known: readonly string[]): void {
  for (const k of Object.keys(args)) if (!known.includes(k)) throw invalidArguments(`unknown argument ${k}`);
}

/** `#creationId` in an id (RFC 8620 §5.3): the id the object got earlier in this request. */
export function resolveId(ctx: MethodContext, id: string): string {
  if (!id.startsWith('#')) return id;
  const created = ctx.createdIds.get(id.slice(1));
  return created ?? id;
}

export function checkGetLimit(ctx: MethodContext, ids: string[] | null): void {
  if (ids && ids.length > ctx.limits.maxObjectsInGet) {
    throw new MethodError('requestTooLarge', `more than maxObjectsInGet (${ctx.limits.maxObjectsInGet}) ids`);
  }
}
