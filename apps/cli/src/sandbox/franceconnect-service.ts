import { DEFAULT_FRANCECONNECT_CLIENTS, startFranceConnect, type CitizenDirectory, type RunningFranceConnect } from '@mss/franceconnect';
import type { Logger, MssConfig } from '@mss/runtime';
import type { RunningService } from './service.ts';

/** Where FranceConnect's issuer is, from the configuration alone (MES's pages need it before it starts). */
export function franceConnectIssuer(config: MssConfig): string {
  return `http://${config.host}:${config.ports.franceconnect}/api/v2`;
}

/**
 * The FranceConnect stand-in, with its two services: Mon Espace Santé (redirects on the `mes`
 * port) and the RPPS+ portal. Its citizens are MES's patients (bound once MES has started).
 */
export async function startFranceConnectService(
  config: MssConfig,
  logger: Logger,
  citizens: CitizenDirectory,
): Promise<RunningService & { franceconnect: RunningFranceConnect }> {
  const mes = `http://${config.host}:${config.ports.mes}`;
  const clients = DEFAULT_FRANCECONNECT_CLIENTS.map((c) =>
    c.clientId === 'mes-sandbox'
      ? { ...c, redirectUris: [`${mes}/connexion/retour`], postLogoutRedirectUris: [`${mes}/deconnexion/fin`] }
      : c,
  );
  const franceconnect = await startFranceConnect({
    logger: logger.child({ service: 'franceconnect' }),
    host: config.host,
    port: config.ports.franceconnect,
    dataDir: config.dataDir,
    clients,
    citizens,
  });
  return { key: 'franceconnect', url: franceconnect.url, franceconnect, stop: () => franceconnect.stop() };
}
