import type { SessionPrincipal } from '@mss/access';
import type { MailboxScope } from '@mss/store';
import type { SelectedFolder } from './selected.ts';

/** Who a session acts for: the person (IdNat) and the mailbox (BAL) opened, as authorised. */
export interface Identity {
  /** A person's IdNat, or `certificate:<serial>` for an APP's software (AUTHENTICATE EXTERNAL). */
  readonly idnat: string;
  /**
   * Set when an APP's software authenticated with its client certificate, or a structure's staff
   * member with a token of the structure's own identity provider (then `idnat` is theirs).
   */
  readonly principal?: SessionPrincipal;
  readonly mailbox: string;
  /**
   * The capability the decision point returned: the session reaches its mailbox (folders, usage,
   * quota type) only through it, so a command cannot touch another mailbox by mistake.
   */
  readonly scope: MailboxScope;
  readonly clientId: string | null;
  readonly role: string;
}

export interface NotAuthenticated {
  readonly kind: 'not-authenticated';
}

export interface Authenticated {
  readonly kind: 'authenticated';
  readonly identity: Identity;
}

export interface Selected {
  readonly kind: 'selected';
  readonly identity: Identity;
  readonly selected: SelectedFolder;
}

export interface LoggedOut {
  readonly kind: 'logout';
}

/** RFC 3501 §3 (RFC 9051 §3): each state carries what the commands valid in it need. */
export type SessionState = NotAuthenticated | Authenticated | Selected | LoggedOut;

export type StateKind = SessionState['kind'];

export type StateOf<K extends StateKind> = Extract<SessionState, { kind: K }>;

export const NOT_AUTHENTICATED: NotAuthenticated = Object.freeze({ kind: 'not-authenticated' });
export const LOGGED_OUT: LoggedOut = Object.freeze({ kind: 'logout' });

export function inState<K extends StateKind>(state: SessionState, kinds: readonly K[]): state is StateOf<K> {
  return (kinds as readonly StateKind[]).includes(state.kind);
}
