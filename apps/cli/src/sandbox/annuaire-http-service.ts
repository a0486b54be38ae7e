import path from 'node:path';
import { SANDBOX_API_KEY, SearchWorkers, StoreChangeFeed, StoreDirectoryData, startAnnuaireHttp, type FeedOperator } from '@mss/annuaire';
import type { Logger, MssConfig } from '@mss/runtime';
import type { Store } from '@mss/store';
import { annuaireStoreLocation } from './annuaire-store.ts';
import type { RunningService } from './service.ts';

/**
 * The key the sandbox's directory gives an operator for its feed. Fixed, not secret: the
 * sandbox is a local playground, and a known key lets a developer PATCH with curl.
 */
export function sandboxFeedKey(domain: string): string {
  return `mss-sandbox-feed-${domain}`;
}

export function sandboxFeedOperators(domains: readonly string[]): FeedOperator[] {
  return domains.map((d) => ({ name: d.split('.')[0]!, key: sandboxFeedKey(d), domains: [d] }));
}

/** The Annuaire Santé stand-in's HTTP side (FHIR v2 read and write, extraction files, resolver) over its own store. */
export async function startAnnuaireHttpService(
  config: MssConfig,
  store: Store,
  operators: readonly FeedOperator[],
  logger: Logger,
  onChange?: () => void,
): Promise<RunningService> {
  // FHIR searches on two threads of their own: an LPS's directory look-ups do not queue behind
  // each other, nor behind the operators' feed, on the main thread.
  const where = annuaireStoreLocation(config);
  const searchWorkers = await SearchWorkers.start(where, 2);
  const http = await startAnnuaireHttp({
    host: config.host,
    port: config.ports.annuaireHttp,
    logger: logger.child({ service: 'annuaireHttp' }),
    data: new StoreDirectoryData(store),
    apiKeys: [SANDBOX_API_KEY],
    extractionDir: path.join(where.dataDir, 'extractions'),
    feed: { store, operators, ...(onChange ? { onChange } : {}) },
    changes: new StoreChangeFeed(store),
    searchWorkers,
  }).catch(async (err: unknown) => {
    await searchWorkers.stop();
    throw err;
  });
  return {
    key: 'annuaireHttp',
    url: http.url,
    async stop() {
      await http.stop();
      await searchWorkers.stop();
    },
  };
}
