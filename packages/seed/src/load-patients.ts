import type { Store } from '@mss/store';
import type { SeedPatient } from './patients.ts';

/**
 * Loads patients into the Mon Espace Santé stand-in's store, in one transaction per 2,000: each
 * gets a mailbox `<INS>@<domain>` (active, or closed when their MES is) and their identity
 * traits. Replaying is harmless: a patient or address already there is left alone.
 */
export async function loadPatients(store: Store, patients: readonly SeedPatient[], domain: string): Promise<{ created: number }> {
  let created = 0;
  for (let i = 0; i < patients.length; i += 2000) {
    const chunk = patients.slice(i, i + 2000);
    created += await store.transaction(async (tx) => {
      const before = await tx.mes.countPatients();
      const address = (p: SeedPatient) => `${p.ins}@${domain}`;
      // A patient's mailbox is a row of the store's `mailboxes` like a professional's, so that
      // folders, messages, quotas and ingestion are the store's own (type PER: its owner is one person).
      await tx.mailboxes.createMany(
        chunk.map((p) => ({ address: address(p), type: 'PER' as const, ownerIdnat: p.ins, status: p.active ? 'active' : 'closed' })),
      );
      const ids = await tx.mailboxes.idsByAddress(chunk.map(address));
      await tx.mes.insertPatients(
        chunk.map((p) => ({
          ins: p.ins,
          birth_name: p.birthName,
          used_name: p.usedName,
          first_names: p.firstNames.join(' '),
          used_first_name: p.usedFirstName,
          birth_date: p.birthDate,
          sex: p.sex,
          birth_place: p.birthPlace,
          mailbox_id: ids.get(address(p).toLowerCase())!,
        })),
      );
      return (await tx.mes.countPatients()) - before;
    });
  }
  return { created };
}
