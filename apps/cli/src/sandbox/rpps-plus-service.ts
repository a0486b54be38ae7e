import fs from 'node:fs';
import type { Citizen, CitizenDirectory } from '@mss/franceconnect';
import type { PscDirectory } from '@mss/psc';
import { startRppsPlus, storeAnnuaire, type RunningRppsPlus } from '@mss/rpps-plus';
import type { Logger, MssConfig } from '@mss/runtime';
import { Store } from '@mss/store';
import { franceConnectIssuer } from './franceconnect-service.ts';
import type { RunningService } from './service.ts';
import { siblingStore, type StoreLocation } from './store-location.ts';

/** The portal's own store: `<data-dir>/rpps-plus` on SQLite, schema `<schema>_rpps_plus` on PostgreSQL. */
export function rppsPlusStore(config: StoreLocation): StoreLocation {
  return siblingStore(config, 'rpps-plus');
}

export function rppsPlusUrl(config: MssConfig): string {
  return `http://${config.host}:${config.ports.rppsPlus}`;
}

/**
 * The RPPS+ portal in the sandbox (endpoint `rppsPlus`): its store, the Annuaire's store it
 * writes (its change feed records what it writes), FranceConnect and PSC as the sandbox runs
 * them, the sandbox's delays (MSS_RPPS_PLUS_NOTICE_DELAY, MSS_RPPS_PLUS_ECPS_DELAY), and the
 * scripted applicants' API for `mss rpps request`.
 */
export async function startRppsPlusService(
  config: MssConfig,
  logger: Logger,
  annuaire: Store,
  pscIssuer: string,
  onDirectoryChange?: () => void,
): Promise<RunningService & { rppsPlus: RunningRppsPlus; store: Store }> {
  const where = rppsPlusStore(config);
  fs.mkdirSync(where.dataDir, { recursive: true });
  const store = await Store.open(where);
  try {
    const rppsPlus = await startRppsPlus({
      store,
      annuaire: storeAnnuaire(annuaire, onDirectoryChange),
      logger,
      host: config.host,
      port: config.ports.rppsPlus,
      franceconnect: { issuer: franceConnectIssuer(config), clientId: 'rpps-plus-sandbox', clientSecret: 'rpps-plus-sandbox-secret' },
      psc: { issuer: pscIssuer, clientId: 'rpps-plus-sandbox', clientSecret: 'rpps-plus-sandbox-secret' },
      delays: config.rppsPlus,
      scriptedApplicants: true,
    });
    return {
      key: 'rppsPlus',
      url: rppsPlus.url,
      rppsPlus,
      store,
      async stop() {
        await rppsPlus.stop();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** PSC's extra accounts, bound once the portal runs (PSC starts first: the portal needs its issuer). */
export function deferredPscAccounts(): PscDirectory & { bind(accounts: PscDirectory): void } {
  let accounts: PscDirectory | undefined;
  return {
    person: async (idnat) => accounts?.person(idnat),
    situationsOf: async (idnat, activeOn) => (accounts ? accounts.situationsOf(idnat, activeOn) : []),
    structure: async (idnat) => accounts?.structure(idnat),
    personsWithRppsBelow: async () => [],
    bind(a) {
      accounts = a;
    },
  };
}

/** FranceConnect's citizens: the secretaries of story 2 first (they register on the portal), then MES's patients. */
export function withApplicants(patients: CitizenDirectory, applicants: readonly Citizen[]): CitizenDirectory {
  const byId = new Map(applicants.map((c) => [c.id, c]));
  return {
    list: async (limit) => [...applicants.slice(0, limit), ...(await patients.list(Math.max(0, limit - applicants.length)))],
    find: async (id) => byId.get(id) ?? patients.find(id),
  };
}
