// The simulated e-CPS side of CIBA: which requests wait for the person's approval, and how
// fast clients may poll for them. oidc-provider owns the requests themselves (storage,
// expiry, the token endpoint's answers); it neither lists them nor enforces a polling
// interval, and the spec's `slow_down` needs both.

export const CIBA_GRANT_TYPE = 'urn:openid:params:grant-type:ciba';
/** Seconds, as the ANS mock answers; the spec lets the provider choose. */
export const CIBA_INTERVAL_SECONDS = 1;
export const CIBA_DEFAULT_EXPIRY_SECONDS = 120;
export const CIBA_MAX_EXPIRY_SECONDS = 600;
/** Polls arriving this much early still count as on time: timers and networks jitter. */
const POLL_TOLERANCE_MS = 250;
/** CIBA Core §11: after `slow_down` the interval grows by at least 5 seconds. */
const SLOW_DOWN_STEP_SECONDS = 5;

export interface PendingRequest {
  authReqId: string;
  idnat: string;
  givenName: string;
  familyName: string;
  clientId: string;
  scope: string;
  bindingMessage: string | undefined;
  createdAt: number;
  expiresAt: number;
  decided: 'approved' | 'denied' | undefined;
}

export interface PendingRequestJson {
  auth_req_id: string;
  idnat: string;
  given_name: string;
  family_name: string;
  client_id: string;
  scope: string;
  binding_message?: string;
  created_at: string;
  expires_at: string;
}

export function toJson(r: PendingRequest): PendingRequestJson {
  return {
    auth_req_id: r.authReqId,
    idnat: r.idnat,
    given_name: r.givenName,
    family_name: r.familyName,
    client_id: r.clientId,
    scope: r.scope,
    ...(r.bindingMessage === undefined ? {} : { binding_message: r.bindingMessage }),
    created_at: new Date(r.createdAt).toISOString(),
    expires_at: new Date(r.expiresAt).toISOString(),
  };
}

/** Honours `requested_expiry` (seconds) between 1 s and the maximum; otherwise the default. */
export function cibaExpiry(requested: unknown): number {
  const n = typeof requested === 'string' ? Number(requested) : typeof requested === 'number' ? requested : Number.NaN;
  if (!Number.isSafeInteger(n) || n <= 0) return CIBA_DEFAULT_EXPIRY_SECONDS;
  return Math.min(n, CIBA_MAX_EXPIRY_SECONDS);
}

export class CibaRegistry {
  readonly #requests = new Map<string, PendingRequest>();
  readonly #polls = new Map<string, { last: number; interval: number }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  add(r: PendingRequest): void {
    this.#requests.set(r.authReqId, r);
  }

  /** Requests still waiting for the person, oldest first. */
  pending(idnat?: string): PendingRequest[] {
    const now = this.#now();
    return [...this.#requests.values()].filter(
      (r) => r.decided === undefined && r.expiresAt > now && (idnat === undefined || r.idnat === idnat),
    );
  }

  /** The request if it can still be decided. */
  open(authReqId: string): PendingRequest | undefined {
    const r = this.#requests.get(authReqId);
    return r && r.decided === undefined && r.expiresAt > this.#now() ? r : undefined;
  }

  decide(authReqId: string, decision: 'approved' | 'denied'): void {
    const r = this.#requests.get(authReqId);
    if (r) r.decided = decision;
  }

  /**
   * Records a poll that found the request still pending and says whether it came too early
   * (then the caller answers `slow_down` and the interval grows for this request).
   */
  pollTooFast(authReqId: string): boolean {
    const now = this.#now();
    const seen = this.#polls.get(authReqId);
    if (!seen) {
      this.#polls.set(authReqId, { last: now, interval: CIBA_INTERVAL_SECONDS });
      return false;
    }
    const early = now - seen.last < seen.interval * 1000 - POLL_TOLERANCE_MS;
    seen.last = now;
    if (early) seen.interval += SLOW_DOWN_STEP_SECONDS;
    return early;
  }

  /** Forgets requests long past their expiry (the provider answers `expired_token` on its own). */
  sweep(): void {
    const horizon = this.#now() - 10 * 60 * 1000;
    for (const [id, r] of this.#requests) {
      if (r.expiresAt < horizon) {
        this.#requests.delete(id);
        this.#polls.delete(id);
      }
    }
  }
}
