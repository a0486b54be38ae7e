export type {
  Persona,
  SeedBatch,
  SeedDelegation,
  SeedHolder,
  SeedMailbox,
  SeedOptions,
  SeedPerson,
  SeedSituation,
  SeedStructure,
} from './types.ts';
export { generateDirectory, FIRST_GENERATED_RPPS_SEQUENCE } from './generate.ts';
export {
  demoPersonas,
  secondOperatorPersonas,
  SECOND_OPERATOR_DOMAIN,
  secretaryDelegationEnd,
  PERSONA_PATIENT_INS,
  PATIENT_DOMAIN,
} from './personas.ts';
// The database loader (load.ts, written by the lead) is re-exported because the CLI and the bench
// import it from '@mss/seed'; it imports only types from @mss/store, so generation stays I/O-free.
export { loadBatch, seedDemo, seedDirectory, seedSecondOperator, SEED_CGU, type SeedSummary } from './load.ts';
export { demoPatients, generatePatients, PERSONA_PATIENT_CLOSED_INS, type SeedPatient } from './patients.ts';
export { loadPatients } from './load-patients.ts';
