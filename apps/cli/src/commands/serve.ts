// `mss serve`: one operator in production, from a configuration file. This module and what it
// imports load no stand-in (apps/cli/test/serve.e2e.test.ts checks the process's modules): the
// national services are URLs and certificates in the configuration.

import cluster from 'node:cluster';
import os from 'node:os';
import { createTrustedIssuers } from '@mss/access';
import {
  advisoryLeadership,
  announceWorkerReady,
  clusterWorkerIdentity,
  loadOperatorConfig,
  primaryChosenLeadership,
  runClusterPrimary,
  startOperator,
  workerSqliteLinks,
  type OperatorFileConfig,
  type OperatorSetup,
} from '@mss/operator';
import {
  createLogger,
  loadDocumentPolicy,
  loadGovernanceLimits,
  loadListenerSettings,
  loadQuotas,
  loadStoreSettings,
  MssError,
  redactUrl,
} from '@mss/runtime';
import { Store } from '@mss/store';
import { parseIntOption, requireString, type Command } from '../cli.ts';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run one operator from a configuration file (production: no stand-in is started or loaded)',
  description: [
    'The configuration file (TOML or JSON) names the operator domain, its listeners, its certificate and',
    'trust anchor, the national services (whitelist and CRL URLs, Pro Santé Connect issuer, the Annuaire',
    'feed), the admin password file and the database; see docs/operations.md. Tunables (quotas, limits,',
    'timeouts) are the MSS_* variables of `mss sandbox`. SIGTERM drains: readiness goes down, listeners stop',
    'accepting, transactions in progress finish, idle sessions are told (SMTP 421, IMAP BYE), then it exits 0.',
    '--workers N runs N processes sharing the listeners under one primary, which restarts a worker that dies and',
    'serves the operations port for all of them; --workers 1 is one process. Default: the number of cores on',
    'PostgreSQL, 1 on SQLite (one writer per file: a second process did not pay, docs/choices.md).',
  ].join('\n'),
  options: {
    config: { type: 'string', description: 'The operator configuration file (.toml or .json)', valueName: 'file' },
    json: { type: 'boolean', description: 'Print one JSON line on stdout once ready: {"ready":true,"endpoints":{…}}' },
    workers: {
      type: 'string',
      description: 'Worker processes sharing the listeners (default: the number of cores on PostgreSQL, 1 on SQLite)',
      valueName: 'n',
    },
  },
  async run(ctx) {
    const file = requireString(ctx, 'config');
    if (!file) throw new MssError('USAGE', 'serve: --config <file> is required (mss serve --help)', { exitCode: 2 });
    const config = loadOperatorConfig(file);
    // Checked before anything starts, like the file: one line naming the variable.
    const tunables = {
      quotas: loadQuotas(),
      documentPolicy: loadDocumentPolicy(),
      listeners: loadListenerSettings(),
      governance: loadGovernanceLimits(),
    };
    const storeSettings = loadStoreSettings();
    const workers = parseIntOption(requireString(ctx, 'workers'), 'workers', defaultWorkers(config), 1, 256);
    const worker = clusterWorkerIdentity();
    const logger = worker
      ? createLogger({ level: config.logLevel }).child({ worker: worker.index })
      : createLogger({ level: config.logLevel });
    if (workers > 1 && cluster.isPrimary) {
      // The primary migrates the store once, before any worker opens it, and keeps a connection for /readyz.
      const store = await Store.open({
        dataDir: config.dataDir,
        databaseUrl: config.databaseUrl,
        ...storeSettings,
        blobWorkers: 0,
        crossProcessEvents: false,
      });
      try {
        return await runClusterPrimary({
          workers,
          logger,
          store,
          host: config.host,
          operationsPort: config.ports.operations,
          sqlite: store.engine === 'sqlite',
          drainTimeoutMs: config.drainTimeoutMs + 10_000,
          onReady(endpoints, pids) {
            if (ctx.values.json) ctx.stdout.write(`${JSON.stringify({ ready: true, endpoints, workers: pids })}\n`);
          },
        });
      } finally {
        await store.close();
        logger.info('stopped');
        logger.flush();
      }
    }
    // A worker: every process hears the others' events (through the primary on SQLite, whose write
    // token the workers also take turns with; LISTEN/NOTIFY on PostgreSQL, where the links are ignored).
    const store = await Store.open({
      dataDir: config.dataDir,
      databaseUrl: config.databaseUrl,
      ...storeSettings,
      ...(worker ? { crossProcessEvents: true, migrate: false, ...workerSqliteLinks() } : {}),
    });
    logger.info(
      {
        config: config.file,
        domain: config.domain,
        database: config.databaseUrl ? redactUrl(config.databaseUrl) : `sqlite:${config.dataDir}`,
        host: config.host,
        ports: config.ports,
        whitelist: config.trust.whitelistUrl,
        crl: config.trust.crlUrl,
        psc: config.psc.issuer,
        annuaire: config.directoryFeed?.url ?? 'none',
        webmail: config.webmail?.redirectUri ?? 'none',
        structureIdps: config.structureIdps.map((s) => s.finess),
      },
      'operator configuration',
    );
    let operator: Awaited<ReturnType<typeof startOperator>>;
    try {
      operator = await startOperator({
        ...tunables,
        domain: config.domain,
        host: config.host,
        store,
        dataDir: config.dataDir,
        ports: config.ports,
        tls: config.tls,
        trust: config.trust,
        tokenValidator: createTrustedIssuers({ psc: config.psc, structures: config.structureIdps }),
        adminPassword: config.adminPassword,
        directoryFeed: config.directoryFeed,
        directorySync: config.directorySync,
        webmail: webmailSetup(config),
        drainTimeoutMs: config.drainTimeoutMs,
        logger,
        // Workers and nodes on PostgreSQL take turns by advisory lock; the workers of one SQLite file are told by their primary.
        ...(store.engine === 'postgres'
          ? { leadership: advisoryLeadership(store, { logger, retryMs: config.leaderRetryMs }) }
          : worker
            ? { leadership: primaryChosenLeadership({ logger }) }
            : {}),
        ...(worker ? { nodeName: `${os.hostname()}-w${worker.index}`, ports: { ...config.ports, operations: undefined } } : {}),
      });
    } catch (err) {
      await store.close();
      // A worker that cannot start ends (its primary reports it), rather than idle on its channel.
      if (worker) cluster.worker?.disconnect();
      throw err;
    }
    const endpoints = Object.fromEntries(operator.services.map((s) => [s.key, s.url]));
    logger.info({ endpoints }, worker ? 'worker ready' : 'operator ready');
    if (worker) announceWorkerReady(endpoints, operator.metrics.registry);
    else if (ctx.values.json) ctx.stdout.write(`${JSON.stringify({ ready: true, endpoints })}\n`);
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'draining');
        operator
          .stop()
          .then(() => store.close())
          .catch((err: unknown) => logger.error({ err }, 'stop failed'))
          .finally(resolve);
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
    logger.info('stopped');
    logger.flush();
    // A worker's channel to its primary would keep it alive: closing it lets the process end.
    if (worker) cluster.worker?.disconnect();
    return 0;
  },
};

/**
 * One process per core on PostgreSQL; one process on SQLite, where the file has one writer and a
 * second worker, even with the write token, was no faster on two cores (bench/README.md, Workers).
 */
function defaultWorkers(config: OperatorFileConfig): number {
  return config.databaseUrl ? os.availableParallelism() : 1;
}

/** The webmail's setup from the file's [webmail] section (PSC client) and [annuaire] (recipient suggestions). */
function webmailSetup(config: OperatorFileConfig): OperatorSetup['webmail'] {
  const w = config.webmail;
  if (!w) return undefined;
  const redirect = new URL(w.redirectUri);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(redirect.hostname);
  return {
    psc: {
      issuer: config.psc.issuer,
      clientId: w.clientId,
      redirectUri: w.redirectUri,
      ...(w.clientSecret !== undefined ? { clientSecret: w.clientSecret } : {}),
    },
    // A browser drops a Secure cookie set over plain HTTP, except on loopback.
    secureCookies: redirect.protocol === 'https:' || loopback,
    ...(config.directorySync
      ? { annuaire: { fhir: `${config.directorySync.url.replace(/\/$/, '')}/fhir/v2`, apiKey: config.directorySync.apiKey } }
      : {}),
  };
}
