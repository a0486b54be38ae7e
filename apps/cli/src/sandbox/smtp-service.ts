import { startSubmissionServer } from '@mss/smtp';
import type { AccessControl, TokenValidator } from '@mss/access';
import type { Pki } from '@mss/trust';
import type { Logger, MssConfig } from '@mss/runtime';
import type { Store } from '@mss/store';
import type { RunningService } from './service.ts';

/** The API LPS submission listener (STARTTLS + XOAUTH2/OAUTHBEARER), delivering locally. */
export async function startSmtpSubmission(config: MssConfig, deps: { store: Store; access: AccessControl; tokenValidator: TokenValidator; pki: Pki }, logger: Logger): Promise<RunningService> {
  const cert = await deps.pki.issueServerCertificate({ commonName: `smtp.${config.operatorDomain}`, dnsNames: ['localhost', config.operatorDomain, `smtp.${config.operatorDomain}`], ipAddresses: ['127.0.0.1'] });
  const server = await startSubmissionServer({
    store: deps.store,
    access: deps.access,
    tokenValidator: deps.tokenValidator,
    logger,
    host: config.host,
    port: config.ports.smtpSubmission,
    tls: { cert: cert.certPem, key: cert.keyPem },
    operatorDomains: [config.operatorDomain],
  });
  return { key: 'smtpSubmission', url: server.url, stop: () => server.stop() };
}
