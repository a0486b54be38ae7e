export * from './protocol/index.ts';
export { startImapServer, type RunningImapServer } from './server/server.ts';
export type { ImapServerOptions } from './server/options.ts';
