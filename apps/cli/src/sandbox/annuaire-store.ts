import fs from 'node:fs';
import path from 'node:path';
import { createProgress, type Logger, type MssConfig } from '@mss/runtime';
import { AnnuaireRepos, migrateAnnuaire } from '@mss/annuaire';
import { Store } from '@mss/store';
import { demoPersonas, generateDirectory, loadBatch, secondOperatorPersonas, type SeedBatch } from '@mss/seed';
import { siblingStore, type StoreLocation } from './store-location.ts';

const SEEDED_MARKER = 'seeded.json';

/** The Annuaire's store: its own directory and file on SQLite, its own schema on PostgreSQL. */
export function annuaireStoreLocation(config: StoreLocation): StoreLocation {
  return siblingStore(config, 'annuaire');
}

export interface AnnuaireSeedOptions {
  professionals: number;
  seed: number;
  progress: boolean;
  operatorDomain: string;
  secondOperatorDomain: string;
}

/**
 * Opens the national directory's own store and, the first time, loads the same synthetic
 * directory as the first operator's (same generator and seed: same persons, structures,
 * situations, and the mailboxes operator A hosts), as if A had already declared them. Operator
 * B's person and situation are national facts too, but B's mailbox is not: B declares it.
 */
export async function openAnnuaireStore(config: MssConfig, logger: Logger, options: AnnuaireSeedOptions): Promise<Store> {
  const where = annuaireStoreLocation(config);
  fs.mkdirSync(where.dataDir, { recursive: true });
  const store = await Store.open(where);
  try {
    // The Annuaire's own tables (search indexes, counters, change feed) beside the store's.
    await migrateAnnuaire(store);
    const marker = path.join(where.dataDir, SEEDED_MARKER);
    // Only on first start: afterwards the operators' feed owns these mailboxes (one withdrawn
    // must not come back at the next start).
    if (!fs.existsSync(marker)) {
      await store.transaction(async (tx) => {
        await loadBatch(tx, directoryOnly(demoPersonas(options.operatorDomain).batch));
        await loadBatch(tx, { ...directoryOnly(secondOperatorPersonas(options.secondOperatorDomain).batch), mailboxes: [] });
      });
      const bar =
        options.progress && options.professionals > 0 ? createProgress('seeding national directory', options.professionals) : undefined;
      const started = performance.now();
      let mailboxes = 0;
      if (options.professionals > 0) {
        for (const batch of generateDirectory({
          seed: options.seed,
          professionals: options.professionals,
          operatorDomain: options.operatorDomain,
        })) {
          await store.transaction((tx) => loadBatch(tx, directoryOnly(batch)));
          mailboxes += batch.mailboxes.length;
          bar?.update(batch.done);
        }
      }
      bar?.finish();
      const summary = { professionals: options.professionals, mailboxes, seconds: (performance.now() - started) / 1000 };
      fs.writeFileSync(marker, `${JSON.stringify({ ...summary, seed: options.seed, at: new Date().toISOString() })}\n`);
      logger.info(summary, 'national directory seeded');
    }
    // From here on every change (operators' feed, RPPS+) is numbered for the operators to follow
    // (issue #15); the seed itself is not: an operator without a cursor resynchronises in full.
    await new AnnuaireRepos(store).feed.enable();
    return store;
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** The directory knows mailboxes and what they are attached to, never who else opens them (R-ANN-2). */
function directoryOnly<T extends SeedBatch>(batch: T): T {
  return { ...batch, holders: [], delegations: [] };
}
