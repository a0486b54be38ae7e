import { createHash } from 'node:crypto';
import { invalid } from './outcome.ts';

// Paging is by keyset: the cursor carries the last key of the page and a digest of the search it
// belongs to. Rows added or removed elsewhere never shift a page, and a cursor pasted onto another
// search is refused rather than silently giving a wrong page.

export function searchScope(type: string, params: URLSearchParams): string {
  const entries = [...params]
    .filter(([k]) => k !== '_cursor')
    .sort(([a, av], [b, bv]) => (a === b ? (av < bv ? -1 : av > bv ? 1 : 0) : a < b ? -1 : 1));
  return createHash('sha256')
    .update(JSON.stringify([type, entries]))
    .digest('base64url')
    .slice(0, 16);
}

export function encodeCursor(scope: string, lastKey: string): string {
  return Buffer.from(JSON.stringify([1, scope, lastKey])).toString('base64url');
}

export function decodeCursor(token: string, scope: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid("_cursor is not a cursor this server gave out; follow the Bundle's next link as it is");
  }
  if (!Array.isArray(parsed) || parsed[0] !== 1 || typeof parsed[2] !== 'string') {
    throw invalid("_cursor is not a cursor this server gave out; follow the Bundle's next link as it is");
  }
  if (parsed[1] !== scope)
    throw invalid(
      "_cursor belongs to another search; follow the Bundle's next link with the same parameters, or start again from the first page",
    );
  return parsed[2];
}
