// RFC 8621 §7 EmailSubmission and §8 VacationResponse.

import { SUBMISSION, VACATION } from '../capabilities.ts';
import { MethodError } from '../errors.ts';
import { findAccount, type MethodContext, type MethodTable } from './context.ts';

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
  const update = (args.update ?? {}) as Record<string, Record<string, unknown>>;
  const notUpdated: Record<string, unknown> = {};
  for (const id of Object.keys(update)) {
    notUpdated[id] =
      id === 'singleton' ? { type: 'forbidden', description: 'automatic replies are not offered by this operator' } : { type: 'notFound' };
  }
  if (args.create || args.destroy) throw new MethodError('invalidArguments', 'VacationResponse is a singleton: update only');
  return {
    accountId: account.id,
    oldState: '0',
    newState: '0',
    updated: null,
    notUpdated: Object.keys(notUpdated).length ? notUpdated : null,
  };
}

export const submissionMethods: MethodTable = {
  'VacationResponse/get': { capability: VACATION, call: vacationGet },
  'VacationResponse/set': { capability: VACATION, call: vacationSet },
};

export { SUBMISSION };
