import fs from 'node:fs';
import path from 'node:path';
import type { Logger, MssConfig } from '@mss/runtime';
import { seedMes, startMes, type MesWebHandler, type MonEspaceSante, type RunningMes } from '@mss/mes';
import { Store } from '@mss/store';
import type { Pki } from '@mss/trust';
import type { RunningService } from './service.ts';
import { siblingStore, type StoreLocation } from './store-location.ts';

/** Synthetic patients of Mon Espace Santé besides the demo ones, seeded on first start. */
export const MES_SYNTHETIC_PATIENTS = 3000;
const SEEDED_MARKER = 'seeded.json';

/** Where Mon Espace Santé keeps its data: beside the operators', in `mes` (schema `<schema>_mes` on PostgreSQL). */
export function mesStore(config: StoreLocation): StoreLocation {
  return siblingStore(config, 'mes');
}

export interface MesService {
  services: RunningService[];
  running: RunningMes;
  store: Store;
  stop(): Promise<void>;
}

/**
 * Mon Espace Santé in the sandbox: its store (patients seeded once), its relay (endpoint
 * `mesRelay`, the MX the trust space lists for patient.mssante.fr), its queue and its HTTP
 * listener (endpoint `mes`), where the patient web mailbox's pages plug in (`web`).
 */
export async function startMesService(
  config: MssConfig,
  logger: Logger,
  trust: { pki: Pki; url: string },
  options: { seed: number; web?: (mes: MonEspaceSante) => MesWebHandler },
): Promise<MesService> {
  const where = mesStore(config);
  const store = await Store.open(where);
  try {
    const marker = path.join(where.dataDir, SEEDED_MARKER);
    if (!fs.existsSync(marker)) {
      const summary = await seedMes(store, { patients: MES_SYNTHETIC_PATIENTS, seed: options.seed });
      fs.writeFileSync(marker, `${JSON.stringify({ ...summary, seed: options.seed, at: new Date().toISOString() })}\n`);
      logger.info(summary, 'mon espace sante patients seeded');
    }
    const running = await startMes({
      store,
      logger,
      host: config.host,
      ports: { http: config.ports.mes, relay: config.ports.mesRelay },
      pki: trust.pki,
      trustUrl: trust.url,
      dataDir: where.dataDir,
      // The sandbox retries sooner than production, as its operators do.
      retry: { firstDelayMs: 30_000, maxDelayMs: 600_000 },
      ...(options.web ? { web: options.web } : {}),
    });
    return {
      services: [
        { key: 'mes', url: running.url, stop: async () => undefined },
        { key: 'mesRelay', url: running.relayUrl, stop: async () => undefined },
      ],
      running,
      store,
      async stop() {
        await running.stop();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
