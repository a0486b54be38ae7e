// The operator's composition root: one call wires every part of one MSSanté operator — its
// copies of the trust space's whitelist and CRL, the admin API, the relay other operators deliver
// to, the queue that sends to them, the API LPS submission and IMAP listeners, its feed of the
// national directory and its clocks (R-DEL-5). The sandbox calls it once per operator; `mss serve`
// calls it from a configuration file. It imports no stand-in: what the national services are is
// in the setup (URLs, certificates, a token validator).

import path from 'node:path';
import { AccessControl, createCertificateValidator } from '@mss/access';
import { buildAdminApi } from '@mss/admin-api';
import { smtpSubmitter, type Submitter } from '@mss/jmap';
import type { DirectoryFeedSender } from '@mss/directory-feed';
import { DirectorySync } from '@mss/directory-sync';
import { Governance } from '@mss/governance';
import { startImapServer } from '@mss/imap';
import { listenError } from '@mss/runtime';
import { QueueRunner, startRelayServer, startSubmissionServer } from '@mss/smtp';
import { RevocationListCache, WhitelistCache } from '@mss/trust-client';
import { webmail } from '@mss/webmail';
import type { AddressInfo } from 'node:net';
import { alwaysLeader } from './leadership.ts';
import { OperatorMetrics } from './metrics.ts';
import { operatorSource, startOperations } from './operations.ts';
import { DEFAULT_SERVICE_KEYS, type OperatorSetup } from './setup.ts';
import { startOperatorJobs, type OperatorJobs } from './singletons.ts';

/** One listening part of the operator. */
export interface OperatorService {
  key: string;
  url: string;
}

export interface RunningOperator {
  domain: string;
  /** Its listeners, in start order. */
  services: OperatorService[];
  access: AccessControl;
  governance: Governance;
  queue: QueueRunner;
  whitelist: WhitelistCache;
  /** Its copy of the trust space CA's CRL (APP certificates at AUTH EXTERNAL). */
  revocations: RevocationListCache;
  /** The directory feed's sender while this process is the leader (see `jobs`). */
  readonly feed: DirectoryFeedSender | undefined;
  /** The once-per-operator jobs (feed, change feed, R-DEL-5 clock): `running` while this process leads. */
  jobs: OperatorJobs;
  metrics: OperatorMetrics;
  /**
   * Graceful drain (SIGTERM): stop accepting, let transactions in progress finish, tell idle
   * sessions (`421` on SMTP, `* BYE` on IMAP, IDLE included), then stop the clocks and the feed.
   * The store is the caller's, and stays open.
   */
  stop(): Promise<void>;
}

/**
 * Starts one operator. Parts start in dependency order and stop in reverse; if one cannot start,
 * those already started are stopped before the error is thrown.
 */
