/**
 * Bench-only SMTP side of the project, in a child process of `smtp.bench.ts`: a fresh SQLite
 * store in a temp dir with the demo personas, the PSC stand-in, and two listeners —
 *  - a **bench relay listener**, built here around the relay's `createRelaySmtpServer` (the
 *    shipped relay has no plaintext mode): plaintext taken as TLS terminated in front
 *    (smtp-server's `secured`), every peer one operator, any sender; the same delivery path as
 *    the relay (blob fsynced, one SQLite transaction, then 250). Postfix's smtp-source is
 *    pointed at it;
 *  - the API LPS **submission** listener (STARTTLS + XOAUTH2), for the Node load driver.
 * Prints one line on stdout: `ready<TAB>relayPort<TAB>submissionPort<TAB>token<TAB>caFile<TAB>dir`.
 * On SIGTERM prints `delivered<TAB>N` (messages in the bench mailbox's INBOX) and exits.
 * With `BENCH_LISTENER_WORKERS=N` (> 1) both listeners are N processes sharing the ports
 * (bench/cluster.ts): the primary seeds the store and runs the PSC stand-in, the workers serve.
 * With `BENCH_DATABASE_URL=postgres://…` the store is that PostgreSQL database instead of SQLite
 * (blobs still under the temp dir). With `BENCH_JOIN_DIR=<the first node's dir>` this process is a
 * second node on the same database and blob directory: it neither migrates nor seeds, reads what
 * the first node prepared (`prepared.json`: the PSC issuer, the TLS certificate), listens on ports
 * of its own, and leaves the dir and the count of delivered messages to the first node.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { AccessControl, createTokenValidator } from '@mss/access';
import { cibaToken, startPsc } from '@mss/psc';
import { createLogger, loadStoreSettings, logLevelSetting } from '@mss/runtime';
import { seedDemo } from '@mss/seed';
import { createRelaySmtpServer, listenSmtp, startSubmissionServer, type RelayTransport } from '@mss/smtp';
import { Store } from '@mss/store';
import { loadOrCreatePki } from '@mss/trust';
import { benchWorkerServes, benchWorkerStoreOptions, forkBenchWorkers, isBenchPrimary, isBenchWorker, listenerWorkers } from './cluster.ts';

const DOMAIN = 'operateur-a.mssante.fr';
const USER = `paul.martin@${DOMAIN}`;
const HOST = '127.0.0.1';
const GP = '810000001056';

const databaseUrl = process.env.BENCH_DATABASE_URL || undefined;
const joinDir = process.env.BENCH_JOIN_DIR || undefined;

const logger = createLogger({ name: 'smtp-bench', level: logLevelSetting(undefined, process.env, 'warn') });

/** What the workers share, made once by the primary (or by this process alone). */
interface Prepared {
  dir: string;
  issuer: string;
  certPem: string;
  keyPem: string;
}

/** Both listeners on `store`: the bench relay listener (plaintext) and the submission listener. */
async function listen(store: Store, p: Prepared, relayPort: number) {
  // Bench only: no certificate to check (smtp-source speaks plaintext), every peer one operator
  // whose every sender domain is its own.
  const benchTransport: RelayTransport = {
    smtpOptions: { secure: true, secured: true },
    judgePeer: () => ({ ok: true, operatorDomain: 'bench.invalid', operator: 'bench' }),
  };
  const benchTrust = { isWhitelisted: () => true, operatorFor: () => 'bench' };
  const relaySmtp = createRelaySmtpServer(
    { store, logger, operatorDomains: [DOMAIN], trustSpace: benchTrust, maxConnections: 2000, maxConnectionsPerAddress: 2000 },
    benchTransport,
  );
  const relay = await listenSmtp(relaySmtp, 'smtpRelayBench', HOST, relayPort);
  logger.warn({ url: relay.url }, 'SMTP RELAY BENCH LISTENER (plaintext, no certificate: benchmarks only)');
  const submission = await startSubmissionServer({
    store,
    access: new AccessControl({ store, logger }),
    tokenValidator: createTokenValidator({ issuer: p.issuer }),
    logger,
    host: HOST,
    port: 0,
    tls: { cert: p.certPem, key: p.keyPem },
    operatorDomains: [DOMAIN],
    maxConnections: 2000,
    // Every bench client comes from 127.0.0.1.
    maxConnectionsPerAddress: 2000,
    maxCommandsPerConnection: 1_000_000,
  });
  return { relay, submission };
}

