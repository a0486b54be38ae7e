export {
  Governance,
  type GovernanceOptions,
  type CreateMailboxInput,
  type PublicationChanges,
  type GroupView,
  type LocalPersonView,
} from './governance.ts';
export { GovernanceError, GOVERNANCE_ERROR_KINDS, type GovernanceErrorKind } from './errors.ts';
export type { MailboxView } from './views.ts';
export {
  Oversight,
  checkAuditSearch,
  checkMailboxSearch,
  decodeCursor,
  encodeCursor,
  periodBound,
  AUDIT_CHANNELS,
  DEFAULT_PAGE,
  MAX_PAGE,
  type AuditEntryView,
  type AuditSearch,
  type ListedMailboxView,
  type MailboxSearch,
  type PageRequest,
} from './oversight.ts';
