import type { Logger } from '@mss/runtime';
import type { Store } from '@mss/store';
import { IndexedEntrySource } from '../ldap/indexed-source.ts';
import type { LdapEntry, LdapEntrySource, SourceSearchRequest } from '../ldap/source.ts';
import { containerEntries, mailboxEntry } from './ldap-entries.ts';

/**
 * The directory's mailboxes, read from the operator's store and kept in memory, refreshed
 * periodically and on demand. A stopgap for the sandbox: the stand-in's own database, fed by
 * operators and indexed for national scale, is the Annuaire issue's work.
 */
export class StoreSnapshotSource implements LdapEntrySource {
  private readonly store: Store;
  private readonly logger: Logger;
  private memory = new IndexedEntrySource([]);
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(store: Store, logger: Logger) {
    this.store = store;
    this.logger = logger;
  }

  async refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      const entries: LdapEntry[] = containerEntries();
      let afterId: number | undefined;
      for (;;) {
        const page = await this.store.directory.publishedMailboxes({ afterId, limit: 5000 });
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

  /** Refreshes every `seconds` (unref'd timer). */
  start(seconds: number): void {
    this.timer = setInterval(() => {
      this.refresh().catch((err: unknown) => this.logger.warn({ err }, 'directory snapshot refresh failed'));
    }, seconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  search(request: SourceSearchRequest): Iterable<LdapEntry> {
    return this.memory.search(request);
  }
}
