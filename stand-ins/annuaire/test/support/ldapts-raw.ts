// ldapts hides the result code of a search that returned entries within the client's own size
// limit, and drops the entries when it throws. To see both as a client sees them on the wire,
// these helpers send a SearchRequest through ldapts' own encoder and decoder, using the client's
// internal send (a private API: pinned to ldapts 9).

import { Client, type Control, FilterParser, SearchRequest } from 'ldapts';

interface RawSearchEntry {
  name: string;
  attributes: { type: string; values: (string | Buffer)[] }[];
}

interface ClientInternals {
  _nextMessageId(): number;
  _send(message: SearchRequest): Promise<{ status: number; errorMessage: string; searchEntries: RawSearchEntry[] }>;
}

export interface RawSearchResult {
  status: number;
  errorMessage: string;
  entries: { dn: string; attributes: Record<string, string[]> }[];
}

export async function rawSearch(
  client: Client,
  baseDN: string,
  options: {
    filter?: string;
    scope?: 'base' | 'one' | 'sub';
    attributes?: string[];
    sizeLimit?: number;
    timeLimit?: number;
    controls?: Control[];
  } = {},
): Promise<RawSearchResult> {
  await client.bind('', '');
  const internals = client as unknown as ClientInternals;
  const request = new SearchRequest({
    messageId: internals._nextMessageId(),
    baseDN,
    scope: options.scope ?? 'sub',
    filter: FilterParser.parseString(options.filter ?? '(objectClass=*)'),
    attributes: options.attributes ?? [],
    sizeLimit: options.sizeLimit ?? 0,
    timeLimit: options.timeLimit ?? 0,
    controls: options.controls ?? [],
  });
  const response = await internals._send(request);
  return {
    status: response.status,
    errorMessage: response.errorMessage,
    entries: response.searchEntries.map((entry) => ({
      dn: entry.name,
      attributes: Object.fromEntries(entry.attributes.map((a) => [a.type, a.values.map(String)])),
    })),
  };
}

export function anonymousClient(url: string): Client {
  return new Client({ url, timeout: 10_000, connectTimeout: 5_000 });
}
