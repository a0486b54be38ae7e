// The fixed cast of the domain reference's §12 stories. Their identifiers never change between
// runs or seeds, so that docs, scripted demos and end-to-end tests can name them. RPPS sequences
// are below 1000100000 and the FINESS number below the generator's range, so a generated
// directory loaded next to them cannot collide (the generator also reserves their addresses).

import { finessFor, rppsFromSequence } from './ids.ts';
import type { Persona, SeedBatch, SeedMailbox, SeedPerson, SeedSituation } from './types.ts';

export const PERSONA_PATIENT_INS = '279035121518989';
export const PATIENT_DOMAIN = 'patient.mssante.fr';

const LES_LILAS = { postalCode: '93260', city: 'Les Lilas', departement: '93' } as const;

function ps(
  sequence: number,
  civility: 'M' | 'MME',
  firstName: string,
  lastName: string,
  professionCode: string,
  professionLabel: string,
  speciality: [string, string] | null,
): SeedPerson {
  const rpps = rppsFromSequence(sequence);
  return {
    idnat: `8${rpps}`,
    kind: 'PS',
    idType: 'RPPS',
    rpps,
    civility,
    lastName,
    firstName,
    professionCode,
    professionLabel,
    categoryCode: 'C',
    specialityCode: speciality ? speciality[0] : null,
    specialityLabel: speciality ? speciality[1] : null,
  };
}

/**
 * Story 2 has the GP delegate "until the end of the year". A fixed date would lapse and take the
 * demo (and the tests that play it) with it, so the end is 31 December of the year 90 days from
 * `today`: always at least three months ahead.
 */
export function secretaryDelegationEnd(today: Date = new Date()): string {
  return `${new Date(today.getTime() + 90 * 86_400_000).getUTCFullYear()}-12-31`;
}

/** The sandbox's second operator, so that mail between operators can be played offline. */
export const SECOND_OPERATOR_DOMAIN = 'operateur-b.mssante.fr';

const BAGNOLET = { postalCode: '93170', city: 'Bagnolet', departement: '93' } as const;

/** Dr Anne Lambert, cardiologist: a person of the national directory whose mailbox is at the second operator. */
function anneLambert(): { person: SeedPerson; situation: SeedSituation } {
  const person = ps(1000000163, 'MME', 'Anne', 'Lambert', '10', 'Médecin', ['SM04', 'Cardiologie et maladies vasculaires']);
  return {
    person,
    situation: {
      id: `sit-${person.idnat}-1`,
      personIdnat: person.idnat,
      structureIdnat: null,
      practiceName: 'Cabinet de cardiologie de Bagnolet',
      mode: 'L',
      roleLabel: 'Titulaire du cabinet',
      street: '5 avenue de la République',
      ...BAGNOLET,
      startDate: '2011-04-04',
      endDate: null,
    },
  };
}

/**
 * What the second operator hosts: Anne Lambert's PER. The persons are the national directory's,
 * so the first operator's seed knows her too (PSC issues her tokens from it).
 */
export function secondOperatorPersonas(operatorDomain: string): { batch: SeedBatch; personas: Persona[]; cguAcceptedBy: string[] } {
  const domain = operatorDomain.toLowerCase();
  const { person, situation } = anneLambert();
  const per = `anne.lambert@${domain}`;
  return {
    batch: {
      persons: [person],
      structures: [],
      situations: [situation],
      mailboxes: [
        {
          address: per,
          type: 'PER',
          ownerIdnat: person.idnat,
          situationId: situation.id,
          listeRouge: false,
          description: null,
          service: null,
          digitization: true,
        },
      ],
      holders: [{ mailboxAddress: per, personIdnat: person.idnat, role: 'holder' }],
      delegations: [],
    },
    personas: [
      {
        key: 'specialist',
        role: `Cardiologist, PER holder at the second operator (${domain})`,
        idnat: person.idnat,
        name: 'Dr Anne Lambert',
        mailboxes: [per],
      },
    ],
    cguAcceptedBy: [person.idnat],
  };
}

