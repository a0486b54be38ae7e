import type { MailboxAction } from '@mss/domain';
import type { AccessControl } from './access-control.ts';
import { concerns, type RevocationEvent } from './revocation.ts';
import type { Channel, DenyReason, SessionPrincipal } from './types.ts';

export type SessionEndReason = DenyReason | 'token-expired' | 'certificate-expired' | 'certificate-revoked';

/** R-AUTH-4: why an authenticated session ends, in the same words for every protocol. */
export const SESSION_END_TEXT: Record<SessionEndReason, string> = {
  'token-expired': 'Access token expired; reconnect with a fresh one',
  'certificate-expired': 'Client certificate expired; reconnect with a valid one',
  'certificate-revoked': 'Client certificate revoked; reconnect with a valid one',
  'no-right': 'Access to this mailbox has been revoked',
  'action-not-allowed': 'Access to this mailbox has been revoked',
  'cgu-not-accepted': 'New terms of use must be accepted before further access',
  'mailbox-closed': 'This mailbox has been closed',
  'mailbox-suspended': 'This mailbox has been suspended',
  'unknown-mailbox': 'This mailbox no longer exists',
  'invalid-token': 'Access token no longer valid',
};

export interface GuardedSession {
  idnat: string;
  /**
   * Who opened the session, when not the PSC person `idnat` names: an APP's software by its
   * certificate (then `tokenExpiresAt` is the certificate's end of validity), or a structure's
   * staff member by the structure's identity provider (re-decided as such, never as a PSC person).
   */
  principal?: SessionPrincipal;
  mailbox: string;
  mailboxId: number;
  channel: Channel;
  clientId?: string | null;
  /** When the access token that opened the session expires. */
  tokenExpiresAt: Date;
  /** The action the session needs to keep (read for IMAP, send for SMTP). */
  action: MailboxAction;
}

/**
 * Keeps an authenticated protocol session honest after login (R-AUTH-4): it ends the session
 * when the token (or client certificate) expires or the certificate is revoked, and re-decides
 * through AccessControl whenever a revocation event may concern it. `onEnd` is called at most once.
 */
export class SessionGuard {
  private readonly access: AccessControl;
  private readonly session: GuardedSession;
  private readonly onEnd: (reason: SessionEndReason) => void;
  private readonly unsubscribe: () => void;
  private timer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(access: AccessControl, session: GuardedSession, onEnd: (reason: SessionEndReason) => void) {
    this.access = access;
    this.session = session;
    this.onEnd = onEnd;
    this.unsubscribe = access.bus.subscribe((e) => this.onEvent(e));
    this.armExpiry();
  }

  get active(): boolean {
    return !this.ended;
  }

  /** Stops watching (the session ended on its own). */
  close(): void {
    this.ended = true;
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
  }

  private armExpiry(): void {
    // setTimeout takes at most ~24.8 days; re-arm in steps for longer tokens.
    const ms = this.session.tokenExpiresAt.getTime() - Date.now();
    const expired = this.session.principal?.kind === 'application' ? 'certificate-expired' : 'token-expired';
    if (ms <= 0) {
      queueMicrotask(() => this.end(expired));
      return;
    }
    this.timer = setTimeout(
      () => (Date.now() >= this.session.tokenExpiresAt.getTime() ? this.end(expired) : this.armExpiry()),
      Math.min(ms, 2 ** 31 - 1),
    );
    this.timer.unref();
  }

  private onEvent(event: RevocationEvent): void {
    if (this.ended || !concerns(event, this.session)) return;
    // The certificate itself is withdrawn: like an expired token, the credential is gone, whatever
    // the decision would say about the mailbox.
    if (event.kind === 'certificate-revoked') return this.end('certificate-revoked');
    void this.access
      .decide({
        principal: this.session.principal ?? { kind: 'person', idnat: this.session.idnat },
        mailbox: this.session.mailbox,
        action: this.session.action,
        channel: this.session.channel,
        clientId: this.session.clientId ?? null,
      })
      .then((d) => {
        if (!d.allowed) this.end(d.reason);
      })
      // If the re-check itself fails (database down), fail closed.
      .catch(() => this.end('no-right'));
  }

  private end(reason: SessionEndReason): void {
    if (this.ended) return;
    this.close();
    this.onEnd(reason);
  }
}
