// Every refusal of the portal a user can meet: a stable code, an HTTP status, and the sentence
// shown to her in French (pages) or put in the problem's `detail` (API, RFC 9457). The codes are
// documented in docs/problems.md ("RPPS+ portal").

export type RppsPlusErrorCode =
  | 'invalid-input'
  | 'unknown-professional'
  | 'unknown-practice'
  | 'duplicate-request'
  | 'not-your-request'
  | 'not-pending'
  | 'not-validated'
  | 'situation-ended'
  | 'end-date-in-past'
  | 'no-such-request'
  | 'rpps-not-yet-known'
  | 'not-a-titular'
  | 'unauthenticated';

const STATUS: Readonly<Record<RppsPlusErrorCode, number>> = {
  'invalid-input': 400,
  'unknown-professional': 404,
  'unknown-practice': 404,
  'duplicate-request': 409,
  'not-your-request': 403,
  'not-pending': 409,
  'not-validated': 409,
  'situation-ended': 409,
  'end-date-in-past': 400,
  'no-such-request': 404,
  'rpps-not-yet-known': 409,
  'not-a-titular': 403,
  unauthenticated: 401,
};

export class RppsPlusError extends Error {
  readonly code: RppsPlusErrorCode;
  constructor(code: RppsPlusErrorCode, message: string) {
    super(message);
    this.name = 'RppsPlusError';
    this.code = code;
  }
  get status(): number {
    return STATUS[this.code];
  }
}
