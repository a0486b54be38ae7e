// Professions, specialities and structure kinds of the synthetic directory.
//
// Profession codes are the NOS table TRE_G15-ProfessionSante as we know it; the codes below are
// the ones we are confident of. Speciality codes follow the shape of TRE_R38-SpecialiteOrdinale
// ("SM" + two digits). SM54 "Médecine générale" is the code the directory shows for most GPs;
// the other SM/SCD codes are ILLUSTRATIVE — plausible, labelled, but not checked against the
// published table. Sector codes (TRE_R02-SecteurActivite, "SA" + two digits) are illustrative
// too. Nothing in the operator should branch on a code it did not receive from the directory,
// so an imprecise code here cannot hide a bug; fix the tables when the NOS files are at hand.

export interface Speciality {
  code: string;
  label: string;
  weight: number;
  /** Overrides the profession's liberal share (GPs are mostly liberal, emergency doctors never). */
  liberalShare?: number;
  /** Overrides the profession's employers (biologists work in labs, radiologists in imaging centres). */
  employers?: readonly StructureKindKey[];
}

/** Where a professional of this profession can work as a salaried employee. */
export type StructureKindKey = 'CH' | 'CLINIQUE' | 'CENTRE_SANTE' | 'EHPAD' | 'LABO' | 'PHARMACIE' | 'IMAGERIE' | 'OPTIQUE' | 'AUDITION';

export interface Profession {
  code: string;
  label: string;
  /** Relative share of the population (order of magnitude of RPPS counts, tuned so GPs and nurses dominate). */
  weight: number;
  /** Share of this profession practising as liberals (the rest are salaried in a structure). */
  liberalShare: number;
  /** Share of women, for civility and first names. */
  femaleShare: number;
  /** Liberal practice naming: "Cabinet infirmier", "Cabinet de kinésithérapie"… */
  practicePrefix: string;
  /** Distribution of the number of professionals in one liberal practice (index 0 = solo). */
  groupSizes: readonly number[];
  /** Structures employing salaried professionals of this profession. */
  employers: readonly StructureKindKey[];
  specialities: readonly Speciality[];
  /** Role label on a salaried situation. */
  salariedRole: string;
  /** Liberal practices of this profession may open a CAB mailbox (nurses' and GPs' practices). */
  cabEligible: boolean;
  /** Liberal practices of this profession may employ a secretary or a medical assistant. */
  employsSecretaries: boolean;
}

export const SM_MEDECINE_GENERALE: Speciality = {
  code: 'SM54',
  label: 'Médecine générale',
  weight: 48,
  liberalShare: 0.72,
  employers: ['CENTRE_SANTE', 'CENTRE_SANTE', 'CH', 'EHPAD'],
};

const DOCTOR_SPECIALITIES: readonly Speciality[] = [
  SM_MEDECINE_GENERALE,
  { code: 'SM04', label: 'Cardiologie et maladies vasculaires', weight: 5 },
  { code: 'SM15', label: 'Dermatologie et vénéréologie', weight: 3 },
  { code: 'SM24', label: 'Gastro-entérologie et hépatologie', weight: 3 },
  { code: 'SM20', label: 'Gynécologie-obstétrique', weight: 4 },
  { code: 'SM40', label: 'Pédiatrie', weight: 5 },
  { code: 'SM42', label: 'Psychiatrie', weight: 6 },
  { code: 'SM38', label: 'Ophtalmologie', weight: 4 },
  { code: 'SM34', label: 'Oto-rhino-laryngologie et chirurgie cervico-faciale', weight: 2 },
  { code: 'SM02', label: 'Anesthésie-réanimation', weight: 5, liberalShare: 0.3 },
  { code: 'SM44', label: 'Radiodiagnostic et imagerie médicale', weight: 4, liberalShare: 0.2, employers: ['IMAGERIE', 'IMAGERIE', 'CH'] },
  { code: 'SM08', label: 'Chirurgie orthopédique et traumatologie', weight: 2 },
  { code: 'SM14', label: 'Chirurgie viscérale et digestive', weight: 2 },
  { code: 'SM32', label: 'Neurologie', weight: 2 },
  { code: 'SM41', label: 'Pneumologie', weight: 2 },
  { code: 'SM48', label: 'Rhumatologie', weight: 2 },
  { code: 'SM18', label: 'Gériatrie', weight: 2, liberalShare: 0.1, employers: ['CH', 'EHPAD'] },
  { code: 'SM27', label: 'Médecine interne', weight: 1 },
  { code: 'SM30', label: 'Néphrologie', weight: 1 },
  { code: 'SM16', label: 'Endocrinologie et métabolisme', weight: 1 },
  { code: 'SM03', label: 'Biologie médicale', weight: 2, liberalShare: 0, employers: ['LABO'] },
  { code: 'SM49', label: 'Santé publique et médecine sociale', weight: 1, liberalShare: 0, employers: ['CH'] },
  { code: 'SM56', label: 'Médecine d’urgence', weight: 3, liberalShare: 0.05, employers: ['CH'] },
];

