// The portal's web sessions and pending logins, in memory (a restart logs everyone out). The
// browser holds only a random id in an HttpOnly, SameSite=Lax cookie; every form carries the
// session's CSRF token. A session is a secretary's (FranceConnect) or a titular's (PSC).

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { PendingLogin } from './oidc-login.ts';

export const SESSION_COOKIE = 'rpps_session';
export const LOGIN_COOKIE = 'rpps_connexion';
const IDLE_MS = 30 * 60 * 1000;
const ABSOLUTE_MS = 12 * 3600 * 1000;
const LOGIN_MS = 10 * 60 * 1000;

/** What FranceConnect told us about the secretary (the identity pivot), to prefill her request. */
export interface FranceConnectIdentity {
  sub: string;
  givenName: string;
  familyName: string;
  birthdate: string;
  gender: string;
  email: string;
}

export type Who =
  | { kind: 'secretary'; identity: FranceConnectIdentity; displayName: string }
  | { kind: 'titular'; idnat: string; displayName: string };

export type PortalSession = Who & {
  id: string;
  csrf: string;
  idToken: string | undefined;
  createdAt: number;
  seenAt: number;
};

export interface PendingPortalLogin extends PendingLogin {
  provider: 'franceconnect' | 'psc';
  redirectUri: string;
  expiresAt: number;
}

const token = () => randomBytes(32).toString('base64url');

export class Sessions {
  readonly #sessions = new Map<string, PortalSession>();
  readonly #logins = new Map<string, PendingPortalLogin>();

  create(who: Who, idToken: string | undefined): PortalSession {
    const now = Date.now();
    const s = { ...who, id: token(), csrf: token(), idToken, createdAt: now, seenAt: now } as PortalSession;
    this.#sessions.set(s.id, s);
    return s;
  }

  get(req: IncomingMessage): PortalSession | undefined {
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

  startLogin(login: Omit<PendingPortalLogin, 'expiresAt'>): string {
    const id = token();
    this.#logins.set(id, { ...login, expiresAt: Date.now() + LOGIN_MS });
    return id;
  }

  /** The pending login a request's cookie names, used once. */
  takeLogin(req: IncomingMessage): PendingPortalLogin | undefined {
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

export function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function setCookie(name: string, value: string, options: { secure: boolean; maxAgeSeconds?: number }): string {
  const parts = [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (options.secure) parts.push('Secure');
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${options.maxAgeSeconds}`);
  return parts.join('; ');
}

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
