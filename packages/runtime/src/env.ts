import { MssError } from './errors.ts';

// The environment is read here and in config.ts only: every MSS_* variable becomes a typed,
// validated setting, and a bad value stops the process with one line naming the variable and
// what it accepts (never a NaN that surfaces later as an odd pool size or thread count).

export type Environment = Readonly<Record<string, string | undefined>>;

/** pino's levels, plus `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

function invalid(name: string, raw: string, accepted: string): MssError {
  return new MssError('CONFIG_INVALID', `${name}: "${raw}" is not ${accepted}`, { exitCode: 2 });
}

/** An integer setting in [min, max]; unset or empty means `fallback`. */
export function intSetting(env: Environment, name: string, options: { fallback: number; min: number; max: number }): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return options.fallback;
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < options.min || n > options.max) {
    throw invalid(name, raw, `an integer from ${options.min} to ${options.max}`);
  }
  return n;
}

/** A duration in seconds (`60`, `30m`, `2h`, `500ms`, `365d`) → milliseconds; unset means `fallbackMs`. */
export function durationSetting(env: Environment, name: string, options: { fallbackMs: number; minMs: number }): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return options.fallbackMs;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(raw);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const ms = m ? Number(m[1]) * unit[(m[2] ?? 's') as keyof typeof unit] : Number.NaN;
  if (!Number.isFinite(ms) || ms < options.minMs) {
    throw invalid(name, raw, `a duration of at least ${options.minMs} ms (seconds, or with a unit: 500ms, 60s, 30m, 2h, 7d)`);
  }
  return Math.round(ms);
}

/** A log level, from an explicit value (a flag) or the variable; `fallback` when neither is given. */
export function logLevelSetting(explicit: string | undefined, env: Environment, fallback: LogLevel, name = 'MSS_LOG_LEVEL'): LogLevel {
  const raw = explicit ?? env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
    throw invalid(explicit !== undefined ? '--log-level' : name, raw, `a log level (${LOG_LEVELS.join(', ')})`);
  }
  return raw as LogLevel;
}

/** What the `mss` client commands take from the environment (credentials are never printed). */
export interface ClientEnvironment {
  /** MSS_TOKEN: a Pro Santé Connect access token, when `--token` is not given. */
  token: string | undefined;
  /** MSS_ADMIN_PASSWORD: the operator administrator's password, when `--admin` is given. */
  adminPassword: string | undefined;
  /** MSS_ANNUAIRE_API_KEY: the Annuaire's `ESANTE-API-KEY`, when `--key` is not given. */
  annuaireApiKey: string | undefined;
  /** MSS_STRUCTURE_IDP_PASSWORD: a structure staff member's password for `mss structure-idp token`. */
  structureIdpPassword: string | undefined;
  /** MSS_DEBUG: print the stack of an unexpected error. */
  debug: boolean;
}

export function loadClientEnvironment(env: Environment = process.env): ClientEnvironment {
  return {
    token: env.MSS_TOKEN || undefined,
    adminPassword: env.MSS_ADMIN_PASSWORD || undefined,
    annuaireApiKey: env.MSS_ANNUAIRE_API_KEY || undefined,
    structureIdpPassword: env.MSS_STRUCTURE_IDP_PASSWORD || undefined,
    debug: Boolean(env.MSS_DEBUG) && env.MSS_DEBUG !== '0',
  };
}

/** The database a test run uses (MSS_DATABASE_URL), for the store's test harness. */
export function testDatabaseUrl(env: Environment = process.env): string | undefined {
  return env.MSS_DATABASE_URL || undefined;
}

/** The environment a child process inherits, with `extra` set (e.g. what `mss conformance` hands the software it runs). */
export function childEnvironment(
  extra: Readonly<Record<string, string>>,
  env: Environment = process.env,
): Record<string, string | undefined> {
  return { ...env, ...extra };
}

/** The variables a cluster primary sets for each worker it forks: its place among them. */
export const WORKER_INDEX_VARIABLE = 'MSS_WORKER_INDEX';
export const WORKER_COUNT_VARIABLE = 'MSS_WORKERS';

/**
 * A forked worker's place among its primary's, or undefined outside a worker (the primary sets
 * both variables; anything else there is not a placement we made).
 */
export function workerPlacement(env: Environment = process.env): { index: number; count: number } | undefined {
  const index = Number(env[WORKER_INDEX_VARIABLE]);
  const count = Number(env[WORKER_COUNT_VARIABLE]);
  return Number.isInteger(index) && Number.isInteger(count) ? { index, count } : undefined;
}
