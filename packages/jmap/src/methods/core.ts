import { CORE, MAIL, SUBMISSION } from '../capabilities.ts';
import { MethodError } from '../errors.ts';
import { checkGetLimit, findAccount, onlyArguments, optionalIds, type MethodContext, type MethodTable } from './context.ts';

/** RFC 8620 §4: the arguments, returned as they came. */
async function echo(_ctx: MethodContext, args: Record<string, unknown>) {
  return args;
}

/**
 * RFC 8621 §6: one Identity per account, its mailbox address — the only address the operator's
 * submission lets that mailbox send as (sender binding). A CAB's identity sends as the CAB; the
 * acting person is recorded as the author (R-CAB-9) by the submission path, not by the client.
 */
async function identityGet(ctx: MethodContext, args: Record<string, unknown>) {
  onlyArguments(args, ['accountId', 'ids', 'properties']);
  const account = await findAccount(ctx, args.accountId);
  const ids = optionalIds(args, 'ids');
  checkGetLimit(ctx, ids);
  const identity = {
    id: `I${account.id.slice(1)}`,
    name: account.address,
    email: account.address,
    replyTo: null,
    bcc: null,
    textSignature: '',
    htmlSignature: '',
    mayDelete: false,
  };
  const list = ids === null || ids.includes(identity.id) ? [identity] : [];
  return { accountId: account.id, state: '0', list, notFound: (ids ?? []).filter((i) => i !== identity.id) };
}

async function identityChanges(ctx: MethodContext, args: Record<string, unknown>) {
  const account = await findAccount(ctx, args.accountId);
  if (args.sinceState !== '0') throw new MethodError('cannotCalculateChanges', 'unknown Identity state');
  return { accountId: account.id, oldState: '0', newState: '0', hasMoreChanges: false, created: [], updated: [], destroyed: [] };
}

export const coreMethods: MethodTable = {
  'Core/echo': { capability: CORE, call: echo },
  'Identity/get': { capability: SUBMISSION, call: identityGet },
  'Identity/changes': { capability: SUBMISSION, call: identityChanges },
};

export { MAIL };
