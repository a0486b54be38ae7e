export { Governance, type GovernanceOptions, type CreateMailboxInput, type PublicationChanges } from './governance.ts';
export { GovernanceError, type ProblemCode } from './errors.ts';
export type { MailboxView } from './views.ts';
