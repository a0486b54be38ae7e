// Record shapes handed to the loader. Field names follow the directory's vocabulary (IdNat,
// situation d'exercice, liste rouge, dématérialisation → `digitization`); dates are ISO
// `YYYY-MM-DD` strings so that the records are plain JSON.

export interface SeedPerson {
  idnat: string;
  kind: 'PS' | 'SECRETARY' | 'MEDICAL_ASSISTANT' | 'PATIENT';
  idType: 'RPPS' | 'ADELI' | 'INS';
  rpps: string | null;
  civility: 'M' | 'MME';
  lastName: string;
  firstName: string;
  professionCode: string | null;
  professionLabel: string | null;
  categoryCode: string | null;
  specialityCode: string | null;
  specialityLabel: string | null;
}

export interface SeedStructure {
  idnat: string;
  idType: 'FINESS' | 'SIRET';
  finess: string | null;
  siret: string | null;
  name: string;
  sectorCode: string | null;
  street: string;
  postalCode: string;
  city: string;
  departement: string;
}

export interface SeedSituation {
  id: string;
  personIdnat: string;
  structureIdnat: string | null;
  practiceName: string | null;
  mode: 'L' | 'S';
  roleLabel: string | null;
  street: string;
  postalCode: string;
  city: string;
  departement: string;
  startDate: string;
  endDate: string | null;
  /** RPPS+: the professional who employs a secretary or an assistant (the delegations on their mailboxes rest on it, R-DEL-5). */
  employerIdnat?: string | null;
}

export interface SeedMailbox {
  address: string;
  type: 'PER' | 'ORG' | 'APP' | 'CAB';
  ownerIdnat: string;
  situationId: string | null;
  listeRouge: boolean;
  description: string | null;
  service: string | null;
  digitization: boolean;
}

export interface SeedHolder {
  mailboxAddress: string;
  personIdnat: string;
  role: 'holder' | 'responsible' | 'owner' | 'cotitulaire';
}

export interface SeedDelegation {
  mailboxAddress: string;
  delegateIdnat: string;
  grantedBy: string;
  startAt: string;
  endAt: string | null;
}

export interface SeedBatch {
  persons: SeedPerson[];
  structures: SeedStructure[];
  situations: SeedSituation[];
  mailboxes: SeedMailbox[];
  holders: SeedHolder[];
  delegations: SeedDelegation[];
}

export interface SeedOptions {
  seed: number;
  /** Number of health professionals (kind PS); secretaries and patients come on top. */
  professionals: number;
  operatorDomain: string;
  /** Professionals per batch, default 1000. */
  batchSize?: number;
}

export interface Persona {
  key: string;
  role: string;
  idnat: string;
  name: string;
  /** Addresses the persona can open (held, owned, co-held, delegated); the MES address for the patient. */
  mailboxes: string[];
}
