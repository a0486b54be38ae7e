// Who is calling and which accounts they have (RFC 8620 §2): a Pro Santé Connect bearer token
// (or a structure's staff token), validated as for SASL XOAUTH2, names a person; the person's
// JMAP accounts are the MSSanté mailboxes they may open, each decided and audited by the one
// decision point of @mss/access. Like an IMAP session, a JMAP session keeps what its decisions
// gave (a MailboxScope per account) and a SessionGuard per account re-decides on every
// revocation that may concern it (R-AUTH-4): a revoked account disappears at once.

import { createHash } from 'node:crypto';
import {
  principalOf,
  SessionGuard,
  TokenError,
  type AccessControl,
  type Principal,
  type SessionEndReason,
  type TokenValidator,
} from '@mss/access';
import type { MailboxRole, MailboxType } from '@mss/domain';
import type { MailboxScope } from '@mss/store';

/** The mailboxes a person holds a role on (own PER, CAB owner or cotitulaire, delegate, ORG/APP responsible). */
export type CandidateMailboxes = (principal: Principal) => Promise<{ address: string }[]>;

export interface JmapAccount {
  /** `A` and the mailbox's row id: stable, never reused, and says nothing a holder does not know. */
  readonly id: string;
  readonly address: string;
  readonly type: MailboxType;
  readonly role: MailboxRole;
  readonly scope: MailboxScope;
  readonly guard: SessionGuard;
}

export type SessionEvent = { kind: 'account-lost'; accountId: string; reason: SessionEndReason } | { kind: 'expired' };

/** RFC 8620 §2 "username" and the accounts of one bearer token. */
export class JmapSession {
  readonly principal: Principal & { idnat: string };
  readonly clientId: string | null;
  readonly expiresAt: Date;
  readonly accounts = new Map<string, JmapAccount>();
  /** Accounts this session had and lost, with why (R-AUTH-4), until a refresh decides them again. */
  readonly lost = new Map<string, SessionEndReason>();
  /** Requests in flight (RFC 8620 §2 maxConcurrentRequests). */
  inFlight = 0;
  private readonly listeners = new Set<(e: SessionEvent) => void>();
  private readonly access: AccessControl;
  private readonly candidates: CandidateMailboxes;
  private refreshing: Promise<void> | undefined;
  /** Kept for EmailSubmission (the submission listener authenticates the person with it); never logged or serialised. */
  readonly #token: string;
  ended = false;

  constructor(
    access: AccessControl,
    candidates: CandidateMailboxes,
    who: { principal: Principal & { idnat: string }; clientId: string | null; expiresAt: Date; token: string },
  ) {
    this.#token = who.token;
    this.access = access;
    this.candidates = candidates;
    this.principal = who.principal;
    this.clientId = who.clientId;
    this.expiresAt = who.expiresAt;
  }

  bearerToken(): string {
    return this.#token;
  }

  get username(): string {
    return this.principal.idnat;
  }

  /** RFC 8620 §2 sessionState: changes whenever the set of accounts does. */
  get state(): string {
    const ids = [...this.accounts.keys()].sort().join(',');
    return createHash('sha256').update(ids).digest('base64url').slice(0, 16);
  }

