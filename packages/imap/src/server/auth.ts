import type { X509Certificate } from 'node:crypto';
import {
  authenticateBearer,
  authenticateCertificate,
  isOauthbearerAbort,
  type AccessControl,
  type BearerAuthOutcome,
  type CertificateAuthOutcome,
  type CertificateValidator,
  type TokenValidator,
} from '@mss/access';

/** SASL XOAUTH2 / OAUTHBEARER for IMAP: the shared bearer authentication, for the right to read. */
export function authenticateSasl(
  mechanism: 'XOAUTH2' | 'OAUTHBEARER',
  response: string,
  deps: { access: AccessControl; validator: TokenValidator },
): Promise<BearerAuthOutcome> {
  return authenticateBearer(mechanism, response, { ...deps, channel: 'imap', action: 'read' });
}

/** SASL EXTERNAL for IMAP: an APP's TLS client certificate, for the right to read. */
export function authenticateExternal(
  response: string,
  certificate: X509Certificate | undefined,
  deps: { access: AccessControl; validator: CertificateValidator },
): Promise<CertificateAuthOutcome> {
  return authenticateCertificate(response, certificate, { ...deps, channel: 'imap', action: 'read' });
}

export { isOauthbearerAbort };
