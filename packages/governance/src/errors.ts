import { MssError } from '@mss/runtime';

/**
 * Why a governance operation was refused, in the domain's words. Each front maps these kinds to
 * its own replies in one place (the admin API: to problem types and HTTP statuses in
 * `packages/admin-api/src/problems.ts`); nothing here knows of a protocol.
 */
export const GOVERNANCE_ERROR_KINDS = [
  'invalid-input',
  'invalid-identifier',
  'invalid-address',
  'cab-naming',
  'cab-with-finess',
  'not-in-directory',
  'not-a-professional',
  'person-inactive',
  'address-taken',
  'not-delegable',
  'end-date-in-past',
  'already-has-access',
  'not-a-cab',
  'mailbox-not-found',
  'delegation-not-found',
  'cotitulaire-not-found',
  'cotitulaire-limit',
  'local-person-not-found',
  'not-an-org',
  'attached-to-structure',
  'responsible-not-found',
  'last-responsible',
  'not-a-structure-mailbox',
  'release-too-early',
  'group-not-found',
  'not-of-the-practice',
  'forbidden',
  'cgu-not-accepted',
  'mailbox-closed',
  'mailbox-suspended',
  'invalid-transition',
  'cgu-not-current',
  'cgu-exists',
  'no-cgu',
  'conflict',
  'invalid-filter',
  'invalid-cursor',
] as const;
export type GovernanceErrorKind = (typeof GOVERNANCE_ERROR_KINDS)[number];

export class GovernanceError extends MssError {
  readonly kind: GovernanceErrorKind;
  /** Facts a caller may show (the field, the rule, where to accept the CGU…). */
  readonly extra: Record<string, unknown>;
  constructor(kind: GovernanceErrorKind, message: string, extra: Record<string, unknown> = {}) {
    super(`GOVERNANCE_${kind.toUpperCase().replace(/-/g, '_')}`, message);
    this.name = 'GovernanceError';
    this.kind = kind;
    this.extra = extra;
  }
}
