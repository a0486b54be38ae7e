// Operator A as a process of its own, for the crash test: the store in MSS_CRASH_DATA_DIR (and
// MSS_CRASH_DATABASE_URL on PostgreSQL), submission with XOAUTH2 (tokens from the parent's PSC),
// local delivery and the queue to operator B (the parent's relay). Prints one JSON line when
// ready. The parent kills it with SIGKILL and starts it again on the same data.
import fs from 'node:fs';
import { AccessControl, createTokenValidator } from '@mss/access';
import { silentLogger } from '@mss/runtime';
import { seedDemo } from '@mss/seed';
import { Store } from '@mss/store';
import { loadOrCreatePki } from '@mss/trust';
import { QueueRunner, startSubmissionServer } from '../../src/index.ts';
import { A, FixedTrustSpace } from './two-operators.ts';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};

const logger = silentLogger();
const store = await Store.open({ dataDir: env('MSS_CRASH_DATA_DIR'), databaseUrl: process.env.MSS_CRASH_DATABASE_URL || undefined });
await seedDemo(store, A);
const pki = await loadOrCreatePki(env('MSS_CRASH_PKI_DIR'));
const cert = JSON.parse(fs.readFileSync(env('MSS_CRASH_CERT_FILE'), 'utf8')) as { certPem: string; keyPem: string };
const trust = new FixedTrustSpace();
trust.routes.set('operateur-b.mssante.fr', { host: '127.0.0.1', port: Number(env('MSS_CRASH_B_PORT')) });
const runner = new QueueRunner({
  store,
  logger,
  trustSpace: trust,
  tls: { cert: cert.certPem, key: cert.keyPem, ca: pki.caCertPem },
  name: `mx.${A}`,
  operatorDomain: A,
  pollMs: 200,
  retry: { firstDelayMs: 200, maxDelayMs: 1000 },
});
const smtp = await startSubmissionServer({
  store,
  access: new AccessControl({ store, publicBaseUrl: 'http://127.0.0.1:8080' }),
  tokenValidator: createTokenValidator({ issuer: env('MSS_CRASH_PSC_ISSUER') }),
  logger,
  host: '127.0.0.1',
  port: Number(process.env.MSS_CRASH_PORT ?? 0),
  tls: { cert: cert.certPem, key: cert.keyPem },
  operatorDomains: [A],
  trustSpace: trust,
  queue: runner,
});
await runner.start();
process.stdout.write(`${JSON.stringify({ ready: true, port: smtp.port })}\n`);
process.on('SIGTERM', () => {
  void (async () => {
    await smtp.stop();
    await runner.stop();
    await store.close();
    process.exit(0);
  })();
});
