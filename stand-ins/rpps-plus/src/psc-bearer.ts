// The titular's identity on the scripted API: a Pro Santé Connect access token (RFC 6750 bearer),
// verified here against PSC's published keys (signature, issuer, audience, lifetime), as the
// operator verifies the tokens of its LPS. `mss rpps` gets one by CIBA, approved on the e-CPS.

import { createRemoteJWKSet, jwtVerify } from 'jose';
import { RppsPlusError } from './errors.ts';

export interface PscBearerSettings {
  /** e.g. http://127.0.0.1:8081/auth/realms/esante-wallet */
  issuer: string;
  /** The `aud` PSC gives its access tokens (the sandbox's: mss-operator). */
  audience: string;
}

export function pscBearer(settings: PscBearerSettings): (authorization: string | undefined) => Promise<string> {
  const jwks = createRemoteJWKSet(new URL(`${settings.issuer}/protocol/openid-connect/certs`), { cooldownDuration: 1000 });
  return async (authorization) => {
    const m = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(authorization ?? '');
    if (!m) throw new RppsPlusError('unauthenticated', 'Un jeton d’accès Pro Santé Connect est requis (Authorization: Bearer).');
    try {
      const { payload } = await jwtVerify(m[1] as string, jwks, { issuer: settings.issuer, audience: settings.audience });
      const idnat = payload.SubjectNameID;
      if (typeof idnat !== 'string' || idnat === '') throw new Error('no SubjectNameID');
      return idnat;
    } catch {
      throw new RppsPlusError('unauthenticated', 'Le jeton d’accès Pro Santé Connect est invalide ou expiré.');
    }
  };
}
