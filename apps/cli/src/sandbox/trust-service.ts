import { MES_OPERATOR_NAME, PATIENT_DOMAIN, startTrust, type RunningTrust } from '@mss/trust';
import type { Logger, MssConfig } from '@mss/runtime';
import type { RunningService } from './service.ts';

/** The ANS side of the trust space: test PKI (IGC-Santé stand-in) and the whitelist. */
export async function startTrustService(config: MssConfig, logger: Logger): Promise<RunningService & { trust: RunningTrust }> {
  const trust = await startTrust({
    host: config.host,
    port: config.ports.trust,
    dataDir: config.dataDir,
    logger: logger.child({ service: 'trust' }),
    operators: [
      { name: config.operatorName, domains: [config.operatorDomain], mx: { host: config.host, port: config.ports.smtpRelay } },
      { name: config.secondOperatorName, domains: [config.secondOperatorDomain], mx: { host: config.host, port: config.ports.smtpRelayB } },
      // Mon Espace Santé: the patients' domain, served by the MES stand-in's relay.
      { name: MES_OPERATOR_NAME, domains: [PATIENT_DOMAIN], mx: { host: config.host, port: config.ports.mesRelay } },
    ],
  });
  return { key: 'trust', url: trust.url, trust, stop: () => trust.stop() };
}
