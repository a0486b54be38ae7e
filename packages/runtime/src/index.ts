export * from './errors.ts';
export * from './log.ts';
export * from './progress.ts';
export * from './config.ts';
export * from './env.ts';
export * from './net.ts';
export * from './http-client-errors.ts';
export * from './address-limit.ts';