const DENTIST_SPECIALITIES: readonly Speciality[] = [
  { code: 'SCD01', label: 'Orthopédie dento-faciale', weight: 1 },
  { code: 'SCD02', label: 'Chirurgie orale', weight: 1 },
];

const HOSPITAL_LIKE: readonly StructureKindKey[] = ['CH', 'CLINIQUE'];

export const PROFESSIONS: readonly Profession[] = [
  {
    // Specialists by default; SM54 and a few others override both shares.
    code: '10',
    label: 'Médecin',
    weight: 26,
    liberalShare: 0.45,
    femaleShare: 0.5,
    practicePrefix: 'Cabinet médical',
    groupSizes: [45, 25, 20, 10],
    employers: ['CH', 'CH', 'CLINIQUE'],
    specialities: DOCTOR_SPECIALITIES,
    salariedRole: 'Praticien hospitalier',
    cabEligible: true,
    employsSecretaries: true,
  },
  {
    code: '60',
    label: 'Infirmier',
    weight: 34,
    liberalShare: 0.3,
    femaleShare: 0.86,
    practicePrefix: 'Cabinet infirmier',
    groupSizes: [35, 35, 20, 10],
    employers: ['CH', 'CH', 'CH', 'CLINIQUE', 'EHPAD', 'EHPAD', 'CENTRE_SANTE'],
    specialities: [],
    salariedRole: 'Infirmier',
    cabEligible: true,
    employsSecretaries: false,
  },
  {
    code: '21',
    label: 'Pharmacien',
    weight: 8,
    liberalShare: 0,
    femaleShare: 0.68,
    practicePrefix: 'Pharmacie',
    groupSizes: [1],
    employers: ['PHARMACIE', 'PHARMACIE', 'PHARMACIE', 'PHARMACIE', 'CH', 'LABO'],
    specialities: [],
    salariedRole: 'Pharmacien',
    cabEligible: false,
    employsSecretaries: false,
  },
  {
    code: '70',
    label: 'Masseur-kinésithérapeute',
    weight: 10,
    liberalShare: 0.8,
    femaleShare: 0.5,
    practicePrefix: 'Cabinet de kinésithérapie',
    groupSizes: [50, 30, 15, 5],
    employers: ['CH', 'CLINIQUE', 'EHPAD'],
    specialities: [],
    salariedRole: 'Masseur-kinésithérapeute',
    cabEligible: false,
    employsSecretaries: true,
  },
  {
    code: '40',
    label: 'Chirurgien-dentiste',
    weight: 5,
    liberalShare: 0.86,
    femaleShare: 0.5,
    practicePrefix: 'Cabinet dentaire',
    groupSizes: [55, 30, 15],
    employers: ['CENTRE_SANTE', 'CH'],
    specialities: DENTIST_SPECIALITIES,
    salariedRole: 'Chirurgien-dentiste',
    cabEligible: false,
    employsSecretaries: true,
  },
  {
    code: '50',
    label: 'Sage-femme',
    weight: 3,
    liberalShare: 0.35,
    femaleShare: 0.97,
    practicePrefix: 'Cabinet de sage-femme',
    groupSizes: [70, 25, 5],
    employers: HOSPITAL_LIKE,
    specialities: [],
    salariedRole: 'Sage-femme',
    cabEligible: false,
    employsSecretaries: false,
  },
  {
    code: '91',
    label: 'Orthophoniste',
    weight: 3,
    liberalShare: 0.82,
    femaleShare: 0.96,
    practicePrefix: 'Cabinet d’orthophonie',
    groupSizes: [70, 25, 5],
    employers: ['CH', 'CENTRE_SANTE'],
    specialities: [],
    salariedRole: 'Orthophoniste',
    cabEligible: false,
    employsSecretaries: false,
  },
  {
    code: '80',
    label: 'Pédicure-podologue',
    weight: 2,
    liberalShare: 0.95,
    femaleShare: 0.7,
    practicePrefix: 'Cabinet de pédicurie-podologie',
    groupSizes: [80, 20],
    employers: ['CH', 'EHPAD'],
    specialities: [],
    salariedRole: 'Pédicure-podologue',
    cabEligible: false,
    employsSecretaries: false,
  },
  {
    code: '92',
    label: 'Orthoptiste',
    weight: 1,
    liberalShare: 0.6,
    femaleShare: 0.85,
    practicePrefix: 'Cabinet d’orthoptie',
    groupSizes: [85, 15],
    employers: ['CH', 'CLINIQUE'],
    specialities: [],
    salariedRole: 'Orthoptiste',
    cabEligible: false,
    employsSecretaries: false,
  },
  {
    code: '94',
    label: 'Ergothérapeute',
    weight: 1.5,
    liberalShare: 0.2,
    femaleShare: 0.85,
    practicePrefix: 'Cabinet d’ergothérapie',
    groupSizes: [85, 15],
    employers: ['CH', 'EHPAD', 'CLINIQUE'],
    specialities: [],
    salariedRole: 'Ergothérapeute',
    cabEligible: false,
    employsSecretaries: false,
  },
  {
    code: '96',
    label: 'Psychomotricien',
    weight: 1.5,
    liberalShare: 0.3,
    femaleShare: 0.88,
    practicePrefix: 'Cabinet de psychomotricité',
    groupSizes: [85, 15],
    employers: ['CH', 'EHPAD'],
    specialities: [],
    salariedRole: 'Psychomotricien',
    cabEligible: false,
    employsSecretaries: false,
  },
  {
    code: '95',
    label: 'Diététicien',
    weight: 1,
    liberalShare: 0.35,
    femaleShare: 0.9,
    practicePrefix: 'Cabinet de diététique',
    groupSizes: [90, 10],
    employers: ['CH', 'CLINIQUE', 'EHPAD'],
    specialities: [],
    salariedRole: 'Diététicien',
    cabEligible: false,
    employsSecretaries: false,
  },
  {
    code: '98',
    label: 'Manipulateur ERM',
    weight: 2.5,
    liberalShare: 0,
    femaleShare: 0.7,
    practicePrefix: '',
    groupSizes: [1],
    employers: ['CH', 'CH', 'CLINIQUE', 'IMAGERIE', 'IMAGERIE'],
    specialities: [],
    salariedRole: 'Manipulateur en électroradiologie médicale',
    cabEligible: false,
    employsSecretaries: false,
  },
  {
    code: '28',
    label: 'Opticien-lunetier',
    weight: 2,
    liberalShare: 0,
    femaleShare: 0.55,
    practicePrefix: '',
    groupSizes: [1],
    employers: ['OPTIQUE'],
    specialities: [],
    salariedRole: 'Opticien-lunetier',
    cabEligible: false,
    employsSecretaries: false,
  },
  {
    code: '26',
    label: 'Audioprothésiste',
    weight: 0.5,
    liberalShare: 0,
    femaleShare: 0.5,
    practicePrefix: '',
    groupSizes: [1],
    employers: ['AUDITION'],
    specialities: [],
    salariedRole: 'Audioprothésiste',
    cabEligible: false,
    employsSecretaries: false,
  },
];

