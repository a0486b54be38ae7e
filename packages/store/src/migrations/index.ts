import { initial } from './0001-initial.ts';
import type { MssMigration } from './types.ts';

/** Every migration, in order. Append only: a released migration is never edited. */
export const MIGRATIONS: readonly MssMigration[] = [initial];
export type { Engine, MssMigration } from './types.ts';
