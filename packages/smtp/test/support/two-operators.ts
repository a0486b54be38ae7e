// Two operators on one machine: A (the demo personas, submission + relay + queue) and B (Anne
// Lambert's PER, relay), one test PKI, a fixed trust space. What the sandbox does, without the
// HTTP whitelist (tested in @mss/trust and in the sandbox tests).
import fs from 'node:fs';
import nodemailer from 'nodemailer';
import os from 'node:os';
import path from 'node:path';
import { AccessControl, createTokenValidator } from '@mss/access';
import { startPsc, cibaToken, type RunningPsc } from '@mss/psc';
import { silentLogger } from '@mss/runtime';
import { seedDemo, seedSecondOperator, SECOND_OPERATOR_DOMAIN } from '@mss/seed';
import { openTestStore } from '@mss/store/testing';
import type { MessageRow, Store, StoreOptions } from '@mss/store';
import { loadOrCreatePki, type IssuedCertificate, type Pki } from '@mss/trust';
import {
  QueueRunner,
  startRelayServer,
  startSubmissionServer,
  type RetryPolicy,
  type RoutingTrustSpace,
  type RunningSmtpListener,
} from '../../src/index.ts';

export const A = 'operateur-a.mssante.fr';
export const B = SECOND_OPERATOR_DOMAIN;
export const GP = '810000001056';
export const PER = `paul.martin@${A}`;
export const ANNE = `anne.lambert@${B}`;
export const ANNE_IDNAT = '810000001635';

/** A trust space whose routes the test can change (an operator moving, going down). */
export class FixedTrustSpace implements RoutingTrustSpace {
  readonly operators = new Map<string, string>([
    [A, 'Operateur A'],
    [B, 'Operateur B'],
    ['patient.mssante.fr', 'Mon Espace Sante'],
  ]);
  readonly routes = new Map<string, { host: string; port: number }>();
  isWhitelisted(domain: string): boolean {
    return this.operators.has(domain.toLowerCase());
  }
  operatorFor(domain: string): string | undefined {
    return this.operators.get(domain.toLowerCase());
  }
  routeFor(domain: string): { host: string; port: number } | undefined {
    return this.isWhitelisted(domain) ? this.routes.get(domain.toLowerCase()) : undefined;
  }
}

export interface Operator {
  store: Store;
  dataDir: string;
  cert: IssuedCertificate;
  relay: RunningSmtpListener;
  inbox(address: string): Promise<MessageRow[]>;
  blob(hash: string): Promise<string>;
}

export interface TwoOperators {
  a: Operator & { submission: RunningSmtpListener; runner: QueueRunner };
  b: Operator;
  trust: FixedTrustSpace;
  pki: Pki;
  pkiDir: string;
  caFile: string;
  psc: RunningPsc;
  token(idnat: string): Promise<string>;
  /** Restarts B's relay (same store) on a new port, and routes to it. */
  restartB(): Promise<void>;
  stopB(): Promise<void>;
  close(): Promise<void>;
}

async function operatorParts(store: Store, dataDir: string): Promise<Pick<Operator, 'inbox' | 'blob'>> {
  return {
    async inbox(address) {
      const box = await store.mailboxes.byAddress(address);
      const folder = box ? await store.mail.folder(box.id, 'INBOX') : undefined;
      return folder ? store.mail.messages(folder.id) : [];
    },
    async blob(hash) {
      void dataDir;
      return (await store.blobs.get(hash)).toString('utf8');
    },
  };
}

