// The portal as its tests meet it: three stores as in the sandbox (the operator's, which PSC
// reads; the Annuaire's, seeded with the demo personas; the portal's own, on a clock the test
// moves), FranceConnect with its built-in citizens, Pro Santé Connect whose extra accounts are
// the portal's activated e-CPS, the Annuaire's HTTP side (FHIR) over its store, and the portal.
// SQLite, or PostgreSQL with MSS_DATABASE_URL.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  AnnuaireRepos,
  migrateAnnuaire,
  SANDBOX_API_KEY,
  StoreDirectoryData,
  startAnnuaireHttp,
  type RunningAnnuaireHttp,
} from '@mss/annuaire';
import { startFranceConnect, type RunningFranceConnect } from '@mss/franceconnect';
import { startPsc, type PscDirectory, type RunningPsc } from '@mss/psc';
import { silentLogger } from '@mss/runtime';
import { demoPersonas, loadBatch, seedDemo } from '@mss/seed';
import type { Store } from '@mss/store';
import { openTestStore } from '@mss/store/testing';
import type { Kysely } from 'kysely';
import { ecpsAccounts, startRppsPlus, storeAnnuaire, type RppsPlusDelays, type RunningRppsPlus } from '../../src/index.ts';
import type { RppsPlusDatabase } from '../../src/store/index.ts';

export const DOMAIN = 'operateur-a.mssante.fr';
/** Dr Paul Martin, GP, titular of "Cabinet du Dr Martin" (seed personas). */
export const GP = '810000001056';
export const GP_PRACTICE = `sit-${GP}-1`;
/** Claire Dubois, nurse, titular of another practice. */
export const NURSE = '810000001130';

export interface World {
  operator: Store;
  annuaire: Store;
  own: Store;
  /** The portal's own tables, for assertions on what it recorded. */
  ownDb: Kysely<RppsPlusDatabase>;
  fc: RunningFranceConnect;
  psc: RunningPsc;
  directory: RunningAnnuaireHttp;
  portal: RunningRppsPlus;
  url: string;
  /** Moves the portal's clock forward (its delays are measured on it). */
  advance(ms: number): void;
  close(): Promise<void>;
}

export async function startWorld(delays: RppsPlusDelays = { rppsNoticeMs: 60_000, ecpsActivationMs: 60_000 }): Promise<World> {
  const logger = silentLogger();
  const op = await openTestStore();
  await seedDemo(op.store, DOMAIN);
  const ann = await openTestStore();
  await migrateAnnuaire(ann.store);
  const batch = demoPersonas(DOMAIN).batch;
  await ann.store.transaction((tx) => loadBatch(tx, { ...batch, holders: [], delegations: [] }));
  // As in the sandbox: the Annuaire records every change in its feed (what operators follow).
  await new AnnuaireRepos(ann.store).feed.enable();
  let offset = 0;
  const own = await openTestStore({ now: () => new Date(Date.now() + offset) });
  const fcDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-rpps-fc-'));
  const fc = await startFranceConnect({ logger, host: '127.0.0.1', port: 0, dataDir: fcDir });
  // PSC starts before the portal (the portal needs its issuer): its extra accounts are bound after.
  let accounts: PscDirectory | undefined;
  const deferred: PscDirectory = {
    person: async (idnat) => accounts?.person(idnat),
    situationsOf: async (idnat, on) => (accounts ? accounts.situationsOf(idnat, on) : []),
    structure: async (idnat) => accounts?.structure(idnat),
    personsWithRppsBelow: async () => [],
  };
  const psc = await startPsc({ store: op.store, logger, host: '127.0.0.1', port: 0, dataDir: op.dataDir, moreAccounts: deferred });
  const directory = await startAnnuaireHttp({
    host: '127.0.0.1',
    port: 0,
    logger,
    data: new StoreDirectoryData(ann.store),
    apiKeys: [SANDBOX_API_KEY],
  });
  const portal = await startRppsPlus({
    store: own.store,
    annuaire: storeAnnuaire(ann.store),
    logger,
    host: '127.0.0.1',
    port: 0,
    franceconnect: { issuer: fc.issuer, clientId: 'rpps-plus-sandbox', clientSecret: 'rpps-plus-sandbox-secret' },
    psc: { issuer: psc.issuer, clientId: 'rpps-plus-sandbox', clientSecret: 'rpps-plus-sandbox-secret' },
    delays,
    scriptedApplicants: true,
  });
  accounts = ecpsAccounts(portal.portal);
  return {
    operator: op.store,
    annuaire: ann.store,
    own: own.store,
    ownDb: own.store.kysely as unknown as Kysely<RppsPlusDatabase>,
    fc,
    psc,
    directory,
    portal,
    url: portal.url,
    advance: (ms) => {
      offset += ms;
    },
    async close() {
      await portal.stop();
      await directory.stop();
      await psc.stop();
      await fc.stop();
      fs.rmSync(fcDir, { recursive: true, force: true });
      await own.cleanup();
      await ann.cleanup();
      await op.cleanup();
    },
  };
}

/** A JSON call to the portal's API; `token` is a titular's PSC access token. */
export async function api(
  w: World,
  method: string,
  path: string,
  o: { token?: string; body?: unknown } = {},
): Promise<{ status: number; type: string; body: Record<string, unknown> & { type?: string; detail?: string } }> {
  const res = await fetch(`${w.url}/api/v1${path}`, {
    method,
    headers: {
      ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
      ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(o.body !== undefined ? { body: JSON.stringify(o.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: text ? (JSON.parse(text) as never) : ({} as never) };
}
