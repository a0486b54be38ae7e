import type { Kysely } from 'kysely';

export type Engine = 'sqlite' | 'postgres';

/** A forward-only migration: there is no `down`; a mistake is fixed by a later migration. */
export interface MssMigration {
  name: string;
  up(db: Kysely<any>, engine: Engine): Promise<void>;
}
