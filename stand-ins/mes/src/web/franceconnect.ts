// Mon Espace Santé as a FranceConnect service provider (through @mss/web-kit's relying party:
// code with PKCE, state and nonce, ID token and signed userinfo verified by openid-client), the
// identity pivot then handed to MES to find the patient.

import { claimText, OidcRelyingParty, type PendingAuthorization } from '@mss/web-kit';

export interface FranceConnectSettings {
  /** e.g. http://127.0.0.1:8089/api/v2 */
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/** FranceConnect's identity pivot, as its userinfo gives it. */
export interface IdentityPivot {
  sub: string;
  givenName: string;
  familyName: string;
  birthdate: string;
  gender: 'female' | 'male' | undefined;
  birthplace: string;
  birthcountry: string;
}

export class FranceConnectLogin extends OidcRelyingParty {
  constructor(settings: FranceConnectSettings) {
    super(settings, {
      scope: 'openid identite_pivot',
      extraParams: { acr_values: 'eidas1' },
      metadata: { id_token_signed_response_alg: 'ES256', userinfo_signed_response_alg: 'ES256' },
    });
  }

  /** The callback URL as the browser reached it → the verified identity pivot and the ID token. */
  async identity(callback: URL, login: PendingAuthorization): Promise<{ identity: IdentityPivot; idToken: string | undefined }> {
    const { claims, idToken } = await this.finish(callback, login);
    return {
      identity: {
        sub: claimText(claims.sub),
        givenName: claimText(claims.given_name),
        familyName: claimText(claims.family_name),
        birthdate: claimText(claims.birthdate),
        gender: claims.gender === 'female' || claims.gender === 'male' ? claims.gender : undefined,
        birthplace: claimText(claims.birthplace),
        birthcountry: claimText(claims.birthcountry),
      },
      idToken,
    };
  }
}
