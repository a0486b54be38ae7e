export type SaslMechanism = 'XOAUTH2' | 'OAUTHBEARER' | 'EXTERNAL';

export type SaslErrorCode =
  | 'malformed-base64'
  | 'malformed-message'
  | 'missing-user'
  | 'missing-token'
  | 'bad-scheme'
  | 'unsupported-channel-binding';

/**
 * A client response we refuse. Messages are fixed strings: they end up in logs, so they never
 * quote the response (it carries a bearer token) and are never sent to the client, which only
 * gets the mechanism's error challenge and the protocol's generic failure (R-AUTH-3).
 */
export class SaslError extends Error {
  override readonly name = 'SaslError';
  readonly code: SaslErrorCode;
  readonly mechanism: SaslMechanism;

  constructor(mechanism: SaslMechanism, code: SaslErrorCode, message: string) {
    super(`${mechanism}: ${message}`);
    this.code = code;
    this.mechanism = mechanism;
  }
}
