// The operator's once-per-operator jobs, started while this process is the leader and stopped
// when it no longer is (see leadership.ts): the directory feed (outbox drain and full
// declarations, R-ANN-1), the following of the Annuaire's change feed, the R-DEL-5 clock.
// Changes of leadership are applied one after the other, each waiting for the jobs to stop.

import { DirectoryFeedSender } from '@mss/directory-feed';
import type { DirectorySync } from '@mss/directory-sync';
import type { Governance } from '@mss/governance';
import type { Logger } from '@mss/runtime';
import type { Store } from '@mss/store';
import type { Leadership } from './leadership.ts';
import type { DirectoryFeedSetup } from './setup.ts';

const DAY_MS = 24 * 3600 * 1000;

export interface OperatorJobs {
  /** True while this process runs them. */
  readonly running: boolean;
  /** The feed sender while running (a new one each time leadership is gained). */
  readonly feed: DirectoryFeedSender | undefined;
  stop(): Promise<void>;
}

export async function startOperatorJobs(o: {
  store: Store;
  governance: Governance;
  leadership: Leadership;
  directoryFeed: DirectoryFeedSetup | undefined;
  sync: DirectorySync | undefined;
  delegationExpiryIntervalMs: number;
  logger: Logger;
}): Promise<OperatorJobs> {
  const log = o.logger;
  let feed: DirectoryFeedSender | undefined;
  let expiry: NodeJS.Timeout | undefined;
  let running = false;
  let firstStart = true;
  let chain: Promise<void> = Promise.resolve();

  const begin = async (): Promise<void> => {
    if (running) return;
    running = true;
    if (o.directoryFeed) {
      const f = o.directoryFeed;
      feed = new DirectoryFeedSender({ store: o.store, url: f.url, key: f.key, logger: log.child({ service: 'directoryFeed' }) });
      if (f.declareAtStart && firstStart) await feed.declareAll();
      feed.start(f.pollMs ?? 1000);
      const every = f.declareEveryMs ?? DAY_MS;
      feed.declarePeriodically(every, f.firstDeclarationAfterMs ?? every);
    }
    firstStart = false;
    o.sync?.start();
    // R-DEL-5: end dates are enforced by a clock, not only when someone asks.
    expiry = setInterval(() => {
      o.governance.expireLapsedDelegations().catch((err: unknown) => log.error({ err }, 'delegation expiry failed'));
    }, o.delegationExpiryIntervalMs);
    expiry.unref();
  };
  const end = async (): Promise<void> => {
    if (!running) return;
    running = false;
    clearInterval(expiry);
    expiry = undefined;
    await o.sync?.stop();
    const f = feed;
    feed = undefined;
    await f?.stop();
  };
  const apply = (work: () => Promise<void>): Promise<void> => {
    const done = chain.then(work);
    chain = done.catch((err: unknown) => log.error({ err }, 'once-per-operator jobs: start or stop failed'));
    return done;
  };

  // The first decision (at once for `always` and a free advisory lock) is applied before
  // returning, and its failure (a first declaration refused) is the caller's.
  let first: Promise<void> | undefined;
  let starting = true;
  await o.leadership.start((leader) => {
    const done = apply(leader ? begin : end);
    if (starting && !first) first = done;
    else done.catch(() => {});
  });
  starting = false;
  await first;
  return {
    get running() {
      return running;
    },
    get feed() {
      return feed;
    },
    async stop() {
      await o.leadership.stop();
      await apply(end);
    },
  };
}
