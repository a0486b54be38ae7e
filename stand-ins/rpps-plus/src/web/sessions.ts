// Who a portal session is (the plumbing — cookies, CSRF, limits — is @mss/oidc-kit's WebSite): a
// secretary's (FranceConnect) or a titular's (PSC).

import type { SitePendingLogin, SiteSession } from '@mss/oidc-kit';

/** What FranceConnect told us about the secretary (the identity pivot), to prefill her request. */
export interface FranceConnectIdentity {
  sub: string;
  givenName: string;
  familyName: string;
  birthdate: string;
  gender: string;
  email: string;
}

export type Who =
  | { kind: 'secretary'; identity: FranceConnectIdentity; displayName: string }
  | { kind: 'titular'; idnat: string; displayName: string };

export type PortalSession = Who & SiteSession;

export interface PendingPortalLogin extends SitePendingLogin {
  provider: 'franceconnect' | 'psc';
}