  onEvent(listener: (e: SessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: SessionEvent): void {
    for (const l of [...this.listeners]) l(e);
  }

  /**
   * Decides every mailbox the person holds a role on and that this session does not have yet
   * (audited, channel `jmap`); those allowed become accounts. One refresh at a time.
   */
  refresh(): Promise<void> {
    this.refreshing ??= this.refreshNow().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async refreshNow(): Promise<void> {
    const have = new Set([...this.accounts.values()].map((a) => a.address.toLowerCase()));
    for (const c of await this.candidates(this.principal)) {
      if (have.has(c.address.toLowerCase())) continue;
      const d = await this.access.decide({
        principal: this.principal,
        mailbox: c.address,
        action: 'read',
        channel: 'jmap',
        clientId: this.clientId,
      });
      if (!d.allowed || this.ended) continue;
      const id = `A${d.mailboxId}`;
      await d.scope.transaction(async (box) => {
        // As an IMAP login does: the mailbox's standard folders exist once someone opens it.
        for (const name of STANDARD_FOLDERS) await box.ensureFolder(name);
      });
      const guard = new SessionGuard(
        this.access,
        {
          idnat: this.principal.idnat,
          ...(this.principal.kind === 'local-person' ? { principal: this.principal } : {}),
          mailbox: d.address,
          mailboxId: d.mailboxId,
          channel: 'jmap',
          clientId: this.clientId,
          tokenExpiresAt: this.expiresAt,
          action: 'read',
        },
        (reason) => this.loseAccount(id, reason),
      );
      this.accounts.set(id, { id, address: d.address, type: d.mailboxType, role: d.role, scope: d.scope, guard });
      this.lost.delete(id);
    }
  }

  private loseAccount(id: string, reason: SessionEndReason): void {
    if (!this.accounts.delete(id)) return;
    this.lost.set(id, reason);
    this.emit({ kind: 'account-lost', accountId: id, reason });
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const a of this.accounts.values()) a.guard.close();
    this.accounts.clear();
    this.emit({ kind: 'expired' });
  }
}

/** RFC 6154 folders, made the first time a mailbox is opened (the same as IMAP's). */
export const STANDARD_FOLDERS = ['INBOX', 'Sent', 'Drafts', 'Trash', 'Junk'];

export type AuthOutcome =
  | { ok: true; session: JmapSession }
  | { ok: false; status: 401 | 503; error: 'invalid_request' | 'invalid_token' | 'temporarily_unavailable'; description: string };

/**
 * The sessions of live tokens, by the token's digest (the token itself is never kept). A
 * session ends when its token expires; the next request with that token is then refused (401).
 */
export class JmapSessions {
  private readonly sessions = new Map<string, { session: JmapSession; timer: NodeJS.Timeout }>();
  private readonly access: AccessControl;
  private readonly validator: TokenValidator;
  private readonly candidates: CandidateMailboxes;

  constructor(options: { access: AccessControl; validator: TokenValidator; candidates: CandidateMailboxes }) {
    this.access = options.access;
    this.validator = options.validator;
    this.candidates = options.candidates;
  }

  /** RFC 6750 §2.1: `Authorization: Bearer <token>`. */
  async authenticate(authorization: string | undefined): Promise<AuthOutcome> {
    const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization ?? '');
    if (!m) return { ok: false, status: 401, error: 'invalid_request', description: 'a Pro Santé Connect bearer token is required' };
    const token = m[1]!;
    const key = createHash('sha256').update(token).digest('base64url');
    const known = this.sessions.get(key);
    if (known && !known.session.ended) return { ok: true, session: known.session };
    let validated;
    try {
      validated = await this.validator.validate(token);
    } catch (err) {
      const code = err instanceof TokenError ? err.code : 'error';
      await this.access.recordTokenFailure({ mailbox: null, channel: 'jmap', code });
      if (code === 'jwks-unavailable')
        return { ok: false, status: 503, error: 'temporarily_unavailable', description: 'the identity provider cannot be reached' };
      return { ok: false, status: 401, error: 'invalid_token', description: 'the access token is not valid' };
    }
    const principal = principalOf(validated) as Principal & { idnat: string };
    const session = new JmapSession(this.access, this.candidates, {
      principal,
      clientId: validated.clientId ?? null,
      expiresAt: validated.expiresAt,
      token,
    });
    // Two first requests with one token at once: one session.
    const raced = this.sessions.get(key);
    if (raced && !raced.session.ended) return { ok: true, session: raced.session };
    const ms = Math.max(0, Math.min(validated.expiresAt.getTime() - Date.now(), 2 ** 31 - 1));
    const timer = setTimeout(() => this.drop(key), ms);
    timer.unref();
    this.sessions.set(key, { session, timer });
    await session.refresh();
    return { ok: true, session };
  }

  private drop(key: string): void {
    const s = this.sessions.get(key);
    if (!s) return;
    this.sessions.delete(key);
    clearTimeout(s.timer);
    s.session.end();
  }

  close(): void {
    for (const key of [...this.sessions.keys()]) this.drop(key);
  }
}
