// The trust space with Mon Espace Santé in it, on one machine: the trust stand-in (test CA,
// whitelist over HTTP, routes), operator A (Dr Martin: API LPS submission with PSC tokens,
// IMAP, relay, queue), operator B (Dr Lambert: relay, queue) and MES (its relay, queue and
// store). Every hop between them is real SMTP over mutual TLS with the trust CA's certificates.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AccessControl, createTokenValidator } from '@mss/access';
import { startImapServer, type RunningImapServer } from '@mss/imap';
import { startPsc, cibaToken, type RunningPsc } from '@mss/psc';
import { silentLogger } from '@mss/runtime';
import { seedDemo, seedSecondOperator, SECOND_OPERATOR_DOMAIN } from '@mss/seed';
import { QueueRunner, startRelayServer, startSubmissionServer, type RunningSmtpListener } from '@mss/smtp';
import type { MessageRow, Store } from '@mss/store';
import { openTestStore } from '@mss/store/testing';
import { MES_OPERATOR_NAME, PATIENT_DOMAIN, startTrust, type RunningTrust } from '@mss/trust';
import { WhitelistCache } from '@mss/trust-client';
import { seedMes, startMes, type MesWebHandler, type MonEspaceSante, type RunningMes } from '../../src/index.ts';

export const A = 'operateur-a.mssante.fr';
export const B = SECOND_OPERATOR_DOMAIN;
export const GP = '810000001056';
export const PER = `paul.martin@${A}`;
export const ANNE = `anne.lambert@${B}`;
export const ANNE_IDNAT = '810000001635';

export interface Operator {
  store: Store;
  relay: RunningSmtpListener;
  queue: QueueRunner;
  whitelist: WhitelistCache;
  inbox(address: string): Promise<MessageRow[]>;
}

export interface World {
  trust: RunningTrust;
  psc: RunningPsc;
  a: Operator & { submission: RunningSmtpListener; imap: RunningImapServer };
  b: Operator;
  mes: RunningMes;
  mesStore: Store;
  /** The patient's INBOX in MES's store. */
  patientInbox(ins: string): Promise<MessageRow[]>;
  token(idnat: string): Promise<string>;
  blob(store: Store, hash: string): Promise<Buffer>;
  close(): Promise<void>;
}

/** `web`: the patient web mailbox's pages on MES's listener (story 3 in a browser). */
export async function startWorld(options: { web?: (mes: MonEspaceSante) => MesWebHandler } = {}): Promise<World> {
  const logger = silentLogger();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-mes-world-'));
  const sa = await openTestStore();
  const sb = await openTestStore();
  const sm = await openTestStore();
  await seedDemo(sa.store, A);
  await seedSecondOperator(sb.store, B);
  await seedMes(sm.store, { patients: 50, seed: 3 });
  const trust = await startTrust({ host: '127.0.0.1', port: 0, dataDir: dir, logger });
  const stops: (() => Promise<void>)[] = [];

  const operator = async (store: Store, domain: string, name: string) => {
    const cert = await trust.pki.issueServerCertificate({
      commonName: domain,
      dnsNames: ['localhost', `mx.${domain}`],
      ipAddresses: ['127.0.0.1'],
    });
    const tls = { cert: cert.certPem, key: cert.keyPem, ca: trust.pki.caCertPem };
    const whitelist = new WhitelistCache({ url: trust.url, cacheDir: path.join(dir, domain), logger, refreshIntervalMs: 60_000 });
    await whitelist.start();
    const queue = new QueueRunner({
      store,
      logger,
      trustSpace: whitelist,
      tls,
      name: `mx.${domain}`,
      operatorDomain: domain,
      retry: { firstDelayMs: 60_000 },
      pollMs: 200,
      connectTimeoutMs: 5000,
    });
    const relay = await startRelayServer({
      store,
      logger,
      host: '127.0.0.1',
      port: 0,
      tls,
      operatorDomains: [domain],
      trustSpace: whitelist,
      queue,
      closeTimeoutMs: 500,
    });
    await trust.registerOperator({ name, domains: [domain], mx: { host: '127.0.0.1', port: relay.port } });
    await queue.start();
    stops.push(
      () => queue.stop(),
      () => relay.stop(),
      async () => whitelist.stop(),
    );
    const inbox = async (address: string) => {
      const box = await store.mailboxes.byAddress(address);
      const folder = box ? await store.mail.folder(box.id, 'INBOX') : undefined;
      return folder ? store.mail.messages(folder.id) : [];
    };
    return { store, relay, queue, whitelist, inbox, cert };
  };

  const a = await operator(sa.store, A, 'Opérateur A');
  const b = await operator(sb.store, B, 'Opérateur B');
  const mes = await startMes({
    store: sm.store,
    logger,
    host: '127.0.0.1',
    ports: { http: 0, relay: 0 },
    ...(options.web ? { web: options.web } : {}),
    pki: trust.pki,
    trustUrl: trust.url,
    dataDir: path.join(dir, 'mes'),
    whitelistRefreshMs: 60_000,
  });
  await trust.registerOperator({ name: MES_OPERATOR_NAME, domains: [PATIENT_DOMAIN], mx: { host: '127.0.0.1', port: mes.relayPort } });
  // Every member sees every route now (their periodic refresh would, a few seconds later).
  for (const w of [a.whitelist, b.whitelist, mes.whitelist]) await w.refresh();

  const psc = await startPsc({ store: sa.store, logger, host: '127.0.0.1', port: 0, dataDir: sa.dataDir });
  const access = new AccessControl({ store: sa.store, publicBaseUrl: 'http://127.0.0.1:8080' });
  const tokenValidator = createTokenValidator({ issuer: psc.issuer });
  const submission = await startSubmissionServer({
    store: sa.store,
    access,
    tokenValidator,
    logger,
    host: '127.0.0.1',
    port: 0,
    tls: { cert: a.cert.certPem, key: a.cert.keyPem },
    operatorDomains: [A],
    trustSpace: a.whitelist,
    queue: a.queue,
    closeTimeoutMs: 500,
  });
  const imap = await startImapServer({
    store: sa.store,
    access,
    tokenValidator,
    logger,
    host: '127.0.0.1',
    port: 0,
    tls: { cert: a.cert.certPem, key: a.cert.keyPem },
  });
  return {
    trust,
    psc,
    a: { ...a, submission, imap },
    b,
    mes,
    mesStore: sm.store,
    async patientInbox(ins) {
      const box = await sm.store.mailboxes.byAddress(`${ins}@${PATIENT_DOMAIN}`);
      const folder = box ? await sm.store.mail.folder(box.id, 'INBOX') : undefined;
      return folder ? sm.store.mail.messages(folder.id) : [];
    },
    token: async (idnat) => (await cibaToken({ pscUrl: psc.url, idnat })).access_token,
    blob: (store, hash) => store.blobs.get(hash),
    async close() {
      await imap.stop();
      await submission.stop();
      await mes.stop();
      for (const stop of stops.reverse()) await stop();
      await psc.stop();
      await trust.stop();
      for (const s of [sa, sb, sm]) await s.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Dr Martin's software (submission at A, nodemailer) and our id of a message from its 250: as the SMTP tests send.
export { acceptedRef, sendAsGp } from '../../../../packages/smtp/test/support/two-operators.ts';

/** Waits until `check` holds (deliveries happen on other connections). */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
