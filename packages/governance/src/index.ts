export {
  Governance,
  type GovernanceOptions,
  type CreateMailboxInput,
  type PublicationChanges,
  type LocalPersonView,
} from './governance.ts';
export { GovernanceError, GOVERNANCE_ERROR_KINDS, type GovernanceErrorKind } from './errors.ts';
export type { MailboxView } from './views.ts';
