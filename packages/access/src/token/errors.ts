export type TokenErrorCode =
  | 'malformed'
  | 'alg-not-allowed'
  | 'unknown-kid'
  | 'bad-signature'
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-issuer'
  | 'wrong-audience'
  | 'wrong-party'
  | 'missing-claim'
  | 'bad-idnat'
  | 'jwks-unavailable';

/**
 * Why a token was refused. The message is a fixed sentence: it never quotes the token (a bearer
 * credential) nor header values an attacker chose, so it is safe to log. Clients never see it:
 * the protocols answer every refusal the same way (R-AUTH-3).
 */
export class TokenError extends Error {
  override readonly name = 'TokenError';
  readonly code: TokenErrorCode;

  constructor(code: TokenErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A validator configuration we refuse to run with (e.g. HS256 on the allow-list). */
export class TokenConfigError extends Error {
  override readonly name = 'TokenConfigError';
  readonly code = 'invalid-config' as const;
}
