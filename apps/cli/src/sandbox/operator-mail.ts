import path from 'node:path';
import { createCertificateValidator, type AccessControl, type TokenValidator } from '@mss/access';
import { startImapServer } from '@mss/imap';
import type { ListenerSettings, Logger, ServiceKey } from '@mss/runtime';
import type { DocumentPolicy, MailboxQuotas } from '@mss/domain';
import { QueueRunner, startRelayServer, startSubmissionServer } from '@mss/smtp';
import type { Store } from '@mss/store';
import type { Pki } from '@mss/trust';
import { RevocationListCache, WhitelistCache } from '@mss/trust-client';
import type { RunningService } from './service.ts';

export interface OperatorMailSetup {
  domain: string;
  host: string;
  store: Store;
  /** Where its whitelist and CRL copies are kept. */
  dataDir: string;
  access: AccessControl;
  tokenValidator: TokenValidator;
  pki: Pki;
  trustUrl: string;
  ports: { smtpSubmission: number; imap: number; smtpRelay: number };
  keys: { smtpSubmission: ServiceKey; imap: ServiceKey; smtpRelay: ServiceKey };
  /** What a mailbox may hold (configuration: MSS_QUOTA_*). */
  quotas: MailboxQuotas;
  /** Per R-DOC-2 mismatch kind, refuse or accept and count (configuration: MSS_DOCUMENT_REJECT). */
  documentPolicy?: DocumentPolicy;
  /** Connections per client address, IMAP timeouts (configuration: MSS_MAX_CONNECTIONS_PER_ADDRESS, MSS_IMAP_*). */
  listeners: ListenerSettings;
}

export interface OperatorMail {
  services: RunningService[];
  queue: QueueRunner;
  whitelist: WhitelistCache;
  /** Its copy of the trust space CA's CRL (APP certificates at AUTH EXTERNAL). */
  revocations: RevocationListCache;
  stop(): Promise<void>;
}

/**
 * One operator's mail services: its whitelist copy, the relay other operators deliver to, the
 * queue that sends to them, the API LPS submission and IMAP listeners. The operator's
 * certificate names its domain (that is how peers recognise it) and serves every listener.
 * Submission and IMAP also take APP software certificates (SASL EXTERNAL), checked against the
 * trust space CA and the operator's copy of its CRL, refreshed like the whitelist.
 */
export async function startOperatorMail(s: OperatorMailSetup, logger: Logger): Promise<OperatorMail> {
  const log = logger.child({ operator: s.domain });
  const started: { stop(): Promise<void> }[] = [];
  const services: RunningService[] = [];
  const stop = async (): Promise<void> => {
    for (const x of [...started].reverse()) await x.stop().catch((err: unknown) => log.warn({ err }, 'stop failed'));
    started.length = 0;
  };
  try {
    const whitelist = new WhitelistCache({
      url: s.trustUrl,
      cacheDir: path.join(s.dataDir, 'trust-cache'),
      logger: log,
      refreshIntervalMs: 5000,
    });
    await whitelist.start();
    started.push({ stop: async () => whitelist.stop() });
    const revocations = new RevocationListCache({
      url: s.trustUrl,
      caCertPem: s.pki.caCertPem,
      cacheDir: path.join(s.dataDir, 'trust-cache'),
      logger: log,
      refreshIntervalMs: 5000,
    });
    await revocations.start();
    started.push({ stop: async () => revocations.stop() });
    // R-AUTH-4: a certificate the CA revokes ends the sessions it opened, at the next CRL refresh.
    const unsubscribe = revocations.onRevoked((serials) => {
      for (const serial of serials) s.access.bus.publish({ kind: 'certificate-revoked', serial });
    });
    started.push({ stop: async () => void unsubscribe() });
    const certificates = { ca: s.pki.caCertPem, validator: createCertificateValidator({ caCertPem: s.pki.caCertPem, revocations }) };
    const cert = await s.pki.issueServerCertificate({
      commonName: s.domain,
      dnsNames: ['localhost', `smtp.${s.domain}`, `mx.${s.domain}`, `imap.${s.domain}`],
      ipAddresses: ['127.0.0.1'],
    });
    const tls = { cert: cert.certPem, key: cert.keyPem };
    const queue = new QueueRunner({
      store: s.store,
      logger: log,
      trustSpace: whitelist,
      tls: { ...tls, ca: s.pki.caCertPem },
      name: `mx.${s.domain}`,
      operatorDomain: s.domain,
      retry: { firstDelayMs: 30_000, maxDelayMs: 600_000 },
    });
    // The relay queues success reports (NOTIFY=SUCCESS) back to the sending operator.
    const relay = await startRelayServer({
      store: s.store,
      logger: log,
      host: s.host,
      port: s.ports.smtpRelay,
      tls: { ...tls, ca: s.pki.caCertPem },
      operatorDomains: [s.domain],
      trustSpace: whitelist,
      quotas: s.quotas,
      queue,
      maxConnectionsPerAddress: s.listeners.maxConnectionsPerAddress,
    });
    started.push(relay);
    services.push({ key: s.keys.smtpRelay, url: relay.url, stop: () => relay.stop() });
    await queue.start();
    started.push(queue);
    const submission = await startSubmissionServer({
      store: s.store,
      access: s.access,
      tokenValidator: s.tokenValidator,
      logger: log,
      host: s.host,
      port: s.ports.smtpSubmission,
      tls,
      operatorDomains: [s.domain],
      trustSpace: whitelist,
      queue,
      quotas: s.quotas,
      ...(s.documentPolicy ? { documentPolicy: s.documentPolicy } : {}),
      certificates,
      maxConnectionsPerAddress: s.listeners.maxConnectionsPerAddress,
    });
    started.push(submission);
    services.push({ key: s.keys.smtpSubmission, url: submission.url, stop: () => submission.stop() });
    const imap = await startImapServer({
      store: s.store,
      access: s.access,
      tokenValidator: s.tokenValidator,
      logger: log,
      host: s.host,
      port: s.ports.imap,
      tls,
      quotas: s.quotas,
      ...(s.documentPolicy ? { documentPolicy: s.documentPolicy } : {}),
      certificates,
      maxConnectionsPerAddress: s.listeners.maxConnectionsPerAddress,
      loginTimeoutMs: s.listeners.imapLoginTimeoutMs,
      idleTimeoutMs: s.listeners.imapIdleTimeoutMs,
      name: s.keys.imap,
    });
    started.push(imap);
    services.push({ key: s.keys.imap, url: imap.url, stop: () => imap.stop() });
    return { services, queue, whitelist, revocations, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
