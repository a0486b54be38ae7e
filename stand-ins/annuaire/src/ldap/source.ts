import type { FilterNode } from './filter.ts';
import type { Scope } from './dn.ts';
import type { MatchingSchema } from './filter-match.ts';

/**
 * Set to true on the iterable a source returns when every entry it yields is in the scope and
 * makes the filter TRUE under `request.schema` (the server's matching rules): the server then
 * does not check them again. Sources that may return a superset leave it unset.
 */
export const VERIFIED: unique symbol = Symbol('mss.ldap.verified');

type MaybeVerified = { [VERIFIED]?: boolean };

/** Marks a source's results VERIFIED when it checked them with the server's own rules (`schema`). */
export function verifiedWhen<T extends object>(results: T, sameSchema: boolean): T {
  if (sameSchema) (results as MaybeVerified)[VERIFIED] = true;
  return results;
}

/** Whether a source marked its results VERIFIED. */
export function isVerified(results: object): boolean {
  return (results as MaybeVerified)[VERIFIED] === true;
}

/**
 * One directory entry as a source hands it to the server. The server treats it as an immutable
 * snapshot (it caches derived data per attributes object), and attribute names are matched
 * case-insensitively; the spelling here is the one clients see.
 */
export interface LdapEntry {
  dn: string;
  attributes: Record<string, string[]>;
}

export interface SourceSearchRequest {
  /** The search base in normal form (see normalizeDn): lower-case types and values. */
  baseDn: string;
  scope: Scope;
  /**
   * The client's filter with attributes the server never discloses replaced by absolute FALSE
   * (`{ type: 'or', filters: [] }`, RFC 4526), so it may contain empty ANDs and ORs.
   */
  filter: FilterNode;
  /** Aborted when the client abandons the search, the time limit passes, or the size limit is reached. */
  signal: AbortSignal;
  /** The server's matching rules (undefined: every attribute a caseIgnore string); see VERIFIED. */
  schema?: MatchingSchema;
}

export interface LdapEntrySource {
  /**
   * Streams candidates for a search. A source may use the filter to narrow them through indexes,
   * and may return a superset: the server checks scope and filter again for every entry. It may
   * throw LdapResultError to end the search with a specific result code (noSuchObject for a
   * base that does not exist…). A source that answers from memory may return a synchronous
   * iterable: the server then pulls entries without a promise per entry (it still checks the
   * signal between entries and yields to other sessions every few milliseconds).
   */
  search(request: SourceSearchRequest): AsyncIterable<LdapEntry> | Iterable<LdapEntry>;
}
