import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { AccessControl, createTokenValidator } from '@mss/access';
import { Governance } from '@mss/governance';
import { startPsc, cibaToken, type RunningPsc } from '@mss/psc';
import { silentLogger } from '@mss/runtime';
import type { MailboxQuotas } from '@mss/domain';
import { seedDemo } from '@mss/seed';
import { openTestStore } from '@mss/store/testing';
import type { Store, StoreOptions } from '@mss/store';
import { startImapServer, type ImapServerOptions, type RunningImapServer } from '../../src/index.ts';

export const GP = '810000001056';
export const CLAIRE = '810000001130';
export const MARC = '810000001213';
export const SOPHIE = '810000001395';
export const JULIE = '810000001478';
export const D = 'operateur-a.mssante.fr';
export const PER = `paul.martin@${D}`;
export const CAB = `cabinet.infirmiers-des-lilas@${D}`;

/** A throw-away certificate for 127.0.0.1, made with OpenSSL (an independent tool). */
export function testCertificate(): { cert: string; key: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-imap-cert-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${dir}/key.pem`,
      '-out',
      `${dir}/cert.pem`,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  return { cert: fs.readFileSync(`${dir}/cert.pem`, 'utf8'), key: fs.readFileSync(`${dir}/key.pem`, 'utf8') };
}

/**
 * imapflow (an independent IMAP client) for `user` on the listener at `port` of 127.0.0.1:
 * STARTTLS (the test certificate accepted), XOAUTH2 with `accessToken`, no logs; not yet connected.
 */
export function imapflowClient(port: number, user: string, accessToken: string, options: Partial<ImapFlowOptions> = {}): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port,
    secure: false,
    doSTARTTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user, accessToken },
    logger: false,
    emitLogs: false,
    ...options,
  });
}

export interface ImapWorld {
  store: Store;
  /** For another process to open the same store (PostgreSQL schema; undefined on SQLite) and its data dir. */
  databaseUrl: string | undefined;
  dataDir: string;
  psc: RunningPsc;
  imap: RunningImapServer;
  access: AccessControl;
  gov: Governance;
  token(idnat: string): Promise<string>;
  close(): Promise<void>;
}

export async function startImapWorld(
  options: {
    quotas?: MailboxQuotas;
    tls?: { cert: string; key: string };
    certificates?: ImapServerOptions['certificates'];
    server?: Partial<ImapServerOptions>;
    /** Told the SQL of every statement the store runs (a test that counts commits). */
    onStatement?: (sql: string) => void;
    /** Where bodies go (an S3 bucket: `blobStore`). */
    store?: Partial<StoreOptions>;
  } = {},
): Promise<ImapWorld> {
  const { store, dataDir, databaseUrl, cleanup } = await openTestStore({
    ...options.store,
    ...(options.onStatement ? { onStatement: options.onStatement } : {}),
  });
  await seedDemo(store, D);
  const logger = silentLogger();
  const psc = await startPsc({ store, logger, host: '127.0.0.1', port: 0, dataDir });
  const access = new AccessControl({ store, publicBaseUrl: 'http://127.0.0.1:8080' });
  const gov = new Governance({ store, access, operatorDomains: [D] });
  const imap = await startImapServer({
    store,
    access,
    tokenValidator: createTokenValidator({ issuer: psc.issuer }),
    logger,
    host: '127.0.0.1',
    port: 0,
    tls: options.tls ?? testCertificate(),
    ...(options.quotas ? { quotas: options.quotas } : {}),
    ...(options.certificates ? { certificates: options.certificates } : {}),
    ...options.server,
  });
  return {
    store,
    databaseUrl,
    dataDir,
    psc,
    imap,
    access,
    gov,
    token: async (idnat) => (await cibaToken({ pscUrl: psc.url, idnat })).access_token,
    async close() {
      await imap.stop();
      await psc.stop();
      await cleanup();
    },
  };
}
