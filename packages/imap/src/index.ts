export * from './protocol/index.ts';
export { startImapServer, type RunningImapServer } from './server/server.ts';
export type { ImapServerOptions, LoginHook } from './server/options.ts';
export type { Identity } from './server/state.ts';
