// The operator's HTTP server with the webmail, on a real socket, over a fresh store seeded with
// the demo personas, and a real Pro Santé Connect stand-in (its login page and e-CPS approval
// are what the browser goes through), as `mss sandbox` wires them.

import type { AddressInfo } from 'node:net';
import { AccessControl, createTokenValidator } from '@mss/access';
import { buildAdminApi } from '@mss/admin-api';
import { Governance } from '@mss/governance';
import { startPsc, type RunningPsc } from '@mss/psc';
import { silentLogger } from '@mss/runtime';
import { seedDemo } from '@mss/seed';
import type { Store } from '@mss/store';
import { openTestStore } from '@mss/store/testing';
import type { Page } from '@mss/browser-test';
import { webmail, type WebmailOptions } from '../../src/index.ts';

export const DOMAIN = 'operateur-a.mssante.fr';
export const CAB = `cabinet.infirmiers-des-lilas@${DOMAIN}`;
export const GP_PER = `paul.martin@${DOMAIN}`;
export const PEOPLE = {
  gp: '810000001056',
  claire: '810000001130',
  marc: '810000001213',
  sophie: '810000001395',
  julie: '810000001478',
} as const;

export interface World {
  base: string;
  store: Store;
  gov: Governance;
  access: AccessControl;
  psc: RunningPsc;
  /** Stops the operator's HTTP server and starts a new one (nothing kept in memory) on the same store and port. */
  restart(): Promise<void>;
  /** Moves the webmail's session clock (idle and absolute limits), not the tokens'. */
  advance(ms: number): void;
  /** Stores a message in a folder of a mailbox as delivery would (the store's ingestion step), as one of its holders; its JMAP id. */
  deliver(holderIdnat: string, address: string, raw: string | Buffer, folder?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startWorld(options: Partial<Pick<WebmailOptions, 'sessionLimits' | 'maxAttachmentBytes'>> = {}): Promise<World> {
  const { store, dataDir, cleanup } = await openTestStore();
  await seedDemo(store, DOMAIN);
  const logger = silentLogger();
  const psc = await startPsc({ store, logger, host: '127.0.0.1', port: 0, dataDir });
  const tokenValidator = createTokenValidator({ issuer: psc.issuer });
  const access = new AccessControl({ store, logger });
  const gov = new Governance({ store, access, operatorDomains: [DOMAIN], logger });
  let offset = 0;
  const serve = async (port: number) => {
    const app = await buildAdminApi({ store, logger, operatorDomain: DOMAIN, governance: gov, access, tokenValidator });
    await app.register(
      webmail({
        psc: { issuer: psc.issuer },
        tokenValidator,
        access,
        governance: gov,
        store,
        logger,
        now: () => Date.now() + offset,
        ...options,
      }),
    );
    await app.listen({ host: '127.0.0.1', port });
    return app;
  };
  let app = await serve(0);
  const port = (app.server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    store,
    gov,
    access,
    psc,
    advance: (ms) => {
      offset += ms;
    },
    async restart() {
      // As a process that stops: the other tests' pages keep event streams open, cut here.
      const closing = app.close();
      app.server.closeAllConnections();
      await closing;
      app = await serve(port);
    },
    async deliver(holderIdnat, address, raw, folder = 'INBOX') {
      const d = await access.decide({
        principal: { kind: 'person', idnat: holderIdnat },
        mailbox: address,
        action: 'read',
        channel: 'system',
      });
      if (!d.allowed) throw new Error(`${holderIdnat} may not open ${address}: ${d.reason}`);
      const ingested = await store.ingest(Buffer.from(raw));
      await d.scope.ensureFolder(folder);
      const target = await d.scope.openFolder(folder);
      if (!target) throw new Error(`no folder ${folder} in ${address}`);
      await target.transaction((f) => f.appendMessage(ingested));
      store.notifyFolderChanged(target.id);
    },
    async close() {
      await app.close();
      await psc.stop();
      await cleanup();
    },
  };
}

/** Logs in through the PSC stand-in as a person: the IdNat on PSC's page, then "Approuver" on the e-CPS. */
/** A message as a sender's software writes it (CRLF lines). */
export function mime(headers: Record<string, string>, body: string): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}`);
  return `${[...lines, 'MIME-Version: 1.0'].join('\r\n')}\r\n${body.replace(/\r?\n/g, '\r\n')}`;
}

export async function login(page: Page, base: string, idnat: string): Promise<void> {
  await page.goto(`${base}/webmail`);
  await page.getByRole('link', { name: 'Se connecter avec Pro Santé Connect' }).click();
  await page.getByLabel('Identifiant national (IdNat) :').fill(idnat);
  await page.getByRole('button', { name: "Continuer avec l'e-CPS" }).click();
  await page.getByRole('button', { name: 'Approuver' }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/webmail/') && u.pathname !== '/webmail/callback');
}
