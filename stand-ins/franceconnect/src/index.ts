// FranceConnect, played locally: a real OpenID Connect provider (panva's oidc-provider) laid out
// like FranceConnect v2, with a simulated identity provider whose test citizens log in.

export { startFranceConnect, DEFAULT_FRANCECONNECT_CLIENTS, type FranceConnectOptions, type RunningFranceConnect } from './server.ts';
export { API_PATH, SIGNING_ALG, pairwiseSub, type FranceConnectClientConfig } from './provider.ts';
export { DEMO_CITIZENS, FRANCE, deferredCitizens, staticCitizens, traitsFromIns, type Citizen, type CitizenDirectory } from './citizens.ts';
export { SCOPE_CLAIMS } from './claims.ts';
export { CANCELLED_DESCRIPTION, REFUSED_DESCRIPTION } from './interactions.ts';
