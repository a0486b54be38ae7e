import { authenticateBearer, isOauthbearerAbort, type AccessControl, type BearerAuthOutcome, type TokenValidator } from '@mss/access';

/** SASL XOAUTH2 / OAUTHBEARER for IMAP: the shared bearer authentication, for the right to read. */
export function authenticateSasl(
  mechanism: 'XOAUTH2' | 'OAUTHBEARER',
  response: string,
  deps: { access: AccessControl; validator: TokenValidator },
): Promise<BearerAuthOutcome> {
  return authenticateBearer(mechanism, response, { ...deps, channel: 'imap', action: 'read' });
}

export { isOauthbearerAbort };
