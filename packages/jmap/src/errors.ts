// JMAP errors as RFC 8620 and RFC 8621 name them: request-level errors are problem+json
// documents (RFC 8620 §3.6.1), method-level errors are `error` invocations (§3.6.2), and set
// errors are SetError objects (§5.3). The type strings are the RFCs' own, never ours.

/** RFC 8620 §3.6.1 request-level error types (the `type` member is `urn:ietf:params:jmap:error:` + this). */
export type RequestErrorType = 'unknownCapability' | 'notJSON' | 'notRequest' | 'limit';

/** RFC 8620 §3.6.2 and the method errors of §5 and RFC 8621. */
export type MethodErrorType =
  | 'serverUnavailable'
  | 'serverFail'
  | 'serverPartialFail'
  | 'unknownMethod'
  | 'invalidArguments'
  | 'invalidResultReference'
  | 'forbidden'
  | 'accountNotFound'
  | 'accountNotSupportedByMethod'
  | 'accountReadOnly'
  | 'requestTooLarge'
  | 'cannotCalculateChanges'
  | 'stateMismatch'
  | 'anchorNotFound'
  | 'unsupportedSort'
  | 'unsupportedFilter'
  | 'tooManyChanges'
  | 'fromAccountNotFound'
  | 'fromAccountNotSupportedByMethod';

/** RFC 8620 §5.3 and RFC 8621 SetError types. */
export type SetErrorType =
  | 'forbidden'
  | 'overQuota'
  | 'tooLarge'
  | 'rateLimit'
  | 'notFound'
  | 'invalidPatch'
  | 'willDestroy'
  | 'invalidProperties'
  | 'singleton'
  | 'mailboxHasChild'
  | 'mailboxHasEmail'
  | 'blobNotFound'
  | 'tooManyKeywords'
  | 'tooManyMailboxes'
  | 'invalidEmail'
  | 'tooManyRecipients'
  | 'noRecipients'
  | 'invalidRecipients'
  | 'forbiddenMailFrom'
  | 'forbiddenFrom'
  | 'forbiddenToSend'
  | 'alreadyExists';

export interface SetError {
  type: SetErrorType;
  description?: string;
  properties?: string[];
  [extra: string]: unknown;
}

/** Thrown by a method: becomes `["error", {type, description}, callId]`. */
export class MethodError extends Error {
  readonly type: MethodErrorType;
  readonly extra: Record<string, unknown>;
  constructor(type: MethodErrorType, description?: string, extra: Record<string, unknown> = {}) {
    super(description ?? type);
    this.type = type;
    this.extra = extra;
  }

  toJSON(): Record<string, unknown> {
    return { type: this.type, ...(this.message !== this.type ? { description: this.message } : {}), ...this.extra };
  }
}

/** Thrown while reading a request: answered as problem+json with the status RFC 8620 §3.6.1 implies. */
export class RequestError extends Error {
  readonly type: RequestErrorType;
  readonly status: number;
  readonly limit: string | undefined;
  constructor(type: RequestErrorType, detail: string, options: { status?: number; limit?: string } = {}) {
    super(detail);
    this.type = type;
    this.status = options.status ?? 400;
    this.limit = options.limit;
  }

  toProblem(): Record<string, unknown> {
    return {
      type: `urn:ietf:params:jmap:error:${this.type}`,
      status: this.status,
      detail: this.message,
      ...(this.limit ? { limit: this.limit } : {}),
    };
  }
}

export function invalidArguments(description: string): MethodError {
  return new MethodError('invalidArguments', description);
}
