import { startPsc, DEFAULT_PSC_CLIENTS, type RunningPsc } from '@mss/psc';
import type { Logger, MssConfig } from '@mss/runtime';
import type { Store } from '@mss/store';
import type { RunningService } from './service.ts';

/** The Pro Santé Connect stand-in; the webmail's redirect follows the adminApi port. */
export async function startPscService(config: MssConfig, store: Store, logger: Logger): Promise<RunningService & { psc: RunningPsc }> {
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
  });
  return { key: 'psc', url: psc.url, psc, stop: () => psc.stop() };
}
