import { NormalizedDn, shareEntryDn } from './dn.ts';
import { compileFilter, type MatchingSchema } from './filter-match.ts';
import { type LdapEntry, type LdapEntrySource, type SourceSearchRequest, verifiedWhen } from './source.ts';

/**
 * An entry source over an array, scanned in full for every search: for tests and small demos.
 * Entries are returned as given (not copied), so they must not be changed afterwards. It filters
 * as it scans, to spare the server most candidates; give it the server's schema, if any, or it
 * would leave out entries that match only through the schema's aliases.
 */
export class MemoryEntrySource implements LdapEntrySource {
  private readonly entries: readonly { entry: LdapEntry; dn: NormalizedDn }[];
  private readonly schema: MatchingSchema | undefined;

  constructor(entries: Iterable<LdapEntry>, options: { schema?: MatchingSchema } = {}) {
    this.entries = Array.from(entries, (entry) => {
      const dn = NormalizedDn.parse(entry.dn);
      shareEntryDn(entry, dn);
      return { entry, dn };
    });
    this.schema = options.schema;
  }

  get size(): number {
    return this.entries.length;
  }

  search(request: SourceSearchRequest): Iterable<LdapEntry> {
    // Checked with this source's schema: when it is the server's, the server need not check again.
    return verifiedWhen(this.matching(request), request.schema === this.schema);
  }

  private *matching(request: SourceSearchRequest): Generator<LdapEntry> {
    const base = NormalizedDn.parse(request.baseDn);
    const predicate = compileFilter(request.filter, this.schema);
    for (const { entry, dn } of this.entries) {
      if (request.signal.aborted) return;
      if (dn.inScope(base, request.scope) && predicate(entry) === 'TRUE') yield entry;
    }
  }
}
