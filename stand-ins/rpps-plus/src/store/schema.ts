import type { Generated, Selectable } from 'kysely';
import type { Database } from '@mss/store';

// The portal's own tables, in its own store's database, made by its migrations (./migrations/).

/** A registration request of the RPPS+ portal , and what became of it. */
export interface RppsPlusRequestsTable {
  id: Generated<number>;
  status: 'pending' | 'validated' | 'refused';
  /** secretary: asked on the portal after a FranceConnect login; titular: entered by the employer. */
  origin: 'secretary' | 'titular';
  /** The applicant's FranceConnect `sub` (the portal's own pairwise one); null when the titular entered her. */
  applicant_sub: string | null;
  civility: string;
  last_name: string;
  /** Every first name, space-separated, as FranceConnect gives them. */
  first_names: string;
  /** YYYY-MM-DD. */
  birth_date: string;
  email: string | null;
  phone: string | null;
  kind: 'SECRETARY' | 'MEDICAL_ASSISTANT';
  /** The titular professional who employs her: the only one who may decide (§7). */
  employer_idnat: string;
  /** The employer's situation d'exercice (the practice) the new situation belongs to. */
  employer_situation_id: string;
  practice_name: string;
  created_at: string;
  decided_at: string | null;
  decided_by: string | null;
  refusal_reason: string | null;
  /** 8 + the RPPS handed out at validation. */
  person_idnat: string | null;
  /** The situation d'exercice written to the directory at validation. */
  situation_id: string | null;
  /** When the RPPS number is made known to the applicant (validation + the configured delay). */
  rpps_notice_at: string | null;
  ecps_requested_at: string | null;
  /** From then on Pro Santé Connect knows her (activation + the configured delay). */
  ecps_active_at: string | null;
  /** The situation's end date (YYYY-MM-DD) once the titular set one. */
  end_date: string | null;
}

export interface RppsPlusNumbersTable {
  rpps: string;
  request_id: number;
  allocated_at: string;
}

/** Append-only: every step of a request, who did it and when. */
export interface RppsPlusEventsTable {
  id: Generated<number>;
  request_id: number;
  at: string;
  /** Who: an IdNat, `franceconnect:<name>`, or `portail`. */
  actor: string;
  action: string;
  detail: string | null;
}

export interface RppsPlusTables {
  rpps_plus_requests: RppsPlusRequestsTable;
  rpps_plus_numbers: RppsPlusNumbersTable;
  rpps_plus_events: RppsPlusEventsTable;
}

/** The portal's database: the store's tables (unused but there) and its own. */
export type RppsPlusDatabase = Database & RppsPlusTables;

export type RppsPlusRequestRow = Selectable<RppsPlusRequestsTable>;
export type RppsPlusEventRow = Selectable<RppsPlusEventsTable>;
