import type { Store, Repositories } from '@mss/store';
import type { SeedBatch, SeedOptions, Persona } from './index.ts';
import { generateDirectory, demoPersonas, secondOperatorPersonas } from './index.ts';

export interface SeedSummary {
  persons: number;
  structures: number;
  situations: number;
  mailboxes: number;
  mailboxesCreated: number;
  delegations: number;
  seconds: number;
}

/** The CGU version the seed publishes when the operator has none yet. */
export const SEED_CGU = { version: '2026-01', url: '/cgu/2026-01', title: 'Conditions générales d’utilisation — janvier 2026' };

/**
 * Writes one generated batch in one transaction. Replaying the same seed is harmless: persons,
 * structures and situations are upserted, existing addresses are left alone, and holders,
 * delegations and history are only written for mailboxes this run created.
 */
export async function loadBatch(tx: Repositories, batch: SeedBatch): Promise<{ mailboxesCreated: number; delegations: number }> {
  await tx.directory.upsertPersons(
    batch.persons.map((p) => ({
      idnat: p.idnat,
      kind: p.kind,
      id_type: p.idType,
      rpps: p.rpps,
      civility: p.civility,
      last_name: p.lastName,
      first_name: p.firstName,
      profession_code: p.professionCode,
      profession_label: p.professionLabel,
      category_code: p.categoryCode,
      speciality_code: p.specialityCode,
      speciality_label: p.specialityLabel,
    })),
  );
  await tx.directory.upsertStructures(
    batch.structures.map((s) => ({
      idnat: s.idnat,
      id_type: s.idType,
      finess: s.finess,
      siret: s.siret,
      name: s.name,
      sector_code: s.sectorCode,
      street: s.street,
      postal_code: s.postalCode,
      city: s.city,
      departement: s.departement,
    })),
  );
  await tx.directory.upsertSituations(
    batch.situations.map((s) => ({
      id: s.id,
      person_idnat: s.personIdnat,
      structure_idnat: s.structureIdnat,
      practice_name: s.practiceName,
      mode: s.mode,
      role_label: s.roleLabel,
      street: s.street,
      postal_code: s.postalCode,
      city: s.city,
      departement: s.departement,
      start_date: s.startDate,
      end_date: s.endDate,
      employer_idnat: s.employerIdnat ?? null,
    })),
  );
  const addresses = batch.mailboxes.map((m) => m.address);
  const existing = await tx.mailboxes.idsByAddress(addresses);
  const fresh = batch.mailboxes.filter((m) => !existing.has(m.address.toLowerCase()));
  await tx.mailboxes.createMany(
    fresh.map((m) => ({
      address: m.address,
      type: m.type,
      ownerIdnat: m.ownerIdnat,
      situationId: m.situationId,
      listeRouge: m.listeRouge,
      description: m.description,
      service: m.service,
      digitization: m.digitization,
    })),
  );
  const ids = await tx.mailboxes.idsByAddress(fresh.map((m) => m.address));
  const idOf = (address: string): number | undefined => ids.get(address.toLowerCase());
  await tx.mailboxes.addHolders(
    batch.holders.flatMap((h) => {
      const id = idOf(h.mailboxAddress);
      return id === undefined ? [] : [{ mailboxId: id, personIdnat: h.personIdnat, role: h.role, addedBy: 'seed' }];
    }),
  );
  const delegations = batch.delegations.flatMap((d) => {
    const id = idOf(d.mailboxAddress);
    return id === undefined
      ? []
      : [
          {
            mailboxId: id,
            delegateIdnat: d.delegateIdnat,
            grantedBy: d.grantedBy,
            startAt: `${d.startAt}T00:00:00.000Z`,
            endAt: d.endAt ? `${d.endAt}T23:59:59.999Z` : null,
          },
        ];
  });
  await tx.mailboxes.grantDelegations(delegations);
  await tx.history.appendMany([
    ...fresh.map((m) => ({
      mailboxId: idOf(m.address) ?? null,
      actor: 'system',
      event: 'mailbox.created',
      subjectIdnat: m.ownerIdnat,
      reason: 'seed',
      details: { address: m.address, type: m.type },
    })),
    ...batch.holders.flatMap((h) => {
      const id = idOf(h.mailboxAddress);
      return id === undefined || h.role === 'holder'
        ? []
        : [{ mailboxId: id, actor: 'system', event: `${h.role}.added`, subjectIdnat: h.personIdnat, reason: 'seed' }];
    }),
    ...delegations.map((d) => ({
      mailboxId: d.mailboxId,
      actor: d.grantedBy,
      event: 'delegation.granted',
      subjectIdnat: d.delegateIdnat,
      reason: 'seed',
      details: { endAt: d.endAt },
    })),
  ]);
  return { mailboxesCreated: fresh.length, delegations: delegations.length };
}

/** Generates and loads the synthetic directory, reporting progress after each batch. */
export async function seedDirectory(
  store: Store,
  options: SeedOptions,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<SeedSummary> {
  const started = performance.now();
  const summary: SeedSummary = { persons: 0, structures: 0, situations: 0, mailboxes: 0, mailboxesCreated: 0, delegations: 0, seconds: 0 };
  for (const batch of generateDirectory(options)) {
    const r = await store.transaction((tx) => loadBatch(tx, batch));
    summary.persons += batch.persons.length;
    summary.structures += batch.structures.length;
    summary.situations += batch.situations.length;
    summary.mailboxes += batch.mailboxes.length;
    summary.mailboxesCreated += r.mailboxesCreated;
    summary.delegations += r.delegations;
    onProgress(batch.done, batch.total);
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

/**
 * Loads the demo personas of the README (the domain reference's stories) and the operator's
 * first CGU version with the acceptances the stories start from. Idempotent.
 */
export async function seedDemo(store: Store, operatorDomain: string): Promise<Persona[]> {
  return loadDemo(store, demoPersonas(operatorDomain));
}

/** The second operator of the sandbox: its own store, Anne Lambert's PER. Idempotent. */
export async function seedSecondOperator(store: Store, operatorDomain: string): Promise<Persona[]> {
  return loadDemo(store, secondOperatorPersonas(operatorDomain));
}

async function loadDemo(store: Store, demo: { batch: SeedBatch; personas: Persona[]; cguAcceptedBy: string[] }): Promise<Persona[]> {
  await store.transaction(async (tx) => {
    await loadBatch(tx, demo.batch);
    let cgu = await tx.cgu.current();
    if (!cgu) {
      cgu = await tx.cgu.publish({ ...SEED_CGU, publishedAt: '2026-01-01T00:00:00.000Z' });
      await tx.history.append({
        mailboxId: null,
        actor: 'operator-admin',
        event: 'cgu.published',
        reason: 'seed',
        details: { version: cgu.version },
      });
    }
    for (const idnat of demo.cguAcceptedBy) {
      if (!(await tx.cgu.acceptance(idnat, cgu.version))) {
        await tx.cgu.accept(idnat, cgu.version, '2026-01-02T09:00:00.000Z');
        await tx.history.append({
          mailboxId: null,
          actor: idnat,
          event: 'cgu.accepted',
          reason: 'seed',
          details: { version: cgu.version },
        });
      }
    }
  });
  return demo.personas;
}
