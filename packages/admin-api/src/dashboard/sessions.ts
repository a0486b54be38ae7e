// The dashboard's login sessions: a random id in an HttpOnly, SameSite=Strict cookie, remembered
// in this process's memory for a few hours. A restart logs everyone out, which is acceptable for
// an administrator's page (docs/choices.md, "Dashboard login").

import { randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'mss_indicateurs';

export class AdminSessions {
  private readonly sessions = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: { ttlMs?: number; now?: () => number } = {}) {
    this.ttlMs = options.ttlMs ?? 8 * 3600_000;
    this.now = options.now ?? Date.now;
  }

  open(): string {
    this.prune();
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, this.now() + this.ttlMs);
    return id;
  }

  valid(id: string | undefined): boolean {
    if (!id) return false;
    const expires = this.sessions.get(id);
    if (expires === undefined) return false;
    if (expires <= this.now()) {
      this.sessions.delete(id);
      return false;
    }
    return true;
  }

  close(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  private prune(): void {
    const now = this.now();
    for (const [id, expires] of this.sessions) if (expires <= now) this.sessions.delete(id);
  }

  /** The Set-Cookie value that opens (or, with no id, ends) the session. Path-scoped to the dashboard. */
  cookie(id: string | null): string {
    const base = `${SESSION_COOKIE}=${id ?? ''}; Path=/indicateurs; HttpOnly; SameSite=Strict`;
    return id === null ? `${base}; Max-Age=0` : `${base}; Max-Age=${Math.floor(this.ttlMs / 1000)}`;
  }
}

/** The session id sent by the browser, from the Cookie header. */
export function sessionOf(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return value.join('=');
  }
  return undefined;
}
