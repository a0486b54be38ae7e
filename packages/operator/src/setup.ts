import type { AccessControl, TokenValidator } from '@mss/access';
import type { Governance } from '@mss/governance';
import type { FastifyInstance } from 'fastify';
import type { DocumentPolicy, GovernanceLimits, MailboxQuotas } from '@mss/domain';
import type { ListenerSettings, Logger } from '@mss/runtime';
import type { Store } from '@mss/store';
import type { WebmailOptions } from '@mss/webmail';
import type { Leadership } from './leadership.ts';

/** The names its listeners are known by (endpoints, logs): the sandbox's second operator has its own. */
export interface OperatorServiceKeys {
  adminApi: string;
  smtpSubmission: string;
  imap: string;
  smtpRelay: string;
  operations: string;
}

export const DEFAULT_SERVICE_KEYS: OperatorServiceKeys = {
  adminApi: 'adminApi',
  smtpSubmission: 'smtpSubmission',
  imap: 'imap',
  smtpRelay: 'smtpRelay',
  operations: 'operations',
};

/** Where the operator feeds the national directory (R-ANN-1) and how often. */
export interface DirectoryFeedSetup {
  /** The Annuaire's operator write API (its base URL). */
  url: string;
  /** The operator's key on it (a secret: never logged). */
  key: string;
  /** Outbox drain interval (default 1 s). */
  pollMs?: number;
  /** Full declaration of every published mailbox, repeated (default daily). */
  declareEveryMs?: number;
  /** First full declaration after start (default `declareEveryMs`). */
  firstDeclarationAfterMs?: number;
  /** Declare once before startOperator returns (the sandbox's second operator does, for its demo data). */
  declareAtStart?: boolean;
}

/** Where the operator reads the Annuaire's change feed (FHIR, `ESANTE-API-KEY`) and how often. */
export interface DirectorySyncSetup {
  /** The Annuaire's HTTP origin. */
  url: string;
  /** Its `ESANTE-API-KEY` (a secret: never logged). */
  apiKey: string;
  /** Between two polls when caught up (default 60 s). */
  intervalMs?: number;
}

/**
 * Everything one operator needs, already validated: the sandbox builds it from its stand-ins,
 * `mss serve` from a configuration file (config-file.ts). Nothing here is a stand-in.
 */
export interface OperatorSetup {
  /** Its MSSanté domain (e.g. operateur-a.mssante.fr): its certificate names it. */
  domain: string;
  /** Address every listener binds to. */
  host: string;
  store: Store;
  /** Where the whitelist and CRL copies are kept (`<dataDir>/trust-cache`). */
  dataDir: string;
  ports: { adminApi: number; smtpSubmission: number; imap: number; smtpRelay: number; operations?: number | undefined };
  keys?: Partial<OperatorServiceKeys>;
  /** Its certificate of the trust space (serverAuth and clientAuth), and the trust anchor of its peers and APP certificates. */
  tls: { certPem: string; keyPem: string; caPem: string };
  trust: {
    /** The whitelist: the trust service's base URL or the list's full URL. */
    whitelistUrl: string;
    /** The CA's revocation list: the trust service's base URL or the CRL's full URL. */
    crlUrl: string;
    refreshIntervalMs: number;
  };
  /** Validates bearer tokens (Pro Santé Connect and the structures' own identity providers). */
  tokenValidator: TokenValidator;
  /** The `admin` user's password on the admin API. */
  adminPassword: string;
  /** Where the admin API says it is (links in its answers). */
  publicBaseUrl?: string;
  directoryFeed?: DirectoryFeedSetup | undefined;
  /** The Annuaire's change feed the operator follows (issue #15): persons, structures, situations. */
  directorySync?: DirectorySyncSetup | undefined;
  quotas: MailboxQuotas;
  documentPolicy?: DocumentPolicy | undefined;
  listeners: ListenerSettings;
  governance: GovernanceLimits;
  /** At stop, how long IMAP commands in progress may take to answer (default 10 s). */
  drainTimeoutMs?: number;
  /**
   * Which process runs the once-per-operator jobs (directory feed, change feed, R-DEL-5 clock):
   * by default this one, always. `mss serve` gives the PostgreSQL advisory lock, or, for the
   * workers of one machine on SQLite, the choice of their primary (leadership.ts).
   */
  leadership?: Leadership | undefined;
  /**
   * This sender's name in the queue's claims, stable across restarts and unique among the
   * processes on the database (a restarted sender releases the claims left under its name).
   * Default `local`: one process.
   */
  nodeName?: string | undefined;
  /** R-DEL-5: how often lapsed delegations are ended (default 5 s). */
  delegationExpiryIntervalMs?: number;
  /** The queue's retry schedule (defaults: 30 s, then doubling up to 10 min). */
  retry?: { firstDelayMs: number; maxDelayMs: number };
  /**
   * The webmail at /webmail (issue #16, apps/webmail) on the operator's HTTP server: its client at
   * Pro Santé Connect, the Annuaire for recipient suggestions. None: no webmail.
   */
  webmail?: Pick<WebmailOptions, 'psc' | 'annuaire' | 'secureCookies'> | undefined;
  /**
   * More routes on the operator's HTTP server (the admin API's), given the operator's decision
   * point and governance. JMAP is the admin API's own.
   */
  httpPlugins?: (parts: { access: AccessControl; governance: Governance }) => ((app: FastifyInstance) => Promise<void>)[];
  /** Read-only facts the sandbox publishes on the admin API (`/sandbox`). */
  sandboxInfo?: () => unknown;
  logger: Logger;
}
