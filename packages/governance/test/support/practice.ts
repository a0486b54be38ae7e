// A small directory for the practice rules (issue #20): liberal and salaried professionals, a
// hospital with a FINESS, a practice registered by SIRET, and their situations d'exercice.
import { makeFiness, makeRpps, makeSiren, makeSiret } from '@mss/domain';
import { AccessControl, type Principal, type RevocationEvent } from '@mss/access';
import { openTestStore } from '@mss/store/testing';
import type { NewSituation, Store } from '@mss/store';
import { Governance, type GovernanceOptions } from '../../src/index.ts';
import { directoryPerson } from './directory.ts';

export const D = 'operateur-a.mssante.fr';
export const idnat = (n: number) => `8${makeRpps(String(1_200_000_000 + n))}`;
export const HOSPITAL = `1${makeFiness('93000077')}`;
export const PRACTICE_SIRET = `3${makeSiret(`${makeSiren('12345678')}0001`)}`;
export const ADMIN: Principal = { kind: 'operator-admin', name: 'admin' };
export const as = (who: string): Principal => ({ kind: 'person', idnat: who });

/** Who is who: `nurse` owns the practice; `salaried` works at the hospital; `noCgu` never accepted the CGU. */
export const P = {
  nurse: idnat(1),
  nurse2: idnat(2),
  nurse3: idnat(3),
  nurse4: idnat(4),
  salaried: idnat(5),
  resp: idnat(6),
  resp2: idnat(7),
  noCgu: idnat(8),
  secretary: idnat(9),
  stranger: idnat(10),
};

/** Situations: the nurse's liberal practice (no structure), another at a SIRET practice; the salaried doctor's at the hospital. */
export const SIT = {
  nurseLiberal: 'sit-nurse-liberal',
  nurseSiret: 'sit-nurse-siret',
  nurseEnded: 'sit-nurse-ended',
  salariedHospital: 'sit-salaried-hospital',
  salariedLiberal: 'sit-salaried-liberal',
};

export interface PracticeWorld {
  store: Store;
  gov: Governance;
  access: AccessControl;
  events: RevocationEvent[];
  cleanup(): Promise<void>;
}

export async function practiceWorld(options: { now?: () => Date; limits?: GovernanceOptions['limits'] } = {}): Promise<PracticeWorld> {
  const { store, cleanup } = await openTestStore(options.now ? { now: options.now } : {});
  const access = new AccessControl({ store });
  const events: RevocationEvent[] = [];
  access.bus.subscribe((e) => events.push(e));
  const gov = new Governance({ store, access, operatorDomains: [D], ...(options.limits ? { limits: options.limits } : {}) });
  await seedPractice(store);
  return { store, gov, access, events, cleanup };
}

export async function seedPractice(store: Store): Promise<void> {
  const person = directoryPerson;
  await store.directory.upsertPersons([
    person(P.nurse, 'Nurse'),
    person(P.nurse2, 'Nurse-Two'),
    person(P.nurse3, 'Nurse-Three'),
    person(P.nurse4, 'Nurse-Four'),
    person(P.salaried, 'Salaried'),
    person(P.resp, 'Resp'),
    person(P.resp2, 'Resp-Two'),
    person(P.noCgu, 'NoCgu'),
    person(P.secretary, 'Secr', { kind: 'SECRETARY' }),
    person(P.stranger, 'Stranger'),
  ]);
  const place = { street: '1 rue de Paris', postal_code: '93260', city: 'Les Lilas', departement: '93' };
  await store.directory.upsertStructures([
    {
      idnat: HOSPITAL,
      id_type: 'FINESS',
      finess: HOSPITAL.slice(1),
      siret: null,
      name: 'Centre hospitalier des Lilas',
      sector_code: null,
      ...place,
    },
    {
      idnat: PRACTICE_SIRET,
      id_type: 'SIRET',
      finess: null,
      siret: PRACTICE_SIRET.slice(1),
      name: 'SCM Infirmiers des Lilas',
      sector_code: null,
      ...place,
    },
  ]);
  const sit = (id: string, who: string, structure: string | null, mode: 'L' | 'S', end: string | null = null): NewSituation => ({
    id,
    person_idnat: who,
    structure_idnat: structure,
    practice_name: structure ? null : 'Cabinet infirmier des Lilas',
    mode,
    role_label: null,
    ...place,
    start_date: '2020-01-01',
    end_date: end,
  });
  await store.directory.upsertSituations([
    sit(SIT.nurseLiberal, P.nurse, null, 'L'),
    sit(SIT.nurseSiret, P.nurse, PRACTICE_SIRET, 'L'),
    sit(SIT.nurseEnded, P.nurse, null, 'L', '2021-12-31'),
    sit(SIT.salariedHospital, P.salaried, HOSPITAL, 'S'),
    sit(SIT.salariedLiberal, P.salaried, null, 'L'),
  ]);
  await store.cgu.publish({ version: 'v1', url: '/cgu/v1', title: 'CGU v1' });
  for (const who of Object.values(P)) if (who !== P.noCgu) await store.cgu.accept(who, 'v1');
}
