// The operator side of the Annuaire Santé feed: the outbox sender and the full declaration.
export { DirectoryFeedSender, type DirectoryFeedOptions, type DrainResult } from './sender.ts';
export { DirectoryClient, DECLARATION_PATH, FHIR_BASE, type Answer, type DirectoryClientOptions } from './client.ts';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.ts';
export { declarationLines } from './declaration.ts';
export { mailboxTelecom, patchBody, patchPath, personIdentifier, structureIdentifier, resourceFor } from './fhir.ts';