export async function startTwoOperators(
  options: { retry?: Partial<RetryPolicy>; storeA?: Partial<StoreOptions> } = {},
): Promise<TwoOperators> {
  const logger = silentLogger();
  const sa = await openTestStore(options.storeA);
  const sb = await openTestStore();
  await seedDemo(sa.store, A);
  await seedSecondOperator(sb.store, B);
  const pkiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-relay-pki-'));
  const pki = await loadOrCreatePki(pkiDir);
  const caFile = path.join(pkiDir, 'root-ca.pem');
  fs.writeFileSync(caFile, pki.caCertPem);
  // An operator's certificate names its domain: that is how a peer knows who is connecting.
  const certA = await pki.issueServerCertificate({ commonName: A, dnsNames: ['localhost', `mx.${A}`], ipAddresses: ['127.0.0.1'] });
  const certB = await pki.issueServerCertificate({ commonName: B, dnsNames: ['localhost', `mx.${B}`], ipAddresses: ['127.0.0.1'] });
  const trust = new FixedTrustSpace();
  const runnerOf = (store: Store, domain: string, cert: IssuedCertificate) =>
    new QueueRunner({
      store,
      logger,
      trustSpace: trust,
      tls: { cert: cert.certPem, key: cert.keyPem, ca: pki.caCertPem },
      name: `mx.${domain}`,
      operatorDomain: domain,
      retry: { firstDelayMs: 60_000, ...options.retry },
      pollMs: 200,
      connectTimeoutMs: 2000,
    });
  const runner = runnerOf(sa.store, A, certA);
  // B's queue only carries its success reports (NOTIFY=SUCCESS) back to A.
  const runnerB = runnerOf(sb.store, B, certB);
  const relayOf = (store: Store, domain: string, cert: IssuedCertificate, queue: QueueRunner) =>
    startRelayServer({
      store,
      logger,
      host: '127.0.0.1',
      port: 0,
      tls: { cert: cert.certPem, key: cert.keyPem, ca: pki.caCertPem },
      operatorDomains: [domain],
      trustSpace: trust,
      closeTimeoutMs: 500,
      queue,
    });
  let relayB = await relayOf(sb.store, B, certB, runnerB);
  const relayA = await relayOf(sa.store, A, certA, runner);
  trust.routes.set(B, { host: '127.0.0.1', port: relayB.port });
  trust.routes.set(A, { host: '127.0.0.1', port: relayA.port });

  const psc = await startPsc({ store: sa.store, logger, host: '127.0.0.1', port: 0, dataDir: sa.dataDir });
  const access = new AccessControl({ store: sa.store, publicBaseUrl: 'http://127.0.0.1:8080' });
  const submission = await startSubmissionServer({
    store: sa.store,
    access,
    tokenValidator: createTokenValidator({ issuer: psc.issuer }),
    logger,
    host: '127.0.0.1',
    port: 0,
    tls: { cert: certA.certPem, key: certA.keyPem },
    operatorDomains: [A],
    trustSpace: trust,
    queue: runner,
    closeTimeoutMs: 500,
  });
  await runner.start();
  await runnerB.start();
  const b: Operator = { store: sb.store, dataDir: sb.dataDir, cert: certB, relay: relayB, ...(await operatorParts(sb.store, sb.dataDir)) };
  let bUp = true;
  return {
    a: {
      store: sa.store,
      dataDir: sa.dataDir,
      cert: certA,
      relay: relayA,
      submission,
      runner,
      ...(await operatorParts(sa.store, sa.dataDir)),
    },
    b,
    trust,
    pki,
    pkiDir,
    caFile,
    psc,
    token: async (idnat) => (await cibaToken({ pscUrl: psc.url, idnat })).access_token,
    async stopB() {
      if (bUp) await relayB.stop();
      bUp = false;
    },
    async restartB() {
      if (bUp) await relayB.stop();
      relayB = await relayOf(sb.store, B, certB, runnerB);
      b.relay = relayB;
      bUp = true;
      trust.routes.set(B, { host: '127.0.0.1', port: relayB.port });
    },
    async close() {
      await runner.stop();
      await runnerB.stop();
      await submission.stop();
      await relayA.stop();
      if (bUp) await relayB.stop();
      await psc.stop();
      await sa.cleanup();
      await sb.cleanup();
      fs.rmSync(pkiDir, { recursive: true, force: true });
    },
  };
}

/**
 * Submits a message as Dr Martin (PER at A) through A's submission listener with nodemailer:
 * STARTTLS, XOAUTH2 with a fresh PSC token. `dsn` takes nodemailer's RFC 3461 options; `raw`
 * sends bytes as they are. Any world with operator A's submission listener and PSC tokens (MES's too).
 */
export async function sendAsGp(
  w: { a: { submission: { port: number } }; token(idnat: string): Promise<string> },
  mail: nodemailer.SendMailOptions & { dsn?: unknown },
): Promise<nodemailer.SentMessageInfo> {
  const t = nodemailer.createTransport({
    host: '127.0.0.1',
    port: w.a.submission.port,
    secure: false,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { type: 'OAuth2', user: PER, accessToken: await w.token(GP) },
  });
  try {
    return await t.sendMail({ from: PER, ...mail });
  } finally {
    t.close();
  }
}

/** Our id of a message, from the 250 that accepted it. */
export function acceptedRef(info: { response: string }): string {
  return /accepted as ([0-9a-f]{16})/.exec(info.response)![1]!;
}
