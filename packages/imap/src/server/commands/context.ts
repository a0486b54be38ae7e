import type { X509Certificate } from 'node:crypto';
import type { Logger } from '@mss/runtime';
import type { Command, EncodedCode } from '../../protocol/index.ts';
import type { ImapSessionOptions } from '../options.ts';
import type { SharedMail } from '../shared-mail.ts';
import type { SelectedFolder } from '../selected.ts';
import { inState, type Authenticated, type Identity, type Selected, type SessionState, type StateKind, type StateOf } from '../state.ts';
import { ImapNo } from './errors.ts';

/** The client's next line during a SASL exchange: base64 text, or `*` (cancelled). */
export type SaslReply = { cancel: true } | { cancel: false; data: string };

/**
 * What a command handler may ask of its session. The session owns the socket, the framing, the
 * output buffer and the state; handlers answer commands through this and nothing else. There is
 * no store here: a handler reaches the mailbox through the state's `identity.scope` (and the
 * selected folder's handle), and what belongs to no mailbox through `shared`.
 */
export interface SessionContext {
  readonly opts: ImapSessionOptions;
  readonly shared: SharedMail;
  readonly log: Logger;
  readonly state: SessionState;
  readonly tlsActive: boolean;
  /** Extensions the client turned on (ENABLE, or SELECT … (CONDSTORE)): `CONDSTORE`. */
  readonly enabled: Set<string>;
  /** Queues a response; everything queued leaves together when the command is done. */
  write(data: Buffer): void;
  flush(): void;
  ok(tag: string, text: string, responseCode?: EncodedCode | null): void;
  bad(tag: string | null, text: string, responseCode?: 'LIMIT' | 'CLIENTBUG'): void;
  capabilities(): string;
  /** The authentication step succeeded: folders are ensured and the session guarded (R-AUTH-4). */
  becomeAuthenticated(identity: Identity, expiresAt: Date): Promise<Authenticated>;
  enterSelected(identity: Identity, selected: SelectedFolder): Selected;
  /** Leaves the selected state (the shared index is let go); a no-op otherwise. */
  deselect(): void;
  /** Before a FETCH shows these flags: a keyword the client was not told of gets `* FLAGS` first (RFC 3501 §7.2.6). */
  showingFlags(flags: readonly string[]): void;
  /** Announces what changed in the selected folder; expunges only where RFC 3501 §7.4.1 allows. */
  pushUpdates(allowExpunge?: boolean, fresh?: boolean, mark?: number): Promise<void>;
  readSaslResponse(): Promise<SaslReply>;
  /** The client certificate of the TLS session, if the client presented one (AUTHENTICATE EXTERNAL). */
  peerCertificate(): X509Certificate | undefined;
  startTls(tag: string): void;
  logout(tag: string): void;
  startIdle(tag: string): Promise<void>;
}

export interface CommandHandler<C extends Command> {
  /** The states the command is valid in (RFC 3501 §6). */
  readonly states: readonly StateKind[];
  /** Checks the state once, then runs the command with the state narrowed. */
  run(ctx: SessionContext, cmd: C, state: SessionState): Promise<void> | void;
}

/** A handler receives its command and the state it is valid in, already checked. */
export type Handler<C extends Command, K extends StateKind> = (ctx: SessionContext, cmd: C, state: StateOf<K>) => Promise<void> | void;

const NOT_HERE = {
  'not-authenticated': 'Authenticate first',
  authenticated: 'Select a folder first',
  selected: 'Not allowed in this state',
  logout: 'Not allowed in this state',
} as const;

/**
 * A command valid in `states`; `refused` replaces the default `NO` text when it is not
 * (e.g. AUTHENTICATE once authenticated).
 */
export function command<C extends Command, K extends StateKind>(
  states: readonly K[],
  run: Handler<C, K>,
  refused?: string,
): CommandHandler<C> {
  return {
    states,
    run(ctx, cmd, state) {
      if (!inState(state, states)) throw new ImapNo(refused ?? NOT_HERE[state.kind]);
      return run(ctx, cmd, state);
    },
  };
}

export const ANY_STATE = ['not-authenticated', 'authenticated', 'selected'] as const;
export const AUTHENTICATED = ['authenticated', 'selected'] as const;
export const SELECTED = ['selected'] as const;

/** The states a command valid in authenticated and selected states receives. */
export type AuthenticatedState = StateOf<'authenticated' | 'selected'>;
