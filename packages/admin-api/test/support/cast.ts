import { ps, idnat, STRUCT, STRUCT2, type World } from './world.ts';

/** Who plays which role in the matrix tests. */
export const CAST = {
  holder: idnat(1),
  responsible: idnat(2),
  owner: idnat(3),
  cotitulaire: idnat(4),
  delegate: idnat(5),
  lapsed: idnat(6),
  stranger: idnat(7),
  newDelegate: idnat(8),
  newOwner: idnat(9),
  secretary: idnat(10),
  patientLike: '279035121518989',
};

export async function seedCast(w: World): Promise<void> {
  await w.store.directory.upsertPersons([
    ps(1, 'Holder'),
    ps(2, 'Responsible'),
    ps(3, 'Owner'),
    ps(4, 'Cotitulaire'),
    ps(5, 'Delegate'),
    ps(6, 'Lapsed'),
    ps(7, 'Stranger'),
    ps(8, 'NewDelegate'),
    ps(9, 'NewOwner'),
    ps(10, 'Secretary', 'SECRETARY'),
    { ...ps(11, 'Patient'), idnat: CAST.patientLike, kind: 'PATIENT', id_type: 'INS', rpps: null },
  ]);
  const structure = (idnatStruct: string, name: string) => ({
    idnat: idnatStruct,
    id_type: 'FINESS' as const,
    finess: idnatStruct.slice(1),
    siret: null,
    name,
    sector_code: null,
    street: '1 rue de Paris',
    postal_code: '93260',
    city: 'Les Lilas',
    departement: '93',
  });
  await w.store.directory.upsertStructures([structure(STRUCT, 'Centre hospitalier A'), structure(STRUCT2, 'Centre hospitalier B')]);
  await w.store.cgu.publish({ version: 'v1', url: '/cgu/v1', title: 'CGU v1' });
  for (const who of Object.values(CAST)) if (who !== CAST.patientLike) await w.store.cgu.accept(who, 'v1');
}

/** One PER, one ORG and one CAB, named after `n`, with every role in place. */
export async function seedMailboxes(
  w: World,
  n: number,
): Promise<{ PER: string; ORG: string; CAB: string; delegationIds: Record<string, number> }> {
  const PER = `per-${n}@operateur-a.mssante.fr`;
  const ORG = `org-${n}@operateur-a.mssante.fr`;
  const CAB = `cabinet.c-${n}@operateur-a.mssante.fr`;
  const per = await w.store.mailboxes.create({ address: PER, type: 'PER', ownerIdnat: CAST.holder });
  const org = await w.store.mailboxes.create({ address: ORG, type: 'ORG', ownerIdnat: STRUCT });
  const cab = await w.store.mailboxes.create({ address: CAB, type: 'CAB', ownerIdnat: CAST.owner });
  await w.store.mailboxes.addHolder(per.id, CAST.holder, 'holder', null);
  await w.store.mailboxes.addHolder(org.id, CAST.responsible, 'responsible', null);
  await w.store.mailboxes.addHolder(cab.id, CAST.owner, 'owner', null);
  await w.store.mailboxes.addHolder(cab.id, CAST.cotitulaire, 'cotitulaire', CAST.owner);
  const delegationIds: Record<string, number> = {};
  for (const [t, box] of [
    ['PER', per],
    ['ORG', org],
    ['CAB', cab],
  ] as const) {
    delegationIds[t] = (
      await w.store.mailboxes.grantDelegation({
        mailboxId: box.id,
        delegateIdnat: CAST.delegate,
        grantedBy: 'test',
        startAt: '2026-01-01T00:00:00.000Z',
      })
    ).id;
    await w.store.mailboxes.grantDelegation({
      mailboxId: box.id,
      delegateIdnat: CAST.lapsed,
      grantedBy: 'test',
      startAt: '2026-01-01T00:00:00.000Z',
      endAt: '2026-02-01T00:00:00.000Z',
    });
  }
  return { PER, ORG, CAB, delegationIds };
}
