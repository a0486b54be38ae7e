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
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AccessControl, createTokenValidator } from '@mss/access';
import { cibaToken, startPsc } from '@mss/psc';
import { createLogger, loadStoreSettings, logLevelSetting } from '@mss/runtime';
import { seedDemo } from '@mss/seed';
import { createRelaySmtpServer, listenSmtp, startSubmissionServer, type RelayTransport } from '@mss/smtp';
import { Store } from '@mss/store';
import { loadOrCreatePki } from '@mss/trust';

const DOMAIN = 'operateur-a.mssante.fr';
const USER = `paul.martin@${DOMAIN}`;
const HOST = '127.0.0.1';
const GP = '810000001056';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-bench-smtp-'));
const logger = createLogger({ name: 'smtp-bench', level: logLevelSetting(undefined, process.env, 'warn') });
const store = await Store.open({ dataDir: dir, databaseUrl: undefined, ...loadStoreSettings() });
await seedDemo(store, DOMAIN);
const pki = await loadOrCreatePki(path.join(dir, 'pki'));
const cert = await pki.issueServerCertificate({ commonName: DOMAIN, dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
const caFile = path.join(dir, 'ca.pem');
fs.writeFileSync(caFile, pki.caCertPem);
const psc = await startPsc({ store, logger, host: HOST, port: 0, dataDir: dir });
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
const relay = await listenSmtp(relaySmtp, 'smtpRelayBench', HOST, Number(process.argv[2] ?? 0));
logger.warn({ url: relay.url }, 'SMTP RELAY BENCH LISTENER (plaintext, no certificate: benchmarks only)');
const submission = await startSubmissionServer({
  store,
  access: new AccessControl({ store, logger }),
  tokenValidator: createTokenValidator({ issuer: psc.issuer }),
  logger,
  host: HOST,
  port: 0,
  tls: { cert: cert.certPem, key: cert.keyPem },
  operatorDomains: [DOMAIN],
  maxConnections: 2000,
  // Every bench client comes from 127.0.0.1.
  maxConnectionsPerAddress: 2000,
  maxCommandsPerConnection: 1_000_000,
});
const token = (await cibaToken({ pscUrl: psc.url, idnat: GP })).access_token;
process.stdout.write(`ready\t${relay.port}\t${submission.port}\t${token}\t${caFile}\t${dir}\t${USER}\n`);

const stop = async (): Promise<void> => {
  const box = await store.mailboxes.byAddress(USER);
  const inbox = box ? await store.mail.folder(box.id, 'INBOX') : undefined;
  const n = inbox ? (await store.mail.messages(inbox.id)).length : 0;
  process.stdout.write(`delivered\t${n}\n`);
  await relay.stop();
  await submission.stop();
  await psc.stop();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
setTimeout(() => void stop(), Number(process.env.BENCH_SMTP_MAX_S ?? 900) * 1000).unref();
