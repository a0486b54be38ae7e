import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AccessControl, createCertificateValidator, createTokenValidator, type RevocationSource } from '@mss/access';
import { Governance } from '@mss/governance';
import { startPsc, cibaToken, type RunningPsc } from '@mss/psc';
import { silentLogger } from '@mss/runtime';
import { demoPersonas, seedDemo } from '@mss/seed';
import { openTestStore } from '@mss/store/testing';
import type { MessageRow, Store, StoreOptions } from '@mss/store';
import { loadOrCreatePki, type Pki } from '@mss/trust';
import { startSubmissionServer, type RunningSubmissionServer, type SubmissionServerOptions } from '../../src/index.ts';

export const D = 'operateur-a.mssante.fr';
export const GP = '810000001056';
export const CLAIRE = '810000001130';
export const MARC = '810000001213';
export const SOPHIE = '810000001395';
export const JULIE = '810000001478';
export const NATHALIE = demoPersonas(D).personas.find((p) => p.key === 'hospital-admin')!.idnat;
export const PER = `paul.martin@${D}`;
export const CAB = `cabinet.infirmiers-des-lilas@${D}`;
export const ORG = `cardiologie.ch-lilas@${D}`;
export const APP = `labo-resultats.ch-lilas@${D}`;

export type ServerOverrides = Partial<Omit<SubmissionServerOptions, 'store' | 'access' | 'logger' | 'tls'>>;

export interface SmtpWorld {
  store: Store;
  psc: RunningPsc;
  access: AccessControl;
  gov: Governance;
  smtp: RunningSubmissionServer;
  dataDir: string;
  /** The test PKI's root (PEM file), for clients that verify the server certificate. */
  caFile: string;
  /** The test PKI (the trust stand-in's): APP client certificates for AUTH EXTERNAL. */
  pki: Pki;
  /** For `startAnother`: AUTH EXTERNAL against the test PKI, with the revocations below. */
  certificates: NonNullable<SubmissionServerOptions['certificates']>;
  /** What the certificate validator takes as the CRL: serials revoked, or no CRL at all. */
  revocations: { revoked: Set<string>; known: boolean };
  token(idnat: string): Promise<string>;
  /** Another listener on the same store, e.g. with a failing `deliver`. */
  startAnother(overrides: ServerOverrides): Promise<RunningSubmissionServer>;
  inbox(address: string): Promise<MessageRow[]>;
  blob(hash: string): Promise<string>;
  /** Files left in the blob store's temporary directory (half-written messages). */
  blobTemporaries(): string[];
  close(): Promise<void>;
}

/**
 * Waits until `check` is true (the server replies before the test's next read is scheduled). The
 * default deadline is generous: it costs nothing when the condition comes, and a loaded 2-core CI
 * machine can take seconds for what takes milliseconds here.
 */
export async function eventually(check: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startSmtpWorld(overrides: ServerOverrides = {}, storeOptions: Partial<StoreOptions> = {}): Promise<SmtpWorld> {
  const { store, dataDir, cleanup } = await openTestStore(storeOptions);
  await seedDemo(store, D);
  const logger = silentLogger();
  const psc = await startPsc({ store, logger, host: '127.0.0.1', port: 0, dataDir });
  const access = new AccessControl({ store, publicBaseUrl: 'http://127.0.0.1:8080' });
  const gov = new Governance({ store, access, operatorDomains: [D] });
  // A server certificate from the trust stand-in's test PKI, as the sandbox uses.
  const pkiDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-smtp-pki-'));
  const pki = await loadOrCreatePki(pkiDir);
  const cert = await pki.issueServerCertificate({ commonName: `smtp.${D}`, dnsNames: ['localhost', D], ipAddresses: ['127.0.0.1'] });
  const caFile = path.join(pkiDir, 'root-ca.pem');
  fs.writeFileSync(caFile, pki.caCertPem);
  const tokenValidator = createTokenValidator({ issuer: psc.issuer });
  const revocations = { revoked: new Set<string>(), known: true };
  const revocationSource: RevocationSource = {
    status: (serial) => (!revocations.known ? 'unknown' : revocations.revoked.has(serial) ? 'revoked' : 'good'),
  };
  const certificates = {
    ca: pki.caCertPem,
    validator: createCertificateValidator({ caCertPem: pki.caCertPem, revocations: revocationSource }),
  };
  const base = {
    store,
    access,
    tokenValidator,
    logger,
    host: '127.0.0.1',
    port: 0,
    tls: { cert: cert.certPem, key: cert.keyPem },
    operatorDomains: [D],
    closeTimeoutMs: 1000,
  };
  const smtp = await startSubmissionServer({ ...base, ...overrides });
  const others: RunningSubmissionServer[] = [];
  return {
    store,
    psc,
    access,
    gov,
    smtp,
    dataDir,
    caFile,
    pki,
    certificates,
    revocations,
    token: async (idnat) => (await cibaToken({ pscUrl: psc.url, idnat })).access_token,
    async startAnother(o) {
      const s = await startSubmissionServer({ ...base, ...o });
      others.push(s);
      return s;
    },
    async inbox(address) {
      const box = await store.mailboxes.byAddress(address);
      const folder = box ? await store.mail.folder(box.id, 'INBOX') : undefined;
      return folder ? store.mail.messages(folder.id) : [];
    },
    async blob(hash) {
      return (await store.blobs.get(hash)).toString('utf8');
    },
    blobTemporaries: () => fs.readdirSync(path.join(dataDir, 'blobs', 'tmp')),
    async close() {
      for (const s of others) await s.stop();
      await smtp.stop();
      await psc.stop();
      await cleanup();
      fs.rmSync(pkiDir, { recursive: true, force: true });
    },
  };
}
