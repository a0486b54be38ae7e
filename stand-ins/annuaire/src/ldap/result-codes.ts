// LDAPResult codes (RFC 4511 §4.1.9 and Appendix A) that this server can produce.
export const ResultCode = {
  success: 0,
  operationsError: 1,
  protocolError: 2,
  timeLimitExceeded: 3,
  sizeLimitExceeded: 4,
  authMethodNotSupported: 7,
  adminLimitExceeded: 11,
  unavailableCriticalExtension: 12,
  noSuchObject: 32,
  invalidDNSyntax: 34,
  inappropriateAuthentication: 48,
  invalidCredentials: 49,
  busy: 51,
  unavailable: 52,
  unwillingToPerform: 53,
  other: 80,
} as const;

export type ResultCodeValue = (typeof ResultCode)[keyof typeof ResultCode];

export interface LdapResult {
  resultCode: number;
  matchedDN?: string;
  diagnosticMessage?: string;
}

/**
 * What an entry source throws to end a search with a specific result (noSuchObject for a base
 * that does not exist, busy when overloaded…) rather than the generic failure.
 */
export class LdapResultError extends Error {
  readonly resultCode: number;
  readonly matchedDN: string;
  constructor(resultCode: number, message: string, matchedDN = '') {
    super(message);
    this.name = 'LdapResultError';
    this.resultCode = resultCode;
    this.matchedDN = matchedDN;
  }
}
