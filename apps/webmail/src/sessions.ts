// The webmail's sessions, rows of the operator's database (`web_sessions`): a random secret in an
// HttpOnly, SameSite=Lax cookie scoped to /webmail names a server-side record holding the person's
// Pro Santé Connect tokens (never sent to the browser), their CSRF token, and the mailboxes they
// may open as last decided. Every node reads the same rows, and a restart logs no one out; the
// rows are sealed with the cookie's secret (sealed.ts). docs/choices.md, "Webmail sessions".

import { cookie, randomToken } from '@mss/web-kit';
import type { Principal } from '@mss/access';
import type { Store } from '@mss/store';
import type { JmapClient } from './jmap-client.ts';
import type { PscTokens } from './psc-login.ts';
import { rowId, seal, unseal } from './sealed.ts';

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
/** The idle clock is written back at most this often (one write per minute of use, not per page). */
const TOUCH_MS = 60_000;
const APP = 'webmail';

/** What a session row holds, sealed. */
type SessionData = Pick<WebmailSession, 'principal' | 'idnat' | 'displayName' | 'csrf' | 'tokens' | 'mailboxes' | 'createdAt'>;

export class Sessions {
  readonly #store: Store;
  readonly #jmap: (token: () => string) => JmapClient;
  /** Why a session ended on this node, so that its next request can say so (shown on the login page only). */
  readonly #ended = new Map<string, { why: SessionEnd; at: number }>();
  /** What was last written of each live session object: saved again only when it changed. */
  readonly #written = new WeakMap<WebmailSession, { data: string; expiresAt: number }>();
  readonly #now: () => number;
  readonly limits: SessionLimits;

  constructor(options: {
    store: Store;
    jmap: (token: () => string) => JmapClient;
    now?: (() => number) | undefined;
    limits?: Partial<SessionLimits> | undefined;
  }) {
    this.#store = options.store;
    this.#jmap = options.jmap;
    this.#now = options.now ?? Date.now;
    this.limits = { idleMs: 30 * 60_000, maxMs: 12 * 3600_000, ...options.limits };
  }

  now(): number {
    return this.#now();
  }

  #iso(ms: number): string {
    return new Date(ms).toISOString();
  }

  #expiry(s: { createdAt: number }, seenAt: number): number {
    return Math.min(seenAt + this.limits.idleMs, s.createdAt + this.limits.maxMs);
  }

  #live(id: string, data: SessionData, seenAt: number): WebmailSession {
    const s = { ...data, id, seenAt } as WebmailSession;
    // The client reads the session's current token: a renewed one is used from the next request on.
    s.jmap = this.#jmap(() => s.tokens.accessToken);
    return s;
  }

  #data(s: WebmailSession): SessionData {
    const { principal, idnat, displayName, csrf, tokens, mailboxes, createdAt } = s;
    return { principal, idnat, displayName, csrf, tokens, mailboxes, createdAt };
  }

  async create(input: Pick<WebmailSession, 'principal' | 'idnat' | 'displayName' | 'tokens' | 'mailboxes'>): Promise<WebmailSession> {
    const now = this.#now();
    const s = this.#live(randomToken(), { ...input, csrf: randomToken(), createdAt: now }, now);
    const expiresAt = this.#expiry(s, now);
    const json = JSON.stringify(this.#data(s));
    await this.#store.webSessions.insert({
      id: rowId(s.id),
      app: APP,
      kind: 'session',
      subject: s.idnat,
      created_at: this.#iso(now),
      expires_at: this.#iso(expiresAt),
      data: seal(s.id, this.#data(s)),
    });
    this.#written.set(s, { data: json, expiresAt });
    return s;
  }

  /**
   * The live session a request's cookie names, its idle clock restarted; or why there is none
   * (`undefined` when the browser never had one).
   */
  async get(req: { headers: { cookie?: string | undefined } }): Promise<{ session: WebmailSession } | { ended: SessionEnd | undefined }> {
    const id = cookie(req, SESSION_COOKIE);
    if (!id) return { ended: undefined };
    const now = this.#now();
    const row = await this.#store.webSessions.get(rowId(id), this.#iso(now));
    const data = row?.kind === 'session' ? unseal<SessionData>(id, row.data) : undefined;
    if (!row || !data) return { ended: this.#ended.get(id)?.why ?? 'expiree' };
    const s = this.#live(id, data, now);
    this.#written.set(s, { data: JSON.stringify(data), expiresAt: Date.parse(row.expires_at) });
    await this.save(s);
    return { session: s };
  }

  /** Writes what changed of a session (tokens renewed, mailboxes decided again, its idle clock). */
  async save(s: WebmailSession): Promise<void> {
    const before = this.#written.get(s);
    const json = JSON.stringify(this.#data(s));
    const expiresAt = this.#expiry(s, s.seenAt);
    const changed = before?.data !== json;
    if (!changed && before && expiresAt - before.expiresAt < TOUCH_MS) return;
    await this.#store.webSessions.update(rowId(s.id), {
      expires_at: this.#iso(expiresAt),
      ...(changed ? { data: seal(s.id, this.#data(s)) } : {}),
    });
    this.#written.set(s, { data: json, expiresAt });
  }

  /** Ends a session: its row is deleted, on every node at once. */
  async end(id: string, why: SessionEnd): Promise<void> {
    await this.#store.webSessions.delete(rowId(id));
    this.#ended.set(id, { why, at: this.#now() });
  }

  async startLogin(login: Omit<PendingLogin, 'expiresAt'>): Promise<string> {
    const id = randomToken();
    const now = this.#now();
    await this.#store.webSessions.insert({
      id: rowId(id),
      app: APP,
      kind: 'login',
      subject: null,
      created_at: this.#iso(now),
      expires_at: this.#iso(now + LOGIN_MS),
      data: seal(id, login),
    });
    return id;
  }

  /** The pending login a request's cookie names, used once (whichever node PSC sends the browser back to). */
  async takeLogin(req: { headers: { cookie?: string | undefined } }): Promise<PendingLogin | undefined> {
    const id = cookie(req, LOGIN_COOKIE);
    if (!id) return undefined;
    const now = this.#now();
    const row = await this.#store.webSessions.take(rowId(id), this.#iso(now));
    const login = row?.kind === 'login' ? unseal<Omit<PendingLogin, 'expiresAt'>>(id, row.data) : undefined;
    return login && row ? { ...login, expiresAt: Date.parse(row.expires_at) } : undefined;
  }

  async sweep(): Promise<void> {
    const now = this.#now();
    await this.#store.webSessions.deleteExpired(this.#iso(now));
    // An ended session's reason is kept as long as its cookie could still come back.
    for (const [id, e] of this.#ended) if (now - e.at > this.limits.maxMs) this.#ended.delete(id);
  }
}
