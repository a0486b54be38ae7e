// Shared by the seed tests: gathering a run and checking its references.

import { generateDirectory, type SeedBatch, type SeedOptions } from '../src/index.ts';

export const DOMAIN = 'operateur.mssante.fr';

export interface Run extends SeedBatch {
  batches: (SeedBatch & { done: number; total: number })[];
}

export function collect(opts: SeedOptions): Run {
  const run: Run = { persons: [], structures: [], situations: [], mailboxes: [], holders: [], delegations: [], batches: [] };
  for (const batch of generateDirectory(opts)) {
    run.batches.push(batch);
    run.persons.push(...batch.persons);
    run.structures.push(...batch.structures);
    run.situations.push(...batch.situations);
    run.mailboxes.push(...batch.mailboxes);
    run.holders.push(...batch.holders);
    run.delegations.push(...batch.delegations);
  }
  return run;
}

/**
 * Every dangling reference in a sequence of batches, as readable lines. A reference must point
 * to a record of the same batch or an earlier one, because the loader inserts batch by batch.
 */
export function referenceProblems(batches: readonly SeedBatch[]): string[] {
  const problems: string[] = [];
  const persons = new Set<string>();
  const structures = new Set<string>();
  const situations = new Map<string, string>();
  const mailboxes = new Map<string, { type: string; owner: string }>();
  for (const [i, b] of batches.entries()) {
    for (const p of b.persons) persons.add(p.idnat);
    for (const s of b.structures) structures.add(s.idnat);
    for (const s of b.situations) {
      if (!persons.has(s.personIdnat)) problems.push(`batch ${i}: situation ${s.id} → unknown person ${s.personIdnat}`);
      if (s.structureIdnat !== null && !structures.has(s.structureIdnat)) {
        problems.push(`batch ${i}: situation ${s.id} → unknown structure ${s.structureIdnat}`);
      }
      situations.set(s.id, s.personIdnat);
    }
    for (const m of b.mailboxes) {
      const ownerKnown = m.type === 'ORG' || m.type === 'APP' ? structures.has(m.ownerIdnat) : persons.has(m.ownerIdnat);
      if (!ownerKnown) problems.push(`batch ${i}: ${m.type} ${m.address} → unknown owner ${m.ownerIdnat}`);
      if (m.situationId !== null && situations.get(m.situationId) !== m.ownerIdnat) {
        problems.push(`batch ${i}: ${m.address} → situation ${m.situationId} not of its owner`);
      }
      mailboxes.set(m.address.toLowerCase(), { type: m.type, owner: m.ownerIdnat });
    }
    for (const h of b.holders) {
      if (!mailboxes.has(h.mailboxAddress.toLowerCase())) problems.push(`batch ${i}: holder → unknown mailbox ${h.mailboxAddress}`);
      if (!persons.has(h.personIdnat)) problems.push(`batch ${i}: holder of ${h.mailboxAddress} → unknown person ${h.personIdnat}`);
    }
    for (const d of b.delegations) {
      if (!mailboxes.has(d.mailboxAddress.toLowerCase())) problems.push(`batch ${i}: delegation → unknown mailbox ${d.mailboxAddress}`);
      if (!persons.has(d.delegateIdnat)) problems.push(`batch ${i}: delegation → unknown delegate ${d.delegateIdnat}`);
      if (!persons.has(d.grantedBy)) problems.push(`batch ${i}: delegation → unknown grantor ${d.grantedBy}`);
    }
  }
  return problems;
}

export function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) out.set(key(item), (out.get(key(item)) ?? 0) + 1);
  return out;
}

export function localPart(address: string): string {
  return address.slice(0, address.indexOf('@'));
}
