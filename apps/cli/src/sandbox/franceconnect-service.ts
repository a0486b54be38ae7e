import { startFranceConnect, type RunningFranceConnect } from '@mss/franceconnect';
import type { Logger, MssConfig } from '@mss/runtime';
import type { RunningService } from './service.ts';

/** The FranceConnect stand-in, with its two services (Mon Espace Santé, the RPPS+ portal). */
export async function startFranceConnectService(
  config: MssConfig,
  logger: Logger,
): Promise<RunningService & { franceconnect: RunningFranceConnect }> {
  const franceconnect = await startFranceConnect({
    logger: logger.child({ service: 'franceconnect' }),
    host: config.host,
    port: config.ports.franceconnect,
    dataDir: config.dataDir,
  });
  return { key: 'franceconnect', url: franceconnect.url, franceconnect, stop: () => franceconnect.stop() };
}
