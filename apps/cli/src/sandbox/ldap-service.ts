import type { EventEmitter } from 'node:events';
import { StoreSnapshotSource, startLdapServer } from '@mss/annuaire';
import type { Logger, MssConfig } from '@mss/runtime';
import type { Store } from '@mss/store';
import type { RunningService } from './service.ts';

/**
 * The Annuaire Santé LDAP stand-in over the published mailboxes of the store: rebuilt soon after
 * each change the feed reports (`changes`), and every 5 minutes for writes that report nothing.
 */
export async function startAnnuaireLdap(config: MssConfig, store: Store, logger: Logger, changes?: EventEmitter): Promise<RunningService> {
  const source = new StoreSnapshotSource(store, logger.child({ service: 'annuaireLdap' }));
  await source.refresh();
  source.start(300);
  const onChange = () => source.refreshSoon();
  changes?.on('change', onChange);
  const server = await startLdapServer({
    host: config.host,
    port: config.ports.annuaireLdap,
    source,
    logger,
    maxConnectionsPerAddress: config.listeners.maxConnectionsPerAddress,
    idleTimeoutSeconds: config.listeners.ldapIdleTimeoutMs / 1000,
  });
  return {
    key: 'annuaireLdap',
    url: server.url,
    async stop() {
      changes?.off('change', onChange);
      source.stop();
      await server.stop();
    },
  };
}
