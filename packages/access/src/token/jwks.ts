// The issuer's published keys: discovery, fetching, importing, and the rules for refetching.
// Refetches are rate-limited by one clock (the last attempt, successful or not), so neither
// random `kid`s nor an IdP outage can make us send more than one request per cooldown.

import crypto, { type KeyObject } from 'node:crypto';
import { type AlgSpec, MIN_RSA_BITS, algSpec } from './algorithms.ts';
import { TokenError } from './errors.ts';

export interface VerificationKey {
  readonly kid: string | undefined;
  readonly kty: 'RSA' | 'EC';
  /** The JWK's `alg`, when published: the key is then usable with that algorithm only. */
  readonly alg: string | undefined;
  readonly crv: string | undefined;
  readonly key: KeyObject;
}

const EC_CURVES = new Set(['P-256', 'P-384', 'P-521']);

function str(v: unknown): v is string {
  return typeof v === 'string' && v !== '';
}

/**
 * One published JWK as a verification key, or undefined when we cannot or must not use it:
 * encryption keys, keys whose key_ops exclude verify, symmetric keys (an `oct` key in a JWKS
 * is exactly what the HS256-with-the-public-key attack wants us to use), RSA keys below
 * 2048 bits, unknown types. Only the public members are read.
 */
export function importJwk(jwk: unknown): VerificationKey | undefined {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return undefined;
  const j = jwk as Record<string, unknown>;
  if (j.use !== undefined && j.use !== 'sig') return undefined;
  if (j.key_ops !== undefined && !(Array.isArray(j.key_ops) && j.key_ops.includes('verify'))) return undefined;
  if (j.kid !== undefined && typeof j.kid !== 'string') return undefined;
  if (j.alg !== undefined && !(typeof j.alg === 'string' && algSpec(j.alg)?.kty === j.kty)) return undefined;
  const kid = j.kid as string | undefined;
  const alg = j.alg as string | undefined;
  try {
    if (j.kty === 'RSA' && str(j.n) && str(j.e)) {
      const key = crypto.createPublicKey({ key: { kty: 'RSA', n: j.n, e: j.e }, format: 'jwk' });
      if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) return undefined;
      return { kid, kty: 'RSA', alg, crv: undefined, key };
    }
    if (j.kty === 'EC' && str(j.crv) && EC_CURVES.has(j.crv) && str(j.x) && str(j.y)) {
      const key = crypto.createPublicKey({ key: { kty: 'EC', crv: j.crv, x: j.x, y: j.y }, format: 'jwk' });
      return { kid, kty: 'EC', alg, crv: j.crv, key };
    }
  } catch {
    // A key OpenSSL cannot import (point not on the curve, bad base64url, …) is skipped; the
    // other keys of the set stay usable.
  }
  return undefined;
}

function usable(k: VerificationKey, alg: string, spec: AlgSpec): boolean {
  return k.kty === spec.kty && (k.alg === undefined || k.alg === alg) && (spec.crv === undefined || k.crv === spec.crv);
}

/** An imported key set with a memo of (alg, kid) → key, so the warm path is one Map lookup. */
export class KeySet {
  readonly keys: readonly VerificationKey[];
  readonly #memo = new Map<string, VerificationKey>();

  constructor(keys: readonly VerificationKey[]) {
    this.keys = keys;
  }

  static fromJwks(doc: unknown): KeySet {
    if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { keys?: unknown }).keys)) {
      throw new Error('JWKS document has no "keys" array');
    }
    const keys: VerificationKey[] = [];
    for (const jwk of (doc as { keys: unknown[] }).keys) {
      const k = importJwk(jwk);
      if (k) keys.push(k);
    }
    return new KeySet(keys);
  }

  /**
   * The key for this header, or undefined. Without a `kid` we only proceed when a single key
   * fits; with several candidates we refuse rather than try them in turn (PSC always names its
   * key, and trying every key multiplies the cost of a forged token).
   */
  find(alg: string, kid: string | undefined): VerificationKey | undefined {
    const memoKey = kid === undefined ? alg : `${alg}\x00${kid}`;
    const hit = this.#memo.get(memoKey);
    if (hit !== undefined) return hit;
    const spec = algSpec(alg);
    if (spec === undefined) return undefined;
    const candidates = this.keys.filter((k) => (kid === undefined || k.kid === kid) && usable(k, alg, spec));
    if (candidates.length !== 1) return undefined;
    const found = candidates[0] as VerificationKey;
    // Only hits are memoised: attacker-chosen kids must not grow the map.
    this.#memo.set(memoKey, found);
    return found;
  }
}

