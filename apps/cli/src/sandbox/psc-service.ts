import { startPsc, DEFAULT_PSC_CLIENTS, type PscDirectory, type RunningPsc } from '@mss/psc';
import type { Logger, MssConfig } from '@mss/runtime';
import type { Store } from '@mss/store';
import type { RunningService } from './service.ts';

/** The Pro Santé Connect stand-in; the webmail's redirect follows the adminApi port; `moreAccounts`: the RPPS+ portal's activated e-CPS. */
export async function startPscService(
  config: MssConfig,
  store: Store,
  logger: Logger,
  moreAccounts?: PscDirectory,
): Promise<RunningService & { psc: RunningPsc }> {
  const clients = DEFAULT_PSC_CLIENTS.map((c) =>
    c.clientId === 'mss-webmail' ? { ...c, redirectUris: [`http://${config.host}:${config.ports.adminApi}/webmail/callback`] } : c,
  );
  const psc = await startPsc({
    store,
    logger: logger.child({ service: 'psc' }),
    host: config.host,
    port: config.ports.psc,
    dataDir: config.dataDir,
    clients,
    ...(moreAccounts ? { moreAccounts } : {}),
  });
  return { key: 'psc', url: psc.url, psc, stop: () => psc.stop() };
}
