import { PATIENT_DOMAIN } from '@mss/domain';
import { demoPatients, generatePatients, loadPatients } from '@mss/seed';
import type { Store } from '@mss/store';

export interface MesSeedOptions {
  /** Synthetic patients besides the demo ones (default 3,000). */
  patients?: number;
  seed?: number;
  domain?: string;
}

/**
 * The demo patients (story 3's Dominique Pat-Trois, and one whose MES is closed) and a
 * deterministic synthetic population, each with their mailbox. Idempotent: run at every start.
 */
export async function seedMes(store: Store, o: MesSeedOptions = {}): Promise<{ patients: number; created: number }> {
  const patients = [...demoPatients(), ...generatePatients({ seed: o.seed ?? 42, count: o.patients ?? 3000 })];
  const { created } = await loadPatients(store, patients, o.domain ?? PATIENT_DOMAIN);
  return { patients: patients.length, created };
}
