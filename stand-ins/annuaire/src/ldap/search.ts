// One search operation, from request to SearchResultDone: resolving the base, the size and time
// limits (R-ANN-3), hidden attributes, re-checking every candidate, and pacing the source by the
// socket so that a slow reader holds back the search instead of filling memory.

import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from '@mss/runtime';
import { createAttributePicker, parseAttributeSelection } from './attributes.ts';
import { DnSyntaxError, entryNormalizedDn, NormalizedDn } from './dn.ts';
import { hideAttributes } from './filter.ts';
import { compileFilter, type MatchingSchema } from './filter-match.ts';
import { formatFilter } from './filter-string.ts';
import { encodeSearchResultDone, encodeSearchResultEntry, type SearchRequest } from './messages.ts';
import { type LdapResult, LdapResultError, ResultCode } from './result-codes.ts';
import { type LdapEntry, type LdapEntrySource, isVerified } from './source.ts';

export interface SearchSettings {
  source: LdapEntrySource;
  sizeLimit: number;
  timeLimitMs: number;
  hidden: ReadonlySet<string>;
  namingContexts: readonly NormalizedDn[];
  rootDse: { entry: LdapEntry; operational: ReadonlySet<string> };
  schema: MatchingSchema | undefined;
}

/**
 * Where a search writes; `send` gives (or resolves to) false once nothing more should be sent. It
 * answers `true` at once when the message was taken without waiting, so that a search sending
 * entries from memory does not pay a promise per entry.
 */
export interface ResponseChannel {
  send(message: Buffer, signal?: AbortSignal): boolean | Promise<boolean>;
}

/** Why a search stopped early, as the reason of its AbortSignal. */
export const StopReason = {
  abandoned: 'abandoned',
  closed: 'connection closed',
  timeLimit: 'time limit exceeded',
  finished: 'finished',
} as const;

export interface SearchOutcome {
  resultCode: number | 'abandoned';
  entries: number;
  candidates: number;
}

/** How long one search may hold the event loop before letting other connections in. */
const SLICE_MS = 10;

const STOPPED: unique symbol = Symbol('stopped');

