/** One page of the Annuaire's change feed: the resources that changed, and the cursor to ask from next. */
export interface FeedPage {
  entries: Record<string, unknown>[];
  next: string;
}

export type FeedFailure =
  /** The Annuaire no longer knows the cursor (410): resynchronise in full. */
  | { kind: 'cursor-unknown'; message: string }
  /** Unreachable, 5xx, or an answer that is not a feed page: try again later. */
  | { kind: 'unavailable'; message: string }
  /** Refused (4xx other than 410): a configuration error (key, URL); tried again later too, and reported. */
  | { kind: 'refused'; message: string };

export class FeedError extends Error {
  readonly failure: FeedFailure;
  constructor(failure: FeedFailure) {
    super(failure.message);
    this.name = 'FeedError';
    this.failure = failure;
  }
}

export interface FeedClientOptions {
  /** The Annuaire's HTTP origin (`http://127.0.0.1:8082`); the feed is at `/fhir/v2`. */
  url: string;
  /** The ESANTE-API-KEY the Annuaire issued. */
  apiKey: string;
  /** Per request (default 30 s). */
  timeoutMs?: number;
}

export const FEED_TYPES = 'Practitioner,PractitionerRole,Organization';

/**
 * Reads the Annuaire's change feed over HTTP (`GET /fhir/v2?_type=…&_count=…&_cursor=…`), as any
 * operator would: never its database.
 */
export class FeedClient {
  private readonly options: FeedClientOptions;
  constructor(options: FeedClientOptions) {
    this.options = options;
  }

  /** A page after `cursor` (from the feed's beginning, a full resynchronisation, when null). */
  async page(cursor: string | null, count: number): Promise<FeedPage> {
    const q = new URLSearchParams({ _type: FEED_TYPES, _count: String(count) });
    if (cursor !== null) q.set('_cursor', cursor);
    const url = `${this.options.url.replace(/\/$/, '')}/fhir/v2?${q.toString()}`;
    let res: Response;
    let body: unknown;
    try {
      res = await fetch(url, {
        headers: { 'ESANTE-API-KEY': this.options.apiKey, Accept: 'application/fhir+json' },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
      const text = await res.text();
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = text;
      }
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new FeedError({
        kind: 'unavailable',
        message: `the Annuaire is unreachable: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
      });
    }
    if (res.status === 410) throw new FeedError({ kind: 'cursor-unknown', message: diagnostics(body) });
    if (res.status >= 500)
      throw new FeedError({ kind: 'unavailable', message: `the Annuaire answered ${res.status}: ${diagnostics(body)}` });
    if (res.status !== 200)
      throw new FeedError({ kind: 'refused', message: `the Annuaire refused the feed request (${res.status}): ${diagnostics(body)}` });
    const bundle = body as {
      resourceType?: string;
      entry?: { resource?: Record<string, unknown> }[];
      link?: { relation?: string; url?: string }[];
    };
    const nextUrl = bundle?.link?.find((l) => l.relation === 'next')?.url;
    const next = nextUrl ? new URL(nextUrl).searchParams.get('_cursor') : null;
    if (bundle?.resourceType !== 'Bundle' || !next)
      throw new FeedError({
        kind: 'unavailable',
        message: 'the Annuaire answered something that is not a feed page (no Bundle with a next cursor)',
      });
    const entries = (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
    return { entries, next };
  }
}

function diagnostics(body: unknown): string {
  const issue = (body as { issue?: { diagnostics?: string }[] } | null)?.issue?.[0];
  if (issue?.diagnostics) return issue.diagnostics;
  return typeof body === 'string' ? body.slice(0, 200) : (JSON.stringify(body)?.slice(0, 200) ?? '');
}
