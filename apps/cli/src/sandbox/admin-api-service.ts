import { buildAdminApi, type AdminApiOptions } from '@mss/admin-api';
import type { AccessControl, TokenValidator } from '@mss/access';
import type { Governance } from '@mss/governance';
import { listenError, type Logger, type MssConfig } from '@mss/runtime';
import type { Store } from '@mss/store';
import type { RunningService } from './service.ts';

export interface AdminApiDeps {
  store: Store;
  governance: Governance;
  access: AccessControl;
  tokenValidator: TokenValidator;
  adminPassword: string;
  /** The operator following the Annuaire's change feed: its status at /api/v1/operator/directory-sync. */
  directorySync?: { status(): Promise<object> };
  /** JMAP's sending path (the operator's SMTP submission listener). */
  jmap?: AdminApiOptions['jmap'];
  /** Served on the same server (the webmail at /webmail). */
  plugins?: ((app: Awaited<ReturnType<typeof buildAdminApi>>) => Promise<void>)[];
}

export async function startAdminApi(
  config: MssConfig,
  deps: AdminApiDeps,
  logger: Logger,
  sandboxInfo: () => unknown,
): Promise<RunningService> {
  const { plugins = [], ...api } = deps;
  const app = await buildAdminApi({ ...api, logger, operatorDomain: config.operatorDomain, sandboxInfo });
  for (const plugin of plugins) await app.register(plugin);
  const port = config.ports.adminApi;
  try {
    await app.listen({ host: config.host, port });
  } catch (err) {
    await app.close().catch(() => {});
    throw listenError(err, 'adminApi', config.host, port);
  }
  return { key: 'adminApi', url: `http://${config.host}:${port}`, stop: () => app.close() };
}
