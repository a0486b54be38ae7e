// @mss/access: how a client proves who it is (SASL bearer mechanisms, Pro Santé Connect
// tokens; SASL EXTERNAL with an APP software's client certificate) and, below, whether that
// person or software may open the mailbox.

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
export { createTrustedIssuers, type StructureIssuer, type TrustedIssuersConfig } from './token/issuers.ts';
export { principalOf } from './principal.ts';
export { encodeExternal, parseExternal, type ExternalRequest } from './sasl/external.ts';
export {
  CERTIFICATE_ERROR_TEXT,
  CertificateError,
  createCertificateValidator,
  sanEmails,
  type CertificateErrorCode,
  type CertificateValidator,
  type CertificateValidatorConfig,
  type RevocationSource,
  type ValidatedCertificate,
} from './certificate/validator.ts';

// decision point: exported below by the lead
export * from './decision/index.ts';
export { authenticateBearer, type BearerMechanism, type BearerAuthOutcome } from './bearer-auth.ts';
export { authenticateCertificate, type CertificateAuthOutcome } from './certificate-auth.ts';
