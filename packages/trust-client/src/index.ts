// @mss/trust-client: the operator's side of the ANS trust space — its copies of the whitelist and
// of the CA's revocation list, and what it reads from the certificates of the trust space.
export {
  CERTIFICATE_PROFILE_OU,
  OID_CLIENT_AUTH,
  OID_SERVER_AUTH,
  describeCertificate,
  operatorOfCertificate,
  toNodeCertificate,
  usageName,
  type CertificateInfo,
  type CertificateInput,
  type CertificateKind,
} from './certificate.ts';
export { CRL_PATH, normaliseSerial } from './crl.ts';
export { isHostname } from './names.ts';
export {
  ROUTES_PATH,
  WHITELIST_NAMESPACE,
  WHITELIST_PATH,
  checkMx,
  normaliseDomain,
  parseRoutes,
  parseWhitelistXml,
  type MxEndpoint,
  type RouteEntry,
  type RoutesDocument,
} from './whitelist-document.ts';
export { WhitelistCache, clearWhitelistCache, type WhitelistCacheOptions, type WhitelistCacheStatus } from './client.ts';
export {
  RevocationListCache,
  type RevocationListCacheOptions,
  type RevocationListState,
  type RevocationStatus,
} from './revocation-client.ts';
export { DEFAULT_XML_LIMITS, XmlError, parseXml, type XmlElement, type XmlLimits } from './xml.ts';
