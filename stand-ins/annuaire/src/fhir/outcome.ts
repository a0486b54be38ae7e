/** OperationOutcome issue types (FHIR R4 IssueType) this server uses. */
export type IssueCode =
  | 'invalid'
  | 'not-found'
  | 'not-supported'
  | 'login'
  | 'forbidden'
  | 'exception'
  | 'too-costly'
  | 'informational'
  | 'processing';

/** A failure that becomes an OperationOutcome with an HTTP status. */
export class FhirError extends Error {
  readonly status: number;
  readonly code: IssueCode;
  readonly headers: Record<string, string>;
  constructor(status: number, code: IssueCode, diagnostics: string, headers: Record<string, string> = {}) {
    super(diagnostics);
    this.name = 'FhirError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export function operationOutcome(
  severity: 'fatal' | 'error' | 'warning' | 'information',
  code: IssueCode,
  diagnostics: string,
): Record<string, unknown> {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics }] };
}

export const invalid = (diagnostics: string): FhirError => new FhirError(400, 'invalid', diagnostics);
