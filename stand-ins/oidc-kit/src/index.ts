// What the OpenID Connect stand-ins (Pro Santé Connect, FranceConnect) share: oidc-provider's
// storage in memory, persisted signing keys, the small HTTP helpers of their own pages, HTML
// escaping, the client conventions of first-party applications on loopback, the provider
// configuration they start from and the guard of their login pages.

export { MemoryAdapter, MemoryStorage } from './adapter.ts';
export {
  KeyFileStore,
  newSigningKey,
  nextRetirement,
  pruneRetired,
  publicJwk,
  type KeyFile,
  type KeyOwner,
  type PrivateJwk,
  type SigningAlg,
} from './keys.ts';
export { BodyTooLarge, readForm, redirect, sendHtml, sendJson, sendProblem, urlHost } from './http.ts';
export { escapeHtml } from './html.ts';
export {
  currentInteraction,
  interactionRequest,
  standInProviderConfig,
  type InteractionRequest,
  type ProviderPages,
  type StandInProviderOptions,
} from './provider-config.ts';
export { applicationTypeFor, finishWithImpliedConsent, implicitConsent, interactionClientId, isLoopbackHttp } from './clients.ts';
export { WebSite, type LoginStarter, type SitePendingLogin, type SiteSession, type WebSiteOptions } from './site.ts';
