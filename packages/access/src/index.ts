// @mss/access: how a client proves who it is (SASL bearer mechanisms, Pro Santé Connect
// tokens) and, below, whether that person may open the mailbox.

export { SaslError, type SaslErrorCode, type SaslMechanism } from './sasl/errors.ts';
export {
  encodeXoauth2,
  parseXoauth2,
  xoauth2ErrorChallenge,
  type Xoauth2ChallengeOptions,
  type Xoauth2Credentials,
} from './sasl/xoauth2.ts';
export {
  encodeOauthbearer,
  isOauthbearerAbort,
  oauthbearerErrorChallenge,
  parseOauthbearer,
  type OauthbearerChallengeOptions,
  type OauthbearerCredentials,
  type OauthbearerStatus,
} from './sasl/oauthbearer.ts';
export { TokenConfigError, TokenError, type TokenErrorCode } from './token/errors.ts';
export {
  createTokenValidator,
  DEFAULT_ALGORITHMS,
  DEFAULT_AUDIENCE,
  type TokenValidator,
  type TokenValidatorConfig,
  type ValidatedToken,
} from './token/validator.ts';
export type { JwksStats } from './token/jwks.ts';

// decision point: exported below by the lead
export * from './decision/index.ts';
export { authenticateBearer, type BearerMechanism, type BearerAuthOutcome } from './bearer-auth.ts';
