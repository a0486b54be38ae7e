// One error type for everything the SDK reports, with a stable code a vendor can branch on.
// Protocol libraries' errors are kept as `cause`; tokens and passwords never appear in messages.

export type MssClientErrorCode =
  | 'PSC_UNREACHABLE'
  | 'PSC_UNKNOWN_USER'
  | 'PSC_DENIED'
  | 'PSC_EXPIRED'
  | 'PSC_CLIENT_REFUSED'
  | 'PSC_ERROR'
  | 'PSC_NO_REFRESH'
  | 'LOGIN_STATE_MISMATCH'
  | 'AUTHENTICATION_REFUSED'
  | 'SEND_REFUSED'
  | 'IMAP_ERROR'
  | 'MESSAGE_TIMEOUT'
  | 'DOCUMENT_INVALID'
  | 'DIRECTORY_ERROR'
  | 'NOT_FOUND';

export class MssClientError extends Error {
  override readonly name = 'MssClientError';
  readonly code: MssClientErrorCode;

  constructor(code: MssClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
