// The plumbing of a stand-in's own web site that people log in to through an OpenID provider (Mon
// Espace Santé's patient mailbox with FranceConnect, the RPPS+ portal with FranceConnect or Pro
// Santé Connect): sessions in memory (a restart logs everyone out: the next visit goes through
// the provider again), the browser holding only a random id in an HttpOnly, SameSite=Lax cookie;
// the pending login in a cookie of its own for the way to the provider and back; every form
// carrying the session's CSRF token; pages that run no script.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { cookie, randomToken, sameToken, setCookie } from '@mss/web-kit';

/** What every session holds, besides what the site knows of the person. */
export interface SiteSession {
  id: string;
  csrf: string;
  /** For the provider's logout (id_token_hint). */
  idToken: string | undefined;
  createdAt: number;
  seenAt: number;
}

/** A login under way: what the relying party checks when the browser comes back (state, nonce, PKCE). */
export interface SitePendingLogin {
  state: string;
  nonce: string;
  verifier: string;
  redirectUri: string;
  expiresAt: number;
}

export interface WebSiteOptions {
  /** The session's cookie and the pending login's. */
  cookies: { session: string; login: string };
  /** Mark cookies `Secure` (browsers keep them on http://127.0.0.1 and http://localhost, secure contexts). */
  secure: boolean;
  /** Where forms may go besides the site itself (the providers, through the logout's redirect): CSP form-action. */
  formOrigins: readonly string[];
}

/** Where to send the browser and what to keep until it comes back (an `OidcRelyingParty` of @mss/web-kit). */
export interface LoginStarter {
  start(redirectUri: string): Promise<{ url: URL; state: string; nonce: string; verifier: string }>;
}

/** Idle limit of a session, and its absolute limit. */
const IDLE_MS = 30 * 60 * 1000;
const ABSOLUTE_MS = 12 * 3600 * 1000;
/** Time to go through the provider and come back. */
const LOGIN_MS = 10 * 60 * 1000;

/** What `T` holds besides `Base`'s fields (member by member when `T` is a union: a session that is one of several kinds). */
type Extra<T, Base> = T extends unknown ? Omit<T, keyof Base> : never;
type Headers = Record<string, string | string[]>;

/**
 * One site's sessions and pending logins, and the answers every page shares. `S` is the site's
 * session (what it knows of the person), `L` its pending login (e.g. which provider).
 */
export class WebSite<S extends SiteSession, L extends SitePendingLogin = SitePendingLogin> {
  readonly #sessions = new Map<string, S>();
  readonly #logins = new Map<string, L>();
  readonly #options: WebSiteOptions;
  readonly #headers: Record<string, string>;
  /** Forgets ended sessions and logins every minute (does not keep the process alive). */
  readonly sweeper: NodeJS.Timeout;

  constructor(options: WebSiteOptions) {
    this.#options = options;
    this.#headers = {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      // same-origin, not no-referrer: with no-referrer, browsers send `Origin: null` on our own form posts.
      'referrer-policy': 'same-origin',
      // No script at all, whatever a page shows.
      'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${options.formOrigins.join(' ')}; frame-ancestors 'none'; base-uri 'none'`,
    };
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  // --- answers (each returns true: the request is answered) ------------------------------------