/** Doctors get practice names and roles of their own ("Cabinet du Dr …"). */
export const MEDECIN_CODE = '10';
export const INFIRMIER_CODE = '60';

export interface StructureKind {
  key: StructureKindKey;
  /** Identifier the structure is registered under: FINESS for health establishments, SIRET for shops. */
  idType: 'FINESS' | 'SIRET';
  sectorCode: string;
  /** Services that may get an ORG mailbox `<service-slug>.<structure-slug>@…`. */
  services: readonly string[];
  /** Share of structures of this kind that publish a secretariat ORG mailbox. */
  secretariatShare: number;
  /** Share of structures of this kind with a lab-results APP mailbox. */
  labAppShare: number;
  /** Share of all structures that are of this kind (pharmacies and care homes are many, hospitals few but large). */
  share: number;
  /** The structure's general ORG mailbox: local-part prefix and service label. */
  mainOrg: { prefix: string; service: string };
  /** Role label of a doctor salaried there. */
  doctorRole: string;
}

export const STRUCTURE_KINDS: Readonly<Record<StructureKindKey, StructureKind>> = {
  CH: {
    key: 'CH',
    share: 0.05,
    idType: 'FINESS',
    sectorCode: 'SA01',
    mainOrg: { prefix: 'secretariat', service: 'Secrétariat médical' },
    doctorRole: 'Praticien hospitalier',
    services: [
      'Cardiologie',
      'Pneumologie',
      'Urgences',
      'Maternité',
      'Pédiatrie',
      'Radiologie',
      'Oncologie',
      'Gériatrie',
      'Néphrologie',
      'Neurologie',
      'Chirurgie orthopédique',
    ],
    secretariatShare: 0.9,
    labAppShare: 0.6,
  },
  CLINIQUE: {
    key: 'CLINIQUE',
    share: 0.06,
    idType: 'FINESS',
    sectorCode: 'SA04',
    mainOrg: { prefix: 'secretariat', service: 'Secrétariat médical' },
    doctorRole: 'Médecin salarié',
    services: ['Chirurgie ambulatoire', 'Orthopédie', 'Maternité', 'Cardiologie', 'Imagerie'],
    secretariatShare: 0.8,
    labAppShare: 0.3,
  },
  CENTRE_SANTE: {
    key: 'CENTRE_SANTE',
    share: 0.1,
    idType: 'FINESS',
    sectorCode: 'SA05',
    services: [],
    secretariatShare: 0.7,
    labAppShare: 0,
    mainOrg: { prefix: 'secretariat', service: 'Accueil et secrétariat' },
    doctorRole: 'Médecin salarié',
  },
  EHPAD: {
    key: 'EHPAD',
    share: 0.22,
    idType: 'FINESS',
    sectorCode: 'SA17',
    services: ['Infirmerie'],
    secretariatShare: 0.6,
    labAppShare: 0,
    mainOrg: { prefix: 'secretariat', service: 'Secrétariat' },
    doctorRole: 'Médecin coordonnateur',
  },
  LABO: {
    key: 'LABO',
    share: 0.08,
    idType: 'FINESS',
    sectorCode: 'SA25',
    services: [],
    secretariatShare: 0.5,
    labAppShare: 0.95,
    mainOrg: { prefix: 'secretariat', service: 'Secrétariat' },
    doctorRole: 'Biologiste médical',
  },
  PHARMACIE: {
    key: 'PHARMACIE',
    share: 0.38,
    idType: 'FINESS',
    sectorCode: 'SA33',
    services: [],
    secretariatShare: 0.5,
    labAppShare: 0,
    mainOrg: { prefix: 'officine', service: 'Officine' },
    doctorRole: 'Médecin salarié',
  },
  // Registered by SIRET, so no ORG/APP mailbox: those are for structures with a FINESS (§3).
  IMAGERIE: {
    key: 'IMAGERIE',
    share: 0.04,
    idType: 'SIRET',
    sectorCode: 'SA08',
    services: [],
    secretariatShare: 0,
    labAppShare: 0,
    mainOrg: { prefix: 'secretariat', service: 'Secrétariat' },
    doctorRole: 'Radiologue',
  },
  OPTIQUE: {
    key: 'OPTIQUE',
    share: 0.05,
    idType: 'SIRET',
    sectorCode: 'SA09',
    services: [],
    secretariatShare: 0,
    labAppShare: 0,
    mainOrg: { prefix: 'secretariat', service: 'Secrétariat' },
    doctorRole: 'Médecin salarié',
  },
  AUDITION: {
    key: 'AUDITION',
    share: 0.02,
    idType: 'SIRET',
    sectorCode: 'SA09',
    services: [],
    secretariatShare: 0,
    labAppShare: 0,
    mainOrg: { prefix: 'secretariat', service: 'Secrétariat' },
    doctorRole: 'Médecin salarié',
  },
};

export const SECRETARY_LABEL = 'Secrétaire médical';
export const MEDICAL_ASSISTANT_LABEL = 'Assistant médical';

/** Patrons of hospitals after the first one of a city ("Hôpital Ambroise-Paré"). */
export const HOSPITAL_NAMES: readonly string[] = [
  'Saint-Joseph',
  'Sainte-Marie',
  'Saint-Louis',
  'Saint-Vincent-de-Paul',
  'Louis-Pasteur',
  'Ambroise-Paré',
  'Laennec',
  'Marie-Curie',
  'Simone-Veil',
  'Jean-Jaurès',
  'Henri-Dunant',
  'Paul-Brousse',
  'René-Dubos',
  'Claude-Bernard',
  'Albert-Schweitzer',
  'Xavier-Bichat',
  'Charles-Nicolle',
  'Émile-Roux',
  'Joseph-Lister',
  'Alexandre-Yersin',
];
