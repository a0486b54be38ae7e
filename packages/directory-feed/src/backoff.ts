export interface BackoffPolicy {
  /** Delay after the first failure (default 1 s). */
  initialMs: number;
  /** Longest delay between attempts (default 5 min). */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 5 * 60_000 };

/** The wait after the n-th consecutive failure (n ≥ 1): doubling from `initialMs`, capped at `maxMs`. */
export function backoffDelay(failures: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  if (failures <= 0) return 0;
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(failures - 1, 30));
}
