import { buildAdminApi } from '@mss/admin-api';
import type { Logger, MssConfig } from '@mss/runtime';
import type { Store } from '@mss/store';
import type { RunningService } from './service.ts';
import { listenError } from './listen-error.ts';

export async function startAdminApi(config: MssConfig, store: Store, logger: Logger, sandboxInfo: () => unknown): Promise<RunningService> {
  const app = await buildAdminApi({ store, logger, operatorDomain: config.operatorDomain, sandboxInfo });
  const port = config.ports.adminApi;
  try {
    await app.listen({ host: config.host, port });
  } catch (err) {
    await app.close().catch(() => {});
    throw listenError(err, 'adminApi', config.host, port);
  }
  return { key: 'adminApi', url: `http://${config.host}:${port}`, stop: () => app.close() };
}
