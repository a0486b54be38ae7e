import { StoreSnapshotSource, startLdapServer } from '@mss/annuaire';
import type { Logger, MssConfig } from '@mss/runtime';
import type { Store } from '@mss/store';
import type { RunningService } from './service.ts';

/** The Annuaire Santé LDAP stand-in over the published mailboxes of the store. */
export async function startAnnuaireLdap(config: MssConfig, store: Store, logger: Logger): Promise<RunningService> {
  const source = new StoreSnapshotSource(store, logger.child({ service: 'annuaireLdap' }));
  await source.refresh();
  source.start(5);
  const server = await startLdapServer({ host: config.host, port: config.ports.annuaireLdap, source, logger: logger.child({ service: 'annuaireLdap' }) });
  return {
    key: 'annuaireLdap',
    url: server.url,
    async stop() {
      source.stop();
      await server.stop();
    },
  };
}
