// @mss/client: a typed SDK for health software (LPS/DUI) on MSSanté's API LPS — Pro Santé Connect
// (CIBA, token cache and refresh, code + PKCE), SMTP/IMAP with XOAUTH2 per mailbox, messages with
// the Ref. #2 headers and IHE_XDM, read receipts, and the Annuaire Santé (FHIR v2, resolver, LDAP).

export {
  approveOnSandboxEcps,
  environmentFromEnv,
  type MssEnvironment,
  PSC_REALM_PATH,
  SANDBOX_FHIR_API_KEY,
  type SandboxLocation,
  sandboxEnvironment,
} from './environment.ts';
export { MssClientError, type MssClientErrorCode } from './errors.ts';
export { MssClient, type MssClientOptions, PersonSession, type OpenableMailbox } from './client.ts';
export {
  type CibaOptions,
  type CibaRequest,
  PSC_ACR,
  PSC_DISCOVERY_PATH,
  PSC_SCOPE,
  PscClient,
  type PscClientOptions,
  type TokenSet,
  type WebLogin,
} from './psc/psc-client.ts';
export { TokenCache, type TokenCacheOptions, type TokenSource } from './psc/token-cache.ts';
export { type AccessTokenProvider, type FetchedMessage, ImapSession, MailboxHandle, type SentMessage } from './mail/mailbox.ts';
export { buildMdn, type Mdn, type MdnInput, parseMdn, readReceiptRequestedBy } from './mail/mdn.ts';
export {
  type CdaAttachment,
  type ComposedDocument,
  type ComposedMessage,
  composeMessage,
  type OutgoingMessage,
  toRaw,
} from './message/compose.ts';
export { type ReceivedDocument, type ReceivedMessage, readMessage } from './message/receive.ts';
export {
  type DirectoryMailbox,
  FhirDirectory,
  IDNPS_SYSTEM,
  type MailboxType,
  mailboxesOf,
  type PractitionerQuery,
  type Professional,
  RPPS_SYSTEM,
} from './directory/fhir.ts';
export { type CandidateMailbox, type Resolution, type ResolutionContext, resolveMailbox, type Situation } from './directory/resolver.ts';
export {
  LDAP_BASE,
  LDAP_SIZE_LIMIT,
  LDAP_TIME_LIMIT_SECONDS,
  type LdapMailbox,
  type LdapQuery,
  type LdapResult,
  ldapFilter,
  searchLdap,
} from './directory/ldap.ts';
