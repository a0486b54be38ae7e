// Two stores on the engine under test — the Annuaire's (its feed enabled, served over real HTTP by
// the stand-in) and the operator's (governance, revocation bus) — loaded with the same directory,
// as in the sandbox; and a logger whose lines the tests can read.
import { Writable } from 'node:stream';
import { AccessControl, type RevocationEvent } from '@mss/access';
import {
  AnnuaireRegistry,
  AnnuaireRepos,
  migrateAnnuaire,
  SANDBOX_API_KEY,
  StoreChangeFeed,
  StoreDirectoryData,
  startAnnuaireHttp,
  type RunningAnnuaireHttp,
} from '@mss/annuaire';
import { Governance } from '@mss/governance';
import { createLogger, silentLogger, type Logger } from '@mss/runtime';
import { seedDemo, seedDirectory } from '@mss/seed';
import type { Store } from '@mss/store';
import { openTestStore } from '@mss/store/testing';

export const DOMAIN = 'operateur-a.mssante.fr';
export const GP = '810000001056';
export const GP_PER = 'paul.martin@operateur-a.mssante.fr';
export const JULIE = '810000001478';
export const JULIE_SITUATION = 'sit-810000001478-1';
export const PROFESSIONALS = 40;

export interface AnnuaireSide {
  store: Store;
  registry: AnnuaireRegistry;
  http: RunningAnnuaireHttp;
  databaseUrl: string | undefined;
  dataDir: string;
  /** Starts the HTTP side again on the same port (after `http.stop()`: the Annuaire back up). */
  restart(): Promise<void>;
  cleanup(): Promise<void>;
}

export async function annuaireSide(options: { now?: () => Date; port?: number } = {}): Promise<AnnuaireSide> {
  const opened = await openTestStore(options.now ? { now: options.now } : {});
  const { store } = opened;
  await migrateAnnuaire(store);
  await seedDemo(store, DOMAIN);
  await seedDirectory(store, { seed: 7, professionals: PROFESSIONALS, operatorDomain: DOMAIN });
  await new AnnuaireRepos(store).feed.enable();
  const start = (port: number) =>
    startAnnuaireHttp({
      host: '127.0.0.1',
      port,
      logger: silentLogger(),
      data: new StoreDirectoryData(store),
      changes: new StoreChangeFeed(store),
      apiKeys: [SANDBOX_API_KEY],
      ...(options.now ? { now: options.now } : {}),
    });
  const side: AnnuaireSide = {
    store,
    registry: new AnnuaireRegistry(store),
    http: await start(options.port ?? 0),
    databaseUrl: opened.databaseUrl,
    dataDir: opened.dataDir,
    async restart() {
      // The same port, as a restarted Annuaire keeps its address: while it was down, a short-lived
      // outgoing connection of another process may hold it as its local port, so a busy port is
      // tried again for a while instead of failing the test on that chance.
      const port = side.http.port;
      for (const end = Date.now() + 15_000; ; ) {
        try {
          side.http = await start(port);
          return;
        } catch (err) {
          if ((err as { code?: string }).code !== 'PORT_IN_USE' || Date.now() > end) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async cleanup() {
      await side.http.stop();
      await opened.cleanup();
    },
  };
  return side;
}

export interface OperatorSide {
  store: Store;
  gov: Governance;
  access: AccessControl;
  events: RevocationEvent[];
  databaseUrl: string | undefined;
  dataDir: string;
  cleanup(): Promise<void>;
}

export async function operatorSide(options: { now?: () => Date } = {}): Promise<OperatorSide> {
  const opened = await openTestStore(options.now ? { now: options.now } : {});
  const { store } = opened;
  await migrateAnnuaire(store);
  await seedDemo(store, DOMAIN);
  await seedDirectory(store, { seed: 7, professionals: PROFESSIONALS, operatorDomain: DOMAIN });
  const access = new AccessControl({ store });
  const events: RevocationEvent[] = [];
  access.bus.subscribe((e) => events.push(e));
  const gov = new Governance({ store, access, operatorDomains: [DOMAIN] });
  return { store, gov, access, events, databaseUrl: opened.databaseUrl, dataDir: opened.dataDir, cleanup: opened.cleanup };
}

/** A logger whose JSON lines land in `lines`. */
export function capturedLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

/** A secretary registered through RPPS+, employed by Dr Martin. */
export function secretary(idnat: string, lastName: string) {
  return {
    person: {
      idnat,
      kind: 'SECRETARY' as const,
      id_type: 'RPPS' as const,
      rpps: idnat.slice(1),
      civility: 'MME',
      last_name: lastName,
      first_name: 'Léa',
      profession_code: null,
      profession_label: 'Secrétaire médical',
      category_code: null,
      speciality_code: null,
      speciality_label: null,
    },
    situation: {
      id: `sit-${idnat}-rpps-plus`,
      person_idnat: idnat,
      structure_idnat: null,
      practice_name: 'Cabinet du Dr Martin',
      mode: 'S' as const,
      role_label: 'Secrétaire médicale',
      street: '27 boulevard de la Liberté',
      postal_code: '93260',
      city: 'Les Lilas',
      departement: '93',
      start_date: '2026-12-01',
      end_date: null,
      employer_idnat: GP,
    },
  };
}
