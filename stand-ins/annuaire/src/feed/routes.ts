import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@mss/runtime';
import { MssError } from '@mss/runtime';
import type { Store } from '@mss/store';
import type { DirectoryData } from '../directory/data.ts';
import { FhirError, invalid } from '../fhir/outcome.ts';
import { readResource } from '../fhir/read.ts';
import { SEARCHABLE_TYPES, type SearchableType } from '../fhir/search.ts';
import { declareMailboxes } from './declaration.ts';
import { FeedOperators, type FeedOperator } from './operators.ts';
import { parsePatchBody } from './parameters.ts';
import { targetById, targetByIdentifier } from './target.ts';
import { applyChange } from './writer.ts';

/** The write side: which operators may feed the directory, and the store written to. */
export interface FeedOptions {
  /** The directory's own store (the one `data` reads). */
  store: Store;
  operators: readonly FeedOperator[];
  /** Called after a write changed the directory (a PATCH, a declaration that changed something): views kept in memory, such as the LDAP snapshot, follow at once. */
  onChange?: () => void;
}

export const DECLARATION_PATH = '/feed/v1/mailboxes';
const MAX_PATCH_BYTES = 1024 * 1024;

export interface FeedContext {
  data: DirectoryData;
  logger: Logger;
  now: () => Date;
}

export type Reply = (status: number, body: unknown, headers?: Record<string, string>) => void;

/** Builds the feed's request handler; the HTTP server sends PATCHes and the declaration path here. */
export function feedHandler(options: FeedOptions, ctx: FeedContext) {
  const operators = new FeedOperators(options.operators);
  const { store } = options;

  const patch = async (req: IncomingMessage, url: URL, rest: string[], reply: Reply): Promise<void> => {
    const op = operators.authenticate(req);
    const type = rest[0] as SearchableType;
    if (!SEARCHABLE_TYPES.includes(type))
      throw new FhirError(
        404,
        'not-supported',
        `Unknown resource type '${rest[0]}' - mailboxes are written on ${SEARCHABLE_TYPES.join(', ')}`,
      );
    if (rest.length > 2)
      throw new FhirError(404, 'not-supported', `${url.pathname}: PATCH [base]/${type}/{id} or [base]/${type}?identifier=…`);
    const body = await readJson(req);
    const changes = parsePatchBody(body, type);
    let target;
    if (rest.length === 2) target = await targetById(ctx.data, type, decodeId(rest[1]!));
    else target = await targetByIdentifier(ctx.data, type, url.searchParams, ctx.now);
    const at = ctx.now().toISOString();
    let outcomes: string[];
    try {
      outcomes = await store.transaction(async (tx) => {
        const out: string[] = [];
        for (const c of changes) out.push(await applyChange(tx, op, target, c, at));
        return out;
      });
    } catch (err) {
      // Two writers creating one address at once: the loser may simply retry.
      if (err instanceof MssError && err.code === 'MAILBOX_ADDRESS_TAKEN') throw new FhirError(409, 'processing', `${err.message}; retry`);
      throw err;
    }
    ctx.logger.info({ operator: op.name, target: `${target.resourceType}/${target.id}`, outcomes }, 'annuaire feed: patched');
    options.onChange?.();
    reply(200, await readResource(ctx.data, type, target.id, at.slice(0, 10)));
  };

  const declaration = async (req: IncomingMessage, reply: Reply): Promise<void> => {
    const op = operators.authenticate(req);
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (contentType !== 'application/x-ndjson' && contentType !== 'application/ndjson') {
      throw new FhirError(
        415,
        'not-supported',
        `a declaration is application/x-ndjson (one mailbox per line), not ${contentType || 'no content type'}`,
      );
    }
    const summary = await declareMailboxes(store, op, req, ctx.now);
    if (summary.created + summary.updated + summary.withdrawn > 0) options.onChange?.();
    ctx.logger.info({ ...summary, errors: summary.errors.length }, 'annuaire feed: full declaration');
    reply(200, summary, { 'Content-Type': 'application/json; charset=utf-8' });
  };

  return {
    /** True when the request belongs to the feed (PATCH on a FHIR path, or the declaration path). */
    handles(method: string, pathname: string, fhirBase: string): boolean {
      return (method === 'PATCH' && pathname.startsWith(`${fhirBase}/`)) || pathname === DECLARATION_PATH;
    },
    async handle(req: IncomingMessage, res: ServerResponse, url: URL, fhirBase: string, reply: Reply): Promise<void> {
      try {
        if (url.pathname === DECLARATION_PATH) {
          if (req.method !== 'PUT')
            throw new FhirError(405, 'not-supported', `use PUT on ${DECLARATION_PATH} with the full list of your mailboxes`, {
              Allow: 'PUT',
            });
          return await declaration(req, reply);
        }
        const rest = url.pathname.slice(fhirBase.length).split('/').filter(Boolean);
        return await patch(req, url, rest, reply);
      } catch (err) {
        if (err instanceof FhirError) {
          if (!req.complete) req.resume();
          return reply(
            err.status,
            { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: err.code, diagnostics: err.message }] },
            err.headers,
          );
        }
        void res;
        throw err;
      }
    },
  };
}

function decodeId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalid(`"${raw}" is not a valid percent-encoded id`);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/fhir+json' && type !== 'application/json') {
    throw new FhirError(
      415,
      'not-supported',
      `PATCH takes a FHIR Parameters body as application/fhir+json, not ${type || 'no content type'}`,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_PATCH_BYTES) throw new FhirError(413, 'too-costly', `the PATCH body is over ${MAX_PATCH_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw invalid('the PATCH body is not valid JSON');
  }
}
