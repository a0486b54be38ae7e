/** What the directory answered, or why it could not be reached. */
export interface Answer {
  /** 0 when the directory could not be reached (refused, reset, timed out). */
  status: number;
  body: unknown;
  error?: string;
}

export interface DirectoryClientOptions {
  /** The directory's HTTP origin, e.g. `http://127.0.0.1:8082`. */
  url: string;
  /** The operator key the directory issued (sent as `Authorization: Bearer`). */
  key: string;
  /** Per request (default 30 s); a declaration has no limit but its own progress. */
  timeoutMs?: number;
}

export const FHIR_BASE = '/fhir/v2';
export const DECLARATION_PATH = '/feed/v1/mailboxes';

/** The two calls the feed makes; every failure is an Answer, never a throw. */
export class DirectoryClient {
  private readonly options: DirectoryClientOptions;
  constructor(options: DirectoryClientOptions) {
    this.options = options;
  }

  patch(path: string, body: unknown): Promise<Answer> {
    return this.call(`${FHIR_BASE}${path}`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
    });
  }

  /** Streams NDJSON lines as they are produced (never the whole list in memory). */
  declare(lines: AsyncIterable<string>): Promise<Answer> {
    async function* bytes() {
      for await (const line of lines) yield Buffer.from(`${line}\n`);
    }
    return this.call(DECLARATION_PATH, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/x-ndjson' },
      body: bytes() as unknown as RequestInit['body'],
      duplex: 'half',
    } as RequestInit);
  }

  private async call(path: string, init: RequestInit): Promise<Answer> {
    try {
      const headers = { ...(init.headers as Record<string, string>), Authorization: `Bearer ${this.options.key}` };
      const res = await fetch(`${this.options.url}${path}`, { ...init, headers });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        // Not JSON (a proxy's error page): kept as text for the error message.
      }
      return { status: res.status, body, ...(res.ok ? {} : { error: `HTTP ${res.status}: ${diagnostics(body)}` }) };
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      return { status: 0, body: null, error: `directory unreachable: ${cause?.code ?? cause?.message ?? (err as Error).message}` };
    }
  }
}

function diagnostics(body: unknown): string {
  const issue = (body as { issue?: { diagnostics?: string }[] } | null)?.issue?.[0];
  if (issue?.diagnostics) return issue.diagnostics;
  return typeof body === 'string' ? body.slice(0, 200) : (JSON.stringify(body)?.slice(0, 200) ?? '');
}
