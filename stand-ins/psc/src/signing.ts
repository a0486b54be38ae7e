/** PSC signs its tokens with RS256 (what Keycloak's realm uses). */
export const SIGNING_ALG = 'RS256';
