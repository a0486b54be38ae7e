// What /readyz asks before saying a node may take traffic: the database answers and the blob
// store takes a write (an S3 bucket reachable with these credentials, or the blob directory
// writable). Both are needed for any `250` or APPEND OK; a node missing either should be out of
// the load balancer's rotation while it waits for them to come back, not restarted (that is
// /healthz's business, and it stays liveness only).

import { describeError } from '@mss/runtime';
import type { Store } from '@mss/store';

export type CheckName = 'database' | 'blobs';

export type CheckResult = { status: 'ok' } | { status: 'failing'; error: string };

export interface Readiness {
  ready: boolean;
  /** The checks that failed, in a fixed order (empty when ready). */
  failing: CheckName[];
  checks: Record<CheckName, CheckResult & { what: string }>;
}

/** A probe that hangs (a blackholed S3 endpoint: the SDK waits 10 s to connect, three times) fails at this bound. */
export const DEFAULT_READINESS_TIMEOUT_MS = 5000;

async function probe(run: () => Promise<void>, timeoutMs: number): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([run(), late]);
    return { status: 'ok' };
  } catch (err) {
    return { status: 'failing', error: describeError(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs both checks at once; neither throws. */
export async function checkReadiness(store: Store, timeoutMs = DEFAULT_READINESS_TIMEOUT_MS): Promise<Readiness> {
  const [database, blobs] = await Promise.all([probe(() => store.ping(), timeoutMs), probe(() => store.blobs.check(), timeoutMs)]);
  const checks = {
    database: { what: store.engine, ...database },
    blobs: { what: store.blobs.description, ...blobs },
  };
  const failing = (Object.keys(checks) as CheckName[]).filter((k) => checks[k].status !== 'ok');
  return { ready: failing.length === 0, failing, checks };
}
