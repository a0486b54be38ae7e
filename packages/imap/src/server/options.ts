import type { SecureContextOptions } from 'node:tls';
import type { AccessControl, CertificateValidator, TokenValidator } from '@mss/access';
import type { Logger, ServiceEvents } from '@mss/runtime';
import type { MailboxQuotas } from '@mss/domain';
import type { Store } from '@mss/store';
import type { Identity } from './state.ts';

/**
 * Checks `LOGIN <userid> <password>` (RFC 3501 §6.2.3) and says whom the session acts for (with
 * the MailboxScope it may use); null refuses. No listener of the operator has one (LOGIN is
 * disabled there: a password would skip the token and the decision point); the bench passes its
 * own so that standard load tools work.
 */
export type LoginHook = (userid: string, password: string) => Promise<{ identity: Identity; expiresAt: Date; text?: string } | null>;

export interface ImapServerOptions {
  store: Store;
  access: AccessControl;
  tokenValidator: TokenValidator;
  logger: Logger;
  /** Each command read, for the operator's metrics. */
  events?: ServiceEvents;
  /** At stop, how long commands in progress may take to answer before their sessions are cut (default 10 s). */
  drainTimeoutMs?: number;
  host: string;
  port: number;
  /** Certificate and key for STARTTLS; without it STARTTLS is not offered (and nobody can log in). */
  tls?: SecureContextOptions;
  /**
   * AUTHENTICATE EXTERNAL for APP mailboxes: STARTTLS asks for a client certificate of `ca` (the
   * trust space CA; never required, so that a refusal is a tagged NO saying why), and `validator`
   * judges it. Without it no certificate is asked for and EXTERNAL is not offered.
   */
  certificates?: { ca: string | Buffer; validator: CertificateValidator };
  /** Bench-only: accept LOGIN, checked by this hook (see LoginHook). Never in production. */
  login?: LoginHook;
  /** Endpoint key in logs: `imap`, or `imapBench` for the bench listener. */
  name?: string;
  /**
   * Autologout of an authenticated session with no command completed for this long (default 30
   * minutes, the least RFC 9051 §5.4 allows; a client re-arming IDLE every 29 minutes stays).
   */
  idleTimeoutMs?: number;
  /**
   * How long after a folder's last read a read command (FETCH, SEARCH, SORT, THREAD) may answer
   * from the shared index on the change notices alone (default 1 s; PostgreSQL only; docs/choices.md,
   * "IMAP read commands on PostgreSQL"). Taken by the first listener on a store. Tests that count
   * statements make it long, so that a loaded machine does not turn a trusted index into a read.
   */
  noticeTrustMs?: number;
  /** Before authentication, a client must complete a command within this (default 60 s), or gets `* BYE`. */
  loginTimeoutMs?: number;
  maxConnections?: number;
  /** Connections one client address holds at once (default 256; the next get `* BYE`). */
  maxConnectionsPerAddress?: number;
  /** Largest message accepted by APPEND. */
  maxMessageSize?: number;
  /** What a mailbox may hold, per type (QUOTA, RFC 9208). Default: DEFAULT_MAILBOX_QUOTAS. */
  quotas?: MailboxQuotas;
}

/**
 * What a session and its command handlers see of the options: everything but the store, which
 * they reach only through the session's MailboxScope and the shared, mailbox-less services.
 */
export type ImapSessionOptions = Omit<ImapServerOptions, 'store'>;
