import type { SecureContextOptions } from 'node:tls';
import type { AccessControl, TokenValidator } from '@mss/access';
import type { Logger, MailboxQuotas } from '@mss/runtime';
import type { Store } from '@mss/store';

export interface ImapServerOptions {
  store: Store;
  access: AccessControl;
  tokenValidator: TokenValidator;
  logger: Logger;
  host: string;
  port: number;
  /** Certificate and key for STARTTLS; without it STARTTLS is not offered (and nobody can log in). */
  tls?: SecureContextOptions;
  /**
   * Bench-only: accept LOGIN with these static credentials (user = a mailbox address) without
   * TLS, so that standard IMAP load tools can be pointed at us. Never in production.
   */
  benchLogin?: { password: string };
  /** Endpoint key in logs: `imap`, or `imapBench` for the bench listener. */
  name?: string;
  /** Close connections idle for this long (RFC 3501: at least 30 minutes). */
  idleTimeoutMs?: number;
  maxConnections?: number;
  /** Largest message accepted by APPEND. */
  maxMessageSize?: number;
  /** What a mailbox may hold, per type (QUOTA, RFC 9208). Default: DEFAULT_MAILBOX_QUOTAS. */
  quotas?: MailboxQuotas;
}
