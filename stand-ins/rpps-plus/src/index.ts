// The RPPS+ registration portal (Enreg), played locally: secretaries and medical assistants ask
// to be registered (FranceConnect), their titular validates (Pro Santé Connect), the portal hands
// out the RPPS, writes the Annuaire and activates the e-CPS (domain reference §7, R-ENR-1).

export { startRppsPlus, type RppsPlusServerOptions, type RunningRppsPlus } from './server.ts';
export {
  RppsPlus,
  SANDBOX_DELAYS,
  KIND_LABEL,
  checkApplicant,
  identityKey,
  type Applicant,
  type ApplicantView,
  type RegistrationKind,
  type RppsPlusDelays,
  type RppsPlusOptions,
  type SituationChoice,
  type TitularView,
} from './portal.ts';
export { RppsPlusError, type RppsPlusErrorCode } from './errors.ts';
export { storeAnnuaire, type AnnuaireLink, type Professional } from './annuaire-link.ts';
export { ecpsAccounts } from './ecps-accounts.ts';
export { allocateRpps, FIRST_SEQUENCE } from './rpps-numbers.ts';
export { API_BASE, PROBLEM_BASE, requestJson } from './api.ts';