export async function startOperator(s: OperatorSetup): Promise<RunningOperator> {
  const keys = { ...DEFAULT_SERVICE_KEYS, ...s.keys };
  const log = s.logger.child({ operator: s.domain });
  const started: { stop(): Promise<void> }[] = [];
  const services: OperatorService[] = [];
  const stop = async (): Promise<void> => {
    for (const x of [...started].reverse()) await x.stop().catch((err: unknown) => log.warn({ err }, 'stop failed'));
    started.length = 0;
  };
  const listening = (key: string, url: string): void => {
    services.push({ key, url });
    log.info({ service: key, url }, 'service listening');
  };
  const httpUrl = (port: number): string => `http://${s.host.includes(':') ? `[${s.host}]` : s.host}:${port}`;
  try {
    const metrics = new OperatorMetrics({ domain: s.domain, store: s.store });
    const access = new AccessControl({
      store: s.store,
      logger: log,
      publicBaseUrl: s.publicBaseUrl ?? httpUrl(s.ports.adminApi),
      events: metrics,
    });
    const governance = new Governance({ store: s.store, access, operatorDomains: [s.domain], logger: log, limits: s.governance });
    const cacheDir = path.join(s.dataDir, 'trust-cache');
    const whitelist = new WhitelistCache({
      url: s.trust.whitelistUrl,
      cacheDir,
      logger: log,
      refreshIntervalMs: s.trust.refreshIntervalMs,
    });
    await whitelist.start();
    started.push({ stop: async () => whitelist.stop() });
    const revocations = new RevocationListCache({
      url: s.trust.crlUrl,
      caCertPem: s.tls.caPem,
      cacheDir,
      logger: log,
      refreshIntervalMs: s.trust.refreshIntervalMs,
    });
    await revocations.start();
    started.push({ stop: async () => revocations.stop() });
    // R-AUTH-4: a certificate the CA revokes ends the sessions it opened, at the next CRL refresh.
    const unsubscribe = revocations.onRevoked((serials) => {
      for (const serial of serials) access.bus.publish({ kind: 'certificate-revoked', serial });
    });
    started.push({ stop: async () => void unsubscribe() });
    const certificates = { ca: s.tls.caPem, validator: createCertificateValidator({ caCertPem: s.tls.caPem, revocations }) };
    const tls = { cert: s.tls.certPem, key: s.tls.keyPem };

    // It follows the Annuaire's change feed (issue #15); an ended situation ends the delegations it supported.
    const sync = s.directorySync
      ? new DirectorySync({
          store: s.store,
          url: s.directorySync.url,
          apiKey: s.directorySync.apiKey,
          logger: log.child({ service: 'directorySync' }),
          consequences: governance,
          ...(s.directorySync.intervalMs !== undefined ? { intervalMs: s.directorySync.intervalMs } : {}),
        })
      : undefined;
    // JMAP sends through the operator's own submission listener (started below): the same checks
    // as an LPS meets (sender binding, recipients, R-AUTH-4), with the person's token.
    let submit: Submitter | undefined;
    const jmap = {
      submit: (req: Parameters<Submitter>[0]) =>
        submit
          ? submit(req)
          : Promise.resolve({
              ok: false as const,
              type: 'forbiddenToSend' as const,
              description: 'the submission listener is not started yet',
            }),
    };
    const admin = await buildAdminApi({
      store: s.store,
      logger: log,
      operatorDomain: s.domain,
      governance,
      access,
      tokenValidator: s.tokenValidator,
      adminPassword: s.adminPassword,
      ...(s.sandboxInfo ? { sandboxInfo: s.sandboxInfo } : {}),
      ...(sync ? { directorySync: sync } : {}),
      jmap,
    });
    for (const plugin of s.httpPlugins?.({ access, governance }) ?? []) await admin.register(plugin);
    // The webmail speaks JMAP to this same server, in process, with the person's PSC token.
    if (s.webmail)
      await admin.register(webmail({ ...s.webmail, tokenValidator: s.tokenValidator, access, governance, store: s.store, logger: log }));
    try {
      await admin.listen({ host: s.host, port: s.ports.adminApi });
    } catch (err) {
      await admin.close().catch(() => {});
      throw listenError(err, keys.adminApi, s.host, s.ports.adminApi);
    }
    started.push({ stop: () => admin.close() });
    listening(keys.adminApi, httpUrl((admin.server.address() as AddressInfo).port));

    const queue = new QueueRunner({
      store: s.store,
      logger: log,
      trustSpace: whitelist,
      tls: { ...tls, ca: s.tls.caPem },
      name: `mx.${s.domain}`,
      operatorDomain: s.domain,
      ...(s.nodeName ? { node: s.nodeName } : {}),
      retry: s.retry ?? { firstDelayMs: 30_000, maxDelayMs: 600_000 },
    });
    // The relay queues success reports (NOTIFY=SUCCESS) back to the sending operator.
    const relay = await startRelayServer({
      store: s.store,
      logger: log,
      host: s.host,
      port: s.ports.smtpRelay,
      tls: { ...tls, ca: s.tls.caPem },
      operatorDomains: [s.domain],
      trustSpace: whitelist,
      quotas: s.quotas,
      queue,
      maxConnectionsPerAddress: s.listeners.maxConnectionsPerAddress,
      events: metrics,
      serviceKey: keys.smtpRelay,
    });
    started.push(relay);
    listening(keys.smtpRelay, relay.url);
    metrics.watch({ service: keys.smtpRelay, count: () => relay.connections() });
    await queue.start();
    started.push(queue);
    const submission = await startSubmissionServer({
      store: s.store,
      access,
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
      events: metrics,
      serviceKey: keys.smtpSubmission,
    });
    started.push(submission);
    listening(keys.smtpSubmission, submission.url);
    // To the address and port it got (a wildcard address is reached over loopback); the
    // certificate names the operator's domain (checked when the configuration is read).
    const bound = new URL(submission.url);
    const host = bound.hostname.replace(/^\[|\]$/g, '');
    submit = smtpSubmitter({
      host: host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host,
      port: Number(bound.port),
      ca: s.tls.caPem,
      servername: s.domain,
    });
    metrics.watch({ service: keys.smtpSubmission, count: () => submission.connections() });
    const imap = await startImapServer({
      store: s.store,
      access,
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
      name: keys.imap,
      events: metrics,
      ...(s.drainTimeoutMs !== undefined ? { drainTimeoutMs: s.drainTimeoutMs } : {}),
    });
    started.push(imap);
    listening(keys.imap, imap.url);
    metrics.watch({ service: keys.imap, count: () => imap.sessions() });

    // Once per operator, not once per process: the directory feed (R-ANN-1), the change feed, the
    // R-DEL-5 clock run where the leadership says (the only process by default; see leadership.ts).
    const jobs = await startOperatorJobs({
      store: s.store,
      governance,
      leadership: s.leadership ?? alwaysLeader(),
      directoryFeed: s.directoryFeed,
      sync,
      delegationExpiryIntervalMs: s.delegationExpiryIntervalMs ?? 5000,
      logger: log,
    });
    started.push(jobs);

    // Health, readiness and metrics on their own listener; ready once everything above listens,
    // not ready as soon as a drain begins (stopped last, so the orchestrator sees the drain).
    if (s.ports.operations !== undefined) {
      const ops = await startOperations({
        host: s.host,
        port: s.ports.operations,
        service: keys.operations,
        source: operatorSource(s.store, metrics),
        logger: log,
      });
      started.unshift(ops);
      listening(keys.operations, ops.url);
      ops.setReady(true);
      started.push({ stop: async () => ops.setReady(false) });
    }

    return {
      domain: s.domain,
      services,
      access,
      governance,
      queue,
      whitelist,
      revocations,
      get feed() {
        return jobs.feed;
      },
      jobs,
      metrics,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