export interface JwksCacheOptions {
  issuer: string;
  jwksUri: string | undefined;
  cooldownMs: number;
  maxAgeMs: number;
  staleIfErrorMs: number;
  timeoutMs: number;
  fetch: typeof fetch;
  now: () => number;
}

export interface JwksStats {
  fetches: number;
  failures: number;
  keys: number;
  fetchedAt: Date | undefined;
}

const MAX_DOCUMENT_CHARS = 1024 * 1024;

export class JwksCache {
  readonly #o: JwksCacheOptions;
  #jwksUri: string | undefined;
  #set: KeySet | undefined;
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #attemptAt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<void> | undefined;
  #lastError: unknown;
  #fetches = 0;
  #failures = 0;

  constructor(options: JwksCacheOptions) {
    this.#o = options;
    this.#jwksUri = options.jwksUri;
  }

  stats(): JwksStats {
    return {
      fetches: this.#fetches,
      failures: this.#failures,
      keys: this.#set?.keys.length ?? 0,
      fetchedAt: this.#set ? new Date(this.#fetchedAt) : undefined,
    };
  }

  /** Synchronous warm path: the key when the set is fresh and has it, else undefined. */
  lookupFresh(alg: string, kid: string | undefined, now: number): VerificationKey | undefined {
    if (this.#set === undefined || now - this.#fetchedAt > this.#o.maxAgeMs) return undefined;
    return this.#set.find(alg, kid);
  }

  async resolve(alg: string, kid: string | undefined, now: number): Promise<VerificationKey> {
    let refreshed = false;
    if (this.#set === undefined || now - this.#fetchedAt > this.#o.maxAgeMs) {
      refreshed = await this.#refresh(now);
      if (this.#set === undefined || now - this.#fetchedAt > this.#o.maxAgeMs + this.#o.staleIfErrorMs) {
        throw this.#unavailable();
      }
    }
    let key = this.#set.find(alg, kid);
    if (key === undefined && !refreshed) {
      // An unknown kid may be a key the IdP just rotated in, or an attacker's guess: refetch,
      // but no more than once per cooldown.
      if (await this.#refresh(now)) key = this.#set.find(alg, kid);
      else if (this.#lastAttemptFailed()) throw this.#unavailable();
    }
    if (key === undefined) throw new TokenError('unknown-kid', 'no published key matches the token header');
    return key;
  }

  #lastAttemptFailed(): boolean {
    return this.#attemptAt > this.#fetchedAt;
  }

  #unavailable(): TokenError {
    return new TokenError('jwks-unavailable', 'the issuer keys could not be fetched', { cause: this.#lastError });
  }

  /** Joins the fetch in flight or starts one if the cooldown allows; true when a fetch succeeded. */
  async #refresh(now: number): Promise<boolean> {
    if (this.#inflight === undefined) {
      if (now - this.#attemptAt < this.#o.cooldownMs) return false;
      this.#attemptAt = now;
      this.#inflight = this.#fetchKeys(now).finally(() => {
        this.#inflight = undefined;
      });
    }
    await this.#inflight.catch(() => undefined);
    return !this.#lastAttemptFailed();
  }

  async #fetchKeys(startedAt: number): Promise<void> {
    this.#fetches++;
    try {
      this.#jwksUri ??= await this.#discover();
      const set = KeySet.fromJwks(await this.#getJson(this.#jwksUri));
      this.#set = set;
      this.#fetchedAt = startedAt;
    } catch (err) {
      this.#failures++;
      this.#lastError = err;
      throw err;
    }
  }

  async #discover(): Promise<string> {
    const url = `${this.#o.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    const doc = (await this.#getJson(url)) as Record<string, unknown> | null;
    if (typeof doc !== 'object' || doc === null) throw new Error('discovery document is not a JSON object');
    // OpenID Connect Discovery §4.3: a document for another issuer must not be used.
    if (doc.issuer !== this.#o.issuer) throw new Error('discovery document is for another issuer');
    const uri = doc.jwks_uri;
    if (typeof uri !== 'string' || !URL.canParse(uri)) throw new Error('discovery document has no valid jwks_uri');
    return uri;
  }

  async #getJson(url: string): Promise<unknown> {
    const res = await this.#o.fetch(url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(this.#o.timeoutMs),
    });
    if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
    const text = await res.text();
    if (text.length > MAX_DOCUMENT_CHARS) throw new Error(`GET ${url}: document too large`);
    return JSON.parse(text);
  }
}