if (isBenchWorker() || (joinDir && !isBenchPrimary())) {
  // A worker, or a second node's only process: the store exists and is seeded.
  const p = JSON.parse(process.env.BENCH_SMTP_PREPARED ?? fs.readFileSync(path.join(joinDir!, 'prepared.json'), 'utf8')) as Prepared;
  const store = await Store.open({
    dataDir: p.dir,
    databaseUrl,
    ...loadStoreSettings(),
    migrate: false,
    // A second node's only process is no cluster worker: PostgreSQL's LISTEN/NOTIFY links it to the others.
    ...(isBenchWorker() ? benchWorkerStoreOptions() : { crossProcessEvents: true }),
  });
  const { relay, submission } = await listen(store, p, Number(process.env.BENCH_SMTP_RELAY_PORT ?? process.argv[2] ?? 0));
  if (!isBenchWorker()) {
    process.stdout.write(`ready\t${relay.port}\t${submission.port}\t-\t-\t${p.dir}\t${USER}\n`);
    const stop = async (): Promise<void> => {
      await relay.stop();
      await submission.stop();
      await store.close();
      process.exit(0);
    };
    process.on('SIGTERM', () => void stop());
    process.on('SIGINT', () => void stop());
  } else
    benchWorkerServes({ relayPort: relay.port, submissionPort: submission.port }, async () => {
      await relay.stop();
      await submission.stop();
      await store.close();
    });
} else if (joinDir) {
  // A second node with workers: its primary only forks them (the first node prepared everything).
  const prepared = fs.readFileSync(path.join(joinDir, 'prepared.json'), 'utf8');
  const relayPort = Number(process.argv[2] ?? 0) || (await freeLoopbackPort());
  const workers = await forkBenchWorkers<{ relayPort: number; submissionPort: number }>(listenerWorkers(), {
    BENCH_SMTP_PREPARED: prepared,
    BENCH_SMTP_RELAY_PORT: String(relayPort),
  });
  const ports = workers.ready[0]!;
  process.stdout.write(`ready\t${ports.relayPort}\t${ports.submissionPort}\t-\t-\t${joinDir}\t${USER}\n`);
  const stop = async (): Promise<void> => {
    await workers.stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
} else {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-bench-smtp-'));
  const store = await Store.open({ dataDir: dir, databaseUrl, ...loadStoreSettings() });
  await seedDemo(store, DOMAIN);
  const pki = await loadOrCreatePki(path.join(dir, 'pki'));
  const cert = await pki.issueServerCertificate({ commonName: DOMAIN, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const caFile = path.join(dir, 'ca.pem');
  fs.writeFileSync(caFile, pki.caCertPem);
  const psc = await startPsc({ store, logger, host: HOST, port: 0, dataDir: dir });
  const prepared: Prepared = { dir, issuer: psc.issuer, certPem: cert.certPem, keyPem: cert.keyPem };
  // For a second node on the same database (BENCH_JOIN_DIR).
  fs.writeFileSync(path.join(dir, 'prepared.json'), JSON.stringify(prepared), { mode: 0o600 });
  let ports: { relayPort: number; submissionPort: number };
  let stopListeners: () => Promise<void>;
  if (isBenchPrimary()) {
    // The relay's port is shared by every worker (one listen key); the submission's, chosen by the first (port 0: the same for all).
    const relayPort = Number(process.argv[2] ?? 0) || (await freeLoopbackPort());
    const workers = await forkBenchWorkers<{ relayPort: number; submissionPort: number }>(listenerWorkers(), {
      BENCH_SMTP_PREPARED: JSON.stringify(prepared),
      BENCH_SMTP_RELAY_PORT: String(relayPort),
    });
    ports = workers.ready[0]!;
    stopListeners = () => workers.stop();
  } else {
    const { relay, submission } = await listen(store, prepared, Number(process.argv[2] ?? 0));
    ports = { relayPort: relay.port, submissionPort: submission.port };
    stopListeners = async () => {
      await relay.stop();
      await submission.stop();
    };
  }
  const token = (await cibaToken({ pscUrl: psc.url, idnat: GP })).access_token;
  process.stdout.write(`ready\t${ports.relayPort}\t${ports.submissionPort}\t${token}\t${caFile}\t${dir}\t${USER}\n`);

  const stop = async (): Promise<void> => {
    await stopListeners();
    const box = await store.mailboxes.byAddress(USER);
    const inbox = box ? await store.mail.folder(box.id, 'INBOX') : undefined;
    const n = inbox ? (await store.mail.messages(inbox.id)).length : 0;
    process.stdout.write(`delivered\t${n}\n`);
    await psc.stop();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  setTimeout(() => void stop(), Number(process.env.BENCH_SMTP_MAX_S ?? 900) * 1000).unref();
}

/** A free loopback port (the workers must agree on the relay's before they listen). */
async function freeLoopbackPort(): Promise<number> {
  const net = await import('node:net');
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, HOST, r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
