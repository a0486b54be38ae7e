// The patient's web sessions and pending FranceConnect logins, in memory (a restart logs
// everyone out: the next visit goes through FranceConnect again). The browser holds only a
// random id in an HttpOnly, SameSite=Lax cookie; every form carries the session's CSRF token.

import type { IncomingMessage } from 'node:http';
import { cookie, randomToken } from '@mss/web-kit';

export const SESSION_COOKIE = 'mes_session';
export const LOGIN_COOKIE = 'mes_connexion';
/** Idle limit of a session, and its absolute limit. */
const IDLE_MS = 30 * 60 * 1000;
const ABSOLUTE_MS = 12 * 3600 * 1000;
/** Time to go through FranceConnect and come back. */
const LOGIN_MS = 10 * 60 * 1000;

export interface PatientSession {
  id: string;
  ins: string;
  displayName: string;
  csrf: string;
  /** For FranceConnect's logout (id_token_hint). */
  idToken: string | undefined;
  createdAt: number;
  seenAt: number;
}

export interface PendingLogin {
  state: string;
  nonce: string;
  verifier: string;
  redirectUri: string;
  expiresAt: number;
}

const token = randomToken;

export class Sessions {
  readonly #sessions = new Map<string, PatientSession>();
  readonly #logins = new Map<string, PendingLogin>();

  create(ins: string, displayName: string, idToken: string | undefined): PatientSession {
    const now = Date.now();
    const s: PatientSession = { id: token(), ins, displayName, csrf: token(), idToken, createdAt: now, seenAt: now };
    this.#sessions.set(s.id, s);
    return s;
  }

  /** The live session a request's cookie names, its idle clock restarted. */
  get(req: IncomingMessage): PatientSession | undefined {
    const id = cookie(req, SESSION_COOKIE);
    const s = id ? this.#sessions.get(id) : undefined;
    if (!s) return undefined;
    const now = Date.now();
    if (now - s.seenAt > IDLE_MS || now - s.createdAt > ABSOLUTE_MS) {
      this.#sessions.delete(s.id);
      return undefined;
    }
    s.seenAt = now;
    return s;
  }

  destroy(id: string): void {
    this.#sessions.delete(id);
  }

  startLogin(login: Omit<PendingLogin, 'expiresAt'>): string {
    const id = token();
    this.#logins.set(id, { ...login, expiresAt: Date.now() + LOGIN_MS });
    return id;
  }

  /** The pending login a request's cookie names, used once. */
  takeLogin(req: IncomingMessage): PendingLogin | undefined {
    const id = cookie(req, LOGIN_COOKIE);
    const login = id ? this.#logins.get(id) : undefined;
    if (id) this.#logins.delete(id);
    return login && login.expiresAt > Date.now() ? login : undefined;
  }

  sweep(): void {
    const now = Date.now();
    for (const [id, s] of this.#sessions) if (now - s.seenAt > IDLE_MS || now - s.createdAt > ABSOLUTE_MS) this.#sessions.delete(id);
    for (const [id, l] of this.#logins) if (l.expiresAt <= now) this.#logins.delete(id);
  }
}