/** Waits for `promise` unless `signal` aborts first; never leaves a listener behind. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | typeof STOPPED> {
  if (signal.aborted) return Promise.resolve(STOPPED);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(STOPPED);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

export async function runSearch(
  settings: SearchSettings,
  channel: ResponseChannel,
  messageId: number,
  request: SearchRequest,
  signal: AbortSignal,
  logger: Logger,
): Promise<SearchOutcome> {
  const started = performance.now();
  const outcome: SearchOutcome = { resultCode: ResultCode.success, entries: 0, candidates: 0 };
  const result = await execute(settings, channel, messageId, request, signal, logger, outcome);
  if (result === null) {
    outcome.resultCode = 'abandoned';
  } else {
    outcome.resultCode = result.resultCode;
    await channel.send(encodeSearchResultDone(messageId, result));
  }
  if (logger.isLevelEnabled('debug')) {
    logger.debug(
      {
        messageId,
        base: request.baseObject,
        scope: request.scope,
        filter: formatFilter(request.filter),
        ...outcome,
        ms: Math.round(performance.now() - started),
      },
      'search',
    );
  }
  return outcome;
}

/** Sends the entries; returns the final result, or null when no result must be sent. */
async function execute(
  settings: SearchSettings,
  channel: ResponseChannel,
  messageId: number,
  request: SearchRequest,
  signal: AbortSignal,
  logger: Logger,
  outcome: SearchOutcome,
): Promise<LdapResult | null> {
  if (signal.aborted) return null;
  let base: NormalizedDn;
  try {
    base = NormalizedDn.parse(request.baseObject);
  } catch (err) {
    if (err instanceof DnSyntaxError) return { resultCode: ResultCode.invalidDNSyntax, diagnosticMessage: err.message };
    throw err;
  }
  const filter = hideAttributes(request.filter, settings.hidden);
  const predicate = compileFilter(filter, settings.schema);
  const selection = parseAttributeSelection(request.attributes, settings.schema);

  if (base.isRoot && request.scope === 'base') {
    const { entry, operational } = settings.rootDse;
    if (predicate(entry) === 'TRUE') {
      const pick = createAttributePicker(selection, { hidden: settings.hidden, operational, typesOnly: request.typesOnly });
      if (!(await channel.send(encodeSearchResultEntry(messageId, entry.dn, pick(entry)), signal))) return null;
      outcome.entries = 1;
    }
    return { resultCode: ResultCode.success };
  }
  if (!base.isRoot && !settings.namingContexts.some((context) => base.isWithin(context))) {
    return {
      resultCode: ResultCode.noSuchObject,
      diagnosticMessage: `${request.baseObject} is not in this directory; its naming context is ${settings.namingContexts.map((c) => c.text).join(', ')}`,
    };
  }

  const sizeLimit = request.sizeLimit > 0 ? Math.min(request.sizeLimit, settings.sizeLimit) : settings.sizeLimit;
  const timeLimitMs = request.timeLimit > 0 ? Math.min(request.timeLimit * 1000, settings.timeLimitMs) : settings.timeLimitMs;
  const deadline = performance.now() + timeLimitMs;
  const pick = createAttributePicker(selection, { hidden: settings.hidden, typesOnly: request.typesOnly });

  // One signal for the source and for every wait: the client's abandon or disconnection, the
  // time limit (a timer, so that a source or a socket that never answers still ends), or the end.
  const controller = new AbortController();
  const forward = (): void => controller.abort(signal.reason);
  signal.addEventListener('abort', forward, { once: true });
  const timer = setTimeout(() => controller.abort(StopReason.timeLimit), timeLimitMs);
  const stop = controller.signal;
  let iterator: AsyncIterator<LdapEntry> | undefined;
  let syncIterator: Iterator<LdapEntry> | undefined;
  let result: LdapResult | null = { resultCode: ResultCode.success };
  try {
    const produced = settings.source.search({ baseDn: base.text, scope: request.scope, filter, signal: stop, schema: settings.schema });
    // A source that checked scope and filter with our rules already (VERIFIED) is not checked twice.
    const verified = isVerified(produced);
    if (Symbol.iterator in produced) syncIterator = produced[Symbol.iterator]();
    else iterator = produced[Symbol.asyncIterator]();
    let sliceStart = performance.now();
    for (;;) {
      let next: IteratorResult<LdapEntry> | typeof STOPPED;
      if (syncIterator !== undefined) next = stop.aborted ? STOPPED : syncIterator.next();
      else next = await untilAborted(iterator!.next(), stop);
      if (next === STOPPED || next.done) break;
      outcome.candidates++;
      const entry = next.value;
      const dn = verified ? undefined : entryNormalizedDn(entry);
      if (dn === null) {
        logger.warn({ dn: entry.dn }, 'the entry source returned an entry with an invalid DN; skipped');
      } else if (dn === undefined || (dn.inScope(base, request.scope) && predicate(entry) === 'TRUE')) {
        if (outcome.entries >= sizeLimit) {
          result = {
            resultCode: ResultCode.sizeLimitExceeded,
            diagnosticMessage: `more than ${sizeLimit} entries match; only the first ${sizeLimit} are returned`,
          };
          break;
        }
        const sent = channel.send(encodeSearchResultEntry(messageId, entry.dn, pick(entry)), stop);
        if (sent !== true && !(await sent)) break;
        outcome.entries++;
      }
      const now = performance.now();
      if (now >= deadline) {
        controller.abort(StopReason.timeLimit);
        break;
      }
      if (now - sliceStart >= SLICE_MS) {
        // A source that answers from memory never waits, so without this one search over many
        // candidates would keep every other client (and this client's abandon) waiting.
        await nextTurn();
        sliceStart = performance.now();
      }
    }
  } catch (err) {
    if (err instanceof LdapResultError) {
      result = { resultCode: err.resultCode, matchedDN: err.matchedDN, diagnosticMessage: err.message };
    } else if (!stop.aborted) {
      logger.error({ err, base: request.baseObject }, 'the entry source failed during a search');
      result = { resultCode: ResultCode.other, diagnosticMessage: 'internal error in the directory' };
    }
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', forward);
    const reason: unknown = stop.aborted ? stop.reason : StopReason.finished;
    if (!stop.aborted) controller.abort(StopReason.finished);
    // Not awaited: a source stuck in next() would otherwise hold the result back forever.
    try {
      iterator?.return?.().catch(() => undefined);
      syncIterator?.return?.();
    } catch {
      // A source whose return() throws has nothing left to clean up that we could help with.
    }
    if (reason === StopReason.timeLimit) {
      result = {
        resultCode: ResultCode.timeLimitExceeded,
        diagnosticMessage: `the search ran for more than ${timeLimitMs / 1000} s; partial results`,
      };
    } else if (reason !== StopReason.finished) {
      // Abandoned, or the connection is gone: RFC 4511 §4.11 forbids a response.
      result = null;
    }
  }
  return result;
}