  send(res: ServerResponse, status: number, html: string, extra: Headers = {}): true {
    res.writeHead(status, { ...this.#headers, ...extra });
    res.end(html);
    return true;
  }

  redirect(res: ServerResponse, location: string, extra: Headers = {}): true {
    res.writeHead(303, { location, 'cache-control': 'no-store', 'content-length': '0', ...extra });
    res.end();
    return true;
  }

  /** The site's own origin as the browser reached it. */
  base(req: IncomingMessage): string {
    return `http://${req.headers.host ?? 'localhost'}`;
  }

  /** A POST must carry the session's token and, when the browser says where it comes from, come from here. */
  trusted(req: IncomingMessage, s: S, token: string | null | undefined): boolean {
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== this.base(req)) return false;
    return typeof token === 'string' && sameToken(token, s.csrf);
  }

  // --- logging in and out -----------------------------------------------------------------------

  /** Sends the browser to the provider, back to `callbackPath`; the pending login (with `extra`) in its cookie. */
  async startLogin(req: IncomingMessage, res: ServerResponse, rp: LoginStarter, callbackPath: string, extra: Extra<L, SitePendingLogin>) {
    const redirectUri = `${this.base(req)}${callbackPath}`;
    const start = await rp.start(redirectUri);
    const id = randomToken();
    const login = {
      ...extra,
      state: start.state,
      nonce: start.nonce,
      verifier: start.verifier,
      redirectUri,
      expiresAt: Date.now() + LOGIN_MS,
    };
    // The site's fields and ours make an L; TypeScript does not follow a spread of a generic type.
    this.#logins.set(id, login as unknown as L);
    return this.redirect(res, start.url.href, { 'set-cookie': this.#cookie('login', id, 600) });
  }

  /** The pending login the request's cookie names, used once (undefined when unknown or too old), and the header that clears its cookie. */
  takeLogin(req: IncomingMessage): { pending: L | undefined; clear: string } {
    const id = cookie(req, this.#options.cookies.login);
    const login = id ? this.#logins.get(id) : undefined;
    if (id) this.#logins.delete(id);
    return { pending: login && login.expiresAt > Date.now() ? login : undefined, clear: this.#cookie('login', '', 0) };
  }

  /** A new session for who logged in, its cookie set, and on to `location` (the pending login's cookie cleared). */
  logIn(res: ServerResponse, who: Extra<S, SiteSession>, idToken: string | undefined, location: string, clear: string): S {
    const now = Date.now();
    const s = { ...who, id: randomToken(), csrf: randomToken(), idToken, createdAt: now, seenAt: now } as unknown as S;
    this.#sessions.set(s.id, s);
    this.redirect(res, location, { 'set-cookie': [clear, this.#cookie('session', s.id)] });
    return s;
  }

  /** Ends the session here, then on to the provider's logout when there is one, else `fallback`. */
  logOut(res: ServerResponse, s: S, providerLogout: URL | undefined, fallback: string): true {
    this.#sessions.delete(s.id);
    return this.redirect(res, providerLogout?.href ?? fallback, { 'set-cookie': this.#cookie('session', '', 0) });
  }

  // --- sessions ---------------------------------------------------------------------------------

  /** The live session a request's cookie names, its idle clock restarted. */
  session(req: IncomingMessage): S | undefined {
    const id = cookie(req, this.#options.cookies.session);
    const s = id ? this.#sessions.get(id) : undefined;
    if (!s) return undefined;
    const now = Date.now();
    if (this.#ended(s, now)) {
      this.#sessions.delete(s.id);
      return undefined;
    }
    s.seenAt = now;
    return s;
  }

  /**
   * The live session, or "Session expirée" answered: a page asked for (GET) goes back to the home
   * page which says so (`/?erreur=session`); a form sent (anything else) gets `expired` as a 401,
   * so that a browser re-posting it does not loop.
   */
  sessionOrAnswer(req: IncomingMessage, res: ServerResponse, expired: () => string): S | undefined {
    const s = this.session(req);
    if (s) return s;
    if ((req.method ?? 'GET') === 'GET') this.redirect(res, '/?erreur=session');
    else this.send(res, 401, expired());
    return undefined;
  }

  sweep(): void {
    const now = Date.now();
    for (const [id, s] of this.#sessions) if (this.#ended(s, now)) this.#sessions.delete(id);
    for (const [id, l] of this.#logins) if (l.expiresAt <= now) this.#logins.delete(id);
  }

  #ended(s: S, now: number): boolean {
    return now - s.seenAt > IDLE_MS || now - s.createdAt > ABSOLUTE_MS;
  }

  #cookie(which: 'session' | 'login', value: string, maxAgeSeconds?: number): string {
    return setCookie(this.#options.cookies[which], value, {
      secure: this.#options.secure,
      ...(maxAgeSeconds === undefined ? {} : { maxAgeSeconds }),
    });
  }
}
