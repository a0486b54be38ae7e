import { MssError } from '@mss/runtime';

/**
 * Every refusal of a governance operation, with a stable problem code (the `type` of the HTTP
 * problem+json, documented in docs/problems.md) and the HTTP status it maps to.
 */
export type ProblemCode =
  | 'invalid-input'
  | 'invalid-identifier'
  | 'invalid-address'
  | 'cab-naming'
  | 'cab-with-finess'
  | 'not-in-directory'
  | 'not-a-professional'
  | 'address-taken'
  | 'not-delegable'
  | 'end-date-in-past'
  | 'already-has-access'
  | 'not-a-cab'
  | 'mailbox-not-found'
  | 'delegation-not-found'
  | 'cotitulaire-not-found'
  | 'forbidden'
  | 'cgu-not-accepted'
  | 'mailbox-closed'
  | 'mailbox-suspended'
  | 'invalid-transition'
  | 'cgu-not-current'
  | 'cgu-exists'
  | 'no-cgu'
  | 'conflict'
  | 'unauthenticated';

const STATUS: Record<ProblemCode, number> = {
  'invalid-input': 400,
  'invalid-identifier': 400,
  'invalid-address': 400,
  'cab-naming': 400,
  'cab-with-finess': 422,
  'not-in-directory': 422,
  'not-a-professional': 422,
  'address-taken': 409,
  'not-delegable': 422,
  'end-date-in-past': 400,
  'already-has-access': 409,
  'not-a-cab': 422,
  'mailbox-not-found': 404,
  'delegation-not-found': 404,
  'cotitulaire-not-found': 404,
  forbidden: 403,
  'cgu-not-accepted': 403,
  'mailbox-closed': 409,
  'mailbox-suspended': 409,
  'invalid-transition': 409,
  'cgu-not-current': 409,
  'cgu-exists': 409,
  'no-cgu': 409,
  conflict: 409,
  unauthenticated: 401,
};

export class GovernanceError extends MssError {
  readonly problem: ProblemCode;
  readonly status: number;
  readonly extra: Record<string, unknown>;
  constructor(problem: ProblemCode, message: string, extra: Record<string, unknown> = {}) {
    super(`GOVERNANCE_${problem.toUpperCase().replace(/-/g, '_')}`, message);
    this.name = 'GovernanceError';
    this.problem = problem;
    this.status = STATUS[problem];
    this.extra = extra;
  }
}
