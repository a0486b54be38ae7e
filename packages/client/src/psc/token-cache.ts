// One person's PSC tokens kept between calls: reused while valid, refreshed shortly before they
// expire (the operator refuses an expired token and ends the session, R-AUTH-4), and a new CIBA
// approval asked only when the refresh token is gone too. One request at a time per person.

import { MssClientError } from '../errors.ts';
import type { CibaOptions, CibaRequest, PscClient, TokenSet } from './psc-client.ts';

export interface TokenCacheOptions {
  /** Refresh when fewer seconds than this remain (default 60: a mail session has time to log in). */
  readonly refreshMarginSeconds?: number;
  /** Told when the person must approve on their e-CPS (show the binding message, say "check your phone"). */
  readonly onApprovalRequested?: (idnat: string, request: CibaRequest) => void | Promise<void>;
  readonly ciba?: CibaOptions;
  readonly now?: () => number;
}

export type TokenSource = 'cache' | 'refresh' | 'ciba';

export class TokenCache {
  readonly #psc: PscClient;
  readonly #options: TokenCacheOptions;
  readonly #tokens = new Map<string, TokenSet>();
  readonly #inFlight = new Map<string, Promise<TokenSet>>();
  /** How the last token of each person was obtained (for logs and tests). */
  readonly lastSource = new Map<string, TokenSource>();

  constructor(psc: PscClient, options: TokenCacheOptions = {}) {
    this.#psc = psc;
    this.#options = options;
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  /** Tokens obtained elsewhere (a web login): kept and refreshed like the others. */
  set(idnat: string, tokens: TokenSet): void {
    this.#tokens.set(idnat, tokens);
  }

  forget(idnat: string): void {
    this.#tokens.delete(idnat);
  }

  /** A valid access token for the person, for XOAUTH2's `auth=Bearer` or an HTTP API. */
  async accessToken(idnat: string): Promise<string> {
    return (await this.tokens(idnat)).accessToken;
  }

  async tokens(idnat: string): Promise<TokenSet> {
    const pending = this.#inFlight.get(idnat);
    if (pending) return pending;
    const p = this.#obtain(idnat).finally(() => this.#inFlight.delete(idnat));
    this.#inFlight.set(idnat, p);
    return p;
  }

  async #obtain(idnat: string): Promise<TokenSet> {
    const margin = (this.#options.refreshMarginSeconds ?? 60) * 1000;
    const now = this.#now();
    const held = this.#tokens.get(idnat);
    if (held && held.expiresAt - margin > now) {
      this.lastSource.set(idnat, 'cache');
      return held;
    }
    if (held?.refreshToken && (held.refreshExpiresAt === undefined || held.refreshExpiresAt > now)) {
      try {
        const fresh = await this.#psc.refresh(held);
        this.#tokens.set(idnat, fresh);
        this.lastSource.set(idnat, 'refresh');
        return fresh;
      } catch (err) {
        // A revoked or expired grant: ask the person again rather than fail.
        if (!(err instanceof MssClientError && err.code === 'PSC_NO_REFRESH')) throw err;
      }
    }
    const request = await this.#psc.requestApproval(idnat, this.#options.ciba);
    await this.#options.onApprovalRequested?.(idnat, request);
    const tokens = await this.#psc.waitForApproval(request);
    this.#tokens.set(idnat, tokens);
    this.lastSource.set(idnat, 'ciba');
    return tokens;
  }
}
