// The webmail's sessions, in this process's memory: a random id in an HttpOnly, SameSite=Lax
// cookie scoped to /webmail names a server-side record holding the person's Pro Santé Connect
// tokens (never sent to the browser), their CSRF token, and the mailboxes they may open as last
// decided. A restart logs everyone out (the next visit goes through PSC again); docs/choices.md.

import { cookie, randomToken } from '@mss/web-kit';
import type { Principal } from '@mss/access';
import type { JmapClient } from './jmap-client.ts';
import type { PscTokens } from './psc-login.ts';

export const SESSION_COOKIE = 'mss_webmail';
export const LOGIN_COOKIE = 'mss_webmail_connexion';
export const COOKIE_PATH = '/webmail';

/** A mailbox the person may open, as the decision point last answered (channel `webmail`). */
export interface OpenableMailbox {
  address: string;
  mailboxId: number;
  type: string;
  /** holder, owner, cotitulaire, delegate, responsible… (the role table's words). */
  role: string;
  /** A delegation's end, when it has one. */
  endAt: string | null;
}

export interface WebmailSession {
  id: string;
  principal: Principal;
  idnat: string;
  displayName: string;
  csrf: string;
  tokens: PscTokens;
  mailboxes: OpenableMailbox[];
  /** JMAP with this person's access token (the webmail's mail screens). */
  jmap: JmapClient;
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

export interface SessionLimits {
  /** Idle limit (default 30 min). */
  idleMs: number;
  /** Absolute limit (default 12 h). */
  maxMs: number;
}

/** Why a request finds no session: shown on the login page (French). */
export type SessionEnd = 'expiree' | 'revoquee' | 'deconnecte';

const LOGIN_MS = 10 * 60 * 1000;

export class Sessions {
  readonly #sessions = new Map<string, WebmailSession>();
  readonly #logins = new Map<string, PendingLogin>();
  /** Why a recently ended session ended, so that its next request can say so. */
  readonly #ended = new Map<string, { why: SessionEnd; at: number }>();
  readonly #now: () => number;
  readonly limits: SessionLimits;

  constructor(options: { now?: () => number; limits?: Partial<SessionLimits> } = {}) {
    this.#now = options.now ?? Date.now;
    this.limits = { idleMs: 30 * 60_000, maxMs: 12 * 3600_000, ...options.limits };
  }

  now(): number {
    return this.#now();
  }

  create(
    input: Pick<WebmailSession, 'principal' | 'idnat' | 'displayName' | 'tokens' | 'mailboxes'>,
    jmap: (token: () => string) => JmapClient,
  ): WebmailSession {
    const now = this.#now();
    const s = { ...input, id: randomToken(), csrf: randomToken(), createdAt: now, seenAt: now } as WebmailSession;
    // The client reads the session's current token: a renewed one is used from the next request on.
    s.jmap = jmap(() => s.tokens.accessToken);
    this.#sessions.set(s.id, s);
    return s;
  }

  /**
   * The live session a request's cookie names, its idle clock restarted; or why there is none
   * (`undefined` when the browser never had one).
   */
  get(req: { headers: { cookie?: string | undefined } }): { session: WebmailSession } | { ended: SessionEnd | undefined } {
    const id = cookie(req, SESSION_COOKIE);
    if (!id) return { ended: undefined };
    const s = this.#sessions.get(id);
    if (!s) return { ended: this.#ended.get(id)?.why ?? 'expiree' };
    const now = this.#now();
    if (now - s.seenAt > this.limits.idleMs || now - s.createdAt > this.limits.maxMs) {
      this.end(s.id, 'expiree');
      return { ended: 'expiree' };
    }
    s.seenAt = now;
    return { session: s };
  }

  end(id: string, why: SessionEnd): void {
    this.#sessions.delete(id);
    this.#ended.set(id, { why, at: this.#now() });
  }

  /** Sessions of one person (to tell their open pages what changed). */
  of(idnat: string): WebmailSession[] {
    return [...this.#sessions.values()].filter((s) => s.idnat === idnat);
  }

  all(): WebmailSession[] {
    return [...this.#sessions.values()];
  }

  startLogin(login: Omit<PendingLogin, 'expiresAt'>): string {
    const id = randomToken();
    this.#logins.set(id, { ...login, expiresAt: this.#now() + LOGIN_MS });
    return id;
  }

  /** The pending login a request's cookie names, used once. */
  takeLogin(req: { headers: { cookie?: string | undefined } }): PendingLogin | undefined {
    const id = cookie(req, LOGIN_COOKIE);
    const login = id ? this.#logins.get(id) : undefined;
    if (id) this.#logins.delete(id);
    return login && login.expiresAt > this.#now() ? login : undefined;
  }

  sweep(): void {
    const now = this.#now();
    for (const [id, s] of this.#sessions)
      if (now - s.seenAt > this.limits.idleMs || now - s.createdAt > this.limits.maxMs) this.end(id, 'expiree');
    for (const [id, l] of this.#logins) if (l.expiresAt <= now) this.#logins.delete(id);
    // An ended session's reason is kept as long as its cookie could still come back.
    for (const [id, e] of this.#ended) if (now - e.at > this.limits.maxMs) this.#ended.delete(id);
  }
}