export function demoPersonas(
  operatorDomain: string,
  options: { today?: Date } = {},
): { batch: SeedBatch; personas: Persona[]; cguAcceptedBy: string[] } {
  const domain = operatorDomain.toLowerCase();
  const delegationEnd = secretaryDelegationEnd(options.today);
  const paul = ps(1000000105, 'M', 'Paul', 'Martin', '10', 'Médecin', ['SM54', 'Médecine générale']);
  const claire = ps(1000000113, 'MME', 'Claire', 'Dubois', '60', 'Infirmier', null);
  const marc = ps(1000000121, 'M', 'Marc', 'Lefèvre', '60', 'Infirmier', null);
  const sophie = ps(1000000139, 'MME', 'Sophie', 'Moreau', '60', 'Infirmier', null);
  const julieRpps = rppsFromSequence(1000000147);
  const julie: SeedPerson = {
    idnat: `8${julieRpps}`,
    kind: 'SECRETARY',
    idType: 'RPPS',
    rpps: julieRpps,
    civility: 'MME',
    lastName: 'Bernard',
    firstName: 'Julie',
    professionCode: null,
    professionLabel: 'Secrétaire médical',
    categoryCode: null,
    specialityCode: null,
    specialityLabel: null,
  };
  const nathalie = ps(1000000155, 'MME', 'Nathalie', 'Girard', '10', 'Médecin', ['SM49', 'Santé publique et médecine sociale']);
  const patient: SeedPerson = {
    idnat: PERSONA_PATIENT_INS,
    kind: 'PATIENT',
    idType: 'INS',
    rpps: null,
    civility: 'MME',
    lastName: 'Pat-Trois',
    firstName: 'Dominique',
    professionCode: null,
    professionLabel: null,
    categoryCode: null,
    specialityCode: null,
    specialityLabel: null,
  };

  const finess = finessFor('93', 1);
  const hospital = {
    idnat: `1${finess}`,
    idType: 'FINESS' as const,
    finess,
    siret: null,
    name: 'Centre hospitalier des Lilas',
    sectorCode: 'SA01',
    street: '10 rue de Paris',
    ...LES_LILAS,
  };

  const drMartinPractice = 'Cabinet du Dr Martin';
  const nursesPractice = 'Cabinet infirmier des Lilas';
  const liberal = (person: SeedPerson, practiceName: string, street: string, roleLabel: string, startDate: string): SeedSituation => ({
    id: `sit-${person.idnat}-1`,
    personIdnat: person.idnat,
    structureIdnat: null,
    practiceName,
    mode: 'L',
    roleLabel,
    street,
    ...LES_LILAS,
    startDate,
    endDate: null,
  });
  const paulSit = liberal(paul, drMartinPractice, '27 boulevard de la Liberté', 'Titulaire du cabinet', '2009-09-01');
  const claireSit = liberal(claire, nursesPractice, '12 rue Jean Moulin', 'Titulaire du cabinet', '2015-03-02');
  const marcSit = liberal(marc, nursesPractice, '12 rue Jean Moulin', 'Associé', '2018-06-04');
  const sophieSit = liberal(sophie, nursesPractice, '12 rue Jean Moulin', 'Associé', '2019-01-07');
  // Salaried by the practice, not by a structure: that is what an RPPS+ situation records.
  const julieSit: SeedSituation = {
    ...liberal(julie, drMartinPractice, '27 boulevard de la Liberté', 'Secrétaire médicale', '2026-01-05'),
    mode: 'S',
    employerIdnat: paul.idnat,
  };
  const nathalieSit: SeedSituation = {
    id: `sit-${nathalie.idnat}-1`,
    personIdnat: nathalie.idnat,
    structureIdnat: hospital.idnat,
    practiceName: null,
    mode: 'S',
    roleLabel: 'Médecin responsable du DIM',
    street: hospital.street,
    ...LES_LILAS,
    startDate: '2012-11-05',
    endDate: null,
  };

  const per = `paul.martin@${domain}`;
  const cab = `cabinet.infirmiers-des-lilas@${domain}`;
  const org = `cardiologie.ch-lilas@${domain}`;
  const app = `labo-resultats.ch-lilas@${domain}`;
  const mailboxes: SeedMailbox[] = [
    {
      address: per,
      type: 'PER',
      ownerIdnat: paul.idnat,
      situationId: paulSit.id,
      listeRouge: false,
      description: null,
      service: null,
      digitization: true,
    },
    {
      address: cab,
      type: 'CAB',
      ownerIdnat: claire.idnat,
      situationId: claireSit.id,
      listeRouge: false,
      description: nursesPractice,
      service: null,
      digitization: true,
    },
    {
      address: org,
      type: 'ORG',
      ownerIdnat: hospital.idnat,
      situationId: null,
      listeRouge: false,
      description: 'Service de cardiologie — Centre hospitalier des Lilas',
      service: 'Cardiologie',
      digitization: true,
    },
    {
      address: app,
      type: 'APP',
      ownerIdnat: hospital.idnat,
      situationId: null,
      listeRouge: false,
      description: 'Résultats de biologie, envoi automatique',
      service: 'Laboratoire',
      digitization: true,
    },
  ];

  const batch: SeedBatch = {
    persons: [paul, claire, marc, sophie, julie, nathalie, patient, anneLambert().person],
    structures: [hospital],
    situations: [paulSit, claireSit, marcSit, sophieSit, julieSit, nathalieSit, anneLambert().situation],
    mailboxes,
    holders: [
      { mailboxAddress: per, personIdnat: paul.idnat, role: 'holder' },
      { mailboxAddress: cab, personIdnat: claire.idnat, role: 'owner' },
      { mailboxAddress: cab, personIdnat: marc.idnat, role: 'cotitulaire' },
      { mailboxAddress: cab, personIdnat: sophie.idnat, role: 'cotitulaire' },
      { mailboxAddress: org, personIdnat: nathalie.idnat, role: 'responsible' },
      { mailboxAddress: app, personIdnat: nathalie.idnat, role: 'responsible' },
    ],
    delegations: [{ mailboxAddress: per, delegateIdnat: julie.idnat, grantedBy: paul.idnat, startAt: '2026-01-05', endAt: delegationEnd }],
  };

  const personas: Persona[] = [
    { key: 'gp', role: 'GP, PER holder', idnat: paul.idnat, name: 'Dr Paul Martin', mailboxes: [per] },
    { key: 'cab-owner', role: 'Liberal nurse, owner of the practice CAB', idnat: claire.idnat, name: 'Claire Dubois', mailboxes: [cab] },
    {
      key: 'cab-cotitulaire',
      role: 'Liberal nurse, CAB cotitulaire, not a customer, CGU not accepted',
      idnat: marc.idnat,
      name: 'Marc Lefèvre',
      mailboxes: [cab],
    },
    {
      key: 'cab-cotitulaire-2',
      role: 'Liberal nurse, CAB cotitulaire, CGU accepted',
      idnat: sophie.idnat,
      name: 'Sophie Moreau',
      mailboxes: [cab],
    },
    {
      key: 'secretary',
      role: `Medical secretary (RPPS+), delegate on the GP’s PER until ${delegationEnd}`,
      idnat: julie.idnat,
      name: 'Julie Bernard',
      mailboxes: [per],
    },
    {
      key: 'hospital-admin',
      role: 'Hospital doctor (DIM), responsible for the hospital’s ORG and APP mailboxes',
      idnat: nathalie.idnat,
      name: 'Dr Nathalie Girard',
      mailboxes: [org, app],
    },
    {
      key: 'patient',
      role: 'Patient (Mon Espace Santé), no operator mailbox',
      idnat: patient.idnat,
      name: 'Dominique Pat-Trois',
      mailboxes: [`${PERSONA_PATIENT_INS}@${PATIENT_DOMAIN}`],
    },
  ];

  return {
    batch,
    personas,
    cguAcceptedBy: [claire.idnat, sophie.idnat, julie.idnat, paul.idnat, nathalie.idnat],
  };
}
