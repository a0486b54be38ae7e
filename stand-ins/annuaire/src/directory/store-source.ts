import type { Logger } from '@mss/runtime';
import type { Store } from '@mss/store';
import { IndexedEntrySource } from '../ldap/indexed-source.ts';
import { AnnuaireRepos } from '../store/index.ts';
import type { LdapEntry, LdapEntrySource, SourceSearchRequest } from '../ldap/source.ts';
import { containerEntries, mailboxEntry } from './ldap-entries.ts';

/**
 * The directory's published mailboxes, read from the Annuaire's store into an indexed in-memory
 * source. Rebuilt whole: soon after each change the feed reports (`refreshSoon`), and
 * periodically as a safety net for writes that report nothing. A search always sees one
 * complete snapshot, the old one until the new one is built.
 */
export class StoreSnapshotSource implements LdapEntrySource {
  private readonly repos: AnnuaireRepos;
  private readonly logger: Logger;
  private memory = new IndexedEntrySource([]);
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private soon: NodeJS.Timeout | undefined;
  /** The rebuild after the one under way, shared by everyone who asks meanwhile. */
  private next: Promise<void> | undefined;

  constructor(store: Store, logger: Logger) {
    this.repos = new AnnuaireRepos(store);
    this.logger = logger;
  }

  /**
   * Resolves once a snapshot read after this call is in place: during a rebuild (which may have
   * read before the caller's change) it waits for the next one.
   */
  async refresh(): Promise<void> {
    if (this.refreshing) {
      this.next ??= this.refreshing
        .catch(() => {})
        .then(() => {
          this.next = undefined;
          return this.refresh();
        });
      return this.next;
    }
    this.refreshing = (async () => {
      const entries: LdapEntry[] = containerEntries();
      let afterId: number | undefined;
      for (;;) {
        const page = await this.repos.publication.publishedMailboxes({ afterId, limit: 5000 });
        for (const m of page) entries.push(mailboxEntry(m));
        if (page.length < 5000) break;
        afterId = page.at(-1)!.id;
      }
      this.memory = new IndexedEntrySource(entries);
      this.logger.debug({ entries: entries.length }, 'directory snapshot refreshed');
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** Rebuilds shortly after a change; changes that come close together share one rebuild. */
  refreshSoon(delayMs = 100): void {
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      this.refresh().catch((err: unknown) => this.logger.warn({ err }, 'directory snapshot refresh failed'));
    }, delayMs);
    this.soon.unref();
  }

  /** Refreshes every `seconds` (unref'd timer). */
  start(seconds: number): void {
    this.timer = setInterval(() => {
      this.refresh().catch((err: unknown) => this.logger.warn({ err }, 'directory snapshot refresh failed'));
    }, seconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
  }

  search(request: SourceSearchRequest): Iterable<LdapEntry> {
    return this.memory.search(request);
  }
}
