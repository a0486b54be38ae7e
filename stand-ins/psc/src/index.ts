// Pro Santé Connect, played locally: a real OpenID Connect provider (panva's oidc-provider)
// laid out like PSC's Keycloak realm, with CIBA approved on a simulated e-CPS.

export { startPsc, DEFAULT_PSC_CLIENTS, type PscOptions, type RunningPsc } from './server.ts';
export { REALM_PATH, type PscClientConfig } from './provider.ts';
export { cibaToken, approveRequest, denyRequest, type CibaTokenOptions, type CibaTokens } from './client.ts';
export { subFor, idnatFromSub, combinedDirectory, type PscDirectory } from './accounts.ts';
