import { startImapServer } from '@mss/imap';
import type { AccessControl, TokenValidator } from '@mss/access';
import type { Pki } from '@mss/trust';
import type { Logger, MssConfig } from '@mss/runtime';
import type { Store } from '@mss/store';
import type { RunningService } from './service.ts';

/** The API LPS IMAP listener, with a server certificate from the test PKI for STARTTLS. */
export async function startImap(config: MssConfig, deps: { store: Store; access: AccessControl; tokenValidator: TokenValidator; pki: Pki }, logger: Logger): Promise<RunningService> {
  const cert = await deps.pki.issueServerCertificate({ commonName: `imap.${config.operatorDomain}`, dnsNames: ['localhost', config.operatorDomain, `imap.${config.operatorDomain}`], ipAddresses: ['127.0.0.1'] });
  const server = await startImapServer({
    store: deps.store,
    access: deps.access,
    tokenValidator: deps.tokenValidator,
    logger,
    host: config.host,
    port: config.ports.imap,
    tls: { cert: cert.certPem, key: cert.keyPem },
  });
  return { key: 'imap', url: server.url, stop: () => server.stop() };
}
