import path from 'node:path';
import {
  DEFAULT_GOVERNANCE_LIMITS,
  DEFAULT_MAILBOX_QUOTAS,
  DOCUMENT_MISMATCH_KINDS,
  type DocumentMismatchKind,
  type DocumentPolicy,
  isDocumentMismatchKind,
  MAILBOX_TYPES,
  type GovernanceLimits,
  type MailboxQuota,
  type MailboxQuotas,
  type MailboxType,
} from '@mss/domain';
import { MssError } from './errors.ts';
import { loadStructureIdps, type StructureIdpSetting } from './structure-idps.ts';
import { DEFAULT_MAX_CONNECTIONS_PER_ADDRESS } from './address-limit.ts';
import { durationSetting, intSetting, logLevelSetting, type Environment, type LogLevel } from './env.ts';
import { describeBlobStore, loadBlobStoreSetting, type BlobStoreSetting } from './blob-store-setting.ts';

/** Every listening service of the trust space, with its stable endpoint key and default port. */
export const SERVICE_PORTS = {
  adminApi: 8080,
  psc: 8081,
  annuaireHttp: 8082,
  smtpSubmission: 10587,
  imap: 10143,
  annuaireLdap: 10389,
  smtpRelay: 10025,
  trust: 8087,
  // The sandbox's second operator, so that mail between operators is played offline.
  smtpSubmissionB: 10588,
  imapB: 10144,
  smtpRelayB: 10026,
  // FranceConnect: patients (Mon Espace Santé) and secretaries (RPPS+ portal) log in with it.
  franceconnect: 8089,
  // Mon Espace Santé: the patients' web mailbox and API (HTTP), and its relay, where operators deliver.
  mes: 8088,
  mesRelay: 10027,
  // The hospital persona's own identity provider: its staff log in there, not with PSC (issue #20 rule 6).
  structureIdp: 8090,
  // The RPPS+ registration portal (Enreg): secretaries and assistants registered by their employer.
  rppsPlus: 8091,
  // The second operator's admin API: the sandbox wires both operators with the same composition root.
  adminApiB: 8092,
} as const;
export type ServiceKey = keyof typeof SERVICE_PORTS;
/** Order used by `--port-base`: service i listens on base + i. Append only, never reorder. */
export const PORT_BASE_ORDER: readonly ServiceKey[] = [
  'adminApi',
  'psc',
  'annuaireHttp',
  'smtpSubmission',
  'imap',
  'annuaireLdap',
  'smtpRelay',
  'trust',
  'smtpSubmissionB',
  'imapB',
  'smtpRelayB',
  'franceconnect',
  'mes',
  'mesRelay',
  'structureIdp',
  'rppsPlus',
  'adminApiB',
];

/** `2147483648`, `512M`, `2G`, `2GiB`… → bytes. */
function parseBytes(raw: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(raw);
  if (!m) throw new MssError('CONFIG_INVALID', `${what}: "${raw}" is not a size (e.g. 2G, 512M, 1073741824)`, { exitCode: 2 });
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.floor(Number(m[1]) * unit);
}

/** Limits from `MSS_QUOTA_STORAGE_<TYPE>` (a size) and `MSS_QUOTA_MESSAGES_<TYPE>` over the defaults. */
export function loadQuotas(env: Environment = process.env): MailboxQuotas {
  const out = {} as Record<MailboxType, MailboxQuota>;
  for (const type of MAILBOX_TYPES) {
    const storageRaw = env[`MSS_QUOTA_STORAGE_${type}`];
    const messagesRaw = env[`MSS_QUOTA_MESSAGES_${type}`];
    const messages = messagesRaw ? Number(messagesRaw) : DEFAULT_MAILBOX_QUOTAS[type].messages;
    if (!Number.isInteger(messages) || messages < 0)
      throw new MssError('CONFIG_INVALID', `MSS_QUOTA_MESSAGES_${type}: "${messagesRaw}" is not a number of messages`, { exitCode: 2 });
    out[type] = {
      storage: storageRaw ? parseBytes(storageRaw, `MSS_QUOTA_STORAGE_${type}`) : DEFAULT_MAILBOX_QUOTAS[type].storage,
      messages,
    };
  }
  return out;
}

/** The store's defaults, when no configuration is given (tests, library callers). */
export const DEFAULT_PG_POOL_SIZE = 10;
export const DEFAULT_BLOB_WORKERS = 8;

/**
 * MSS_DOCUMENT_REJECT: the R-DOC-2 mismatch kinds for which the API LPS refuses a message
 * (`554 5.6.0`), comma-separated, or `all`; every other kind is accepted and counted (default:
 * none refused). An unsafe archive is refused whatever this says.
 */
export function loadDocumentPolicy(env: Environment = process.env): DocumentPolicy {
  const raw = env.MSS_DOCUMENT_REJECT?.trim();
  if (!raw) return {};
  const kinds =
    raw.toLowerCase() === 'all'
      ? [...DOCUMENT_MISMATCH_KINDS]
      : raw
          .split(',')
          .map((k) => k.trim())
          .filter((k) => k !== '');
  const policy: Partial<Record<DocumentMismatchKind, 'reject'>> = {};
  for (const k of kinds) {
    if (!isDocumentMismatchKind(k)) {
      throw new MssError(
        'CONFIG_INVALID',
        `MSS_DOCUMENT_REJECT: "${k}" is not a mismatch kind (all, or some of ${DOCUMENT_MISMATCH_KINDS.join(', ')})`,
        { exitCode: 2 },
      );
    }
    policy[k] = 'reject';
  }
  return policy;
}

/** How each store is run: MSS_PG_POOL_SIZE (1-1000), MSS_BLOB_WORKERS (0-64), MSS_BLOB_STORE (file or s3://…). */
export function loadStoreSettings(env: Environment = process.env): {
  pgPoolSize: number;
  blobWorkers: number;
  blobStore: BlobStoreSetting;
} {
  return {
    pgPoolSize: intSetting(env, 'MSS_PG_POOL_SIZE', { fallback: DEFAULT_PG_POOL_SIZE, min: 1, max: 1000 }),
    blobWorkers: intSetting(env, 'MSS_BLOB_WORKERS', { fallback: DEFAULT_BLOB_WORKERS, min: 0, max: 64 }),
    blobStore: loadBlobStoreSetting(env),
  };
}

/** Limits and timeouts of the mail and directory listeners (docs/choices.md). */
export interface ListenerSettings {
  /** MSS_MAX_CONNECTIONS_PER_ADDRESS: connections one client address holds on one listener (default 256). */
  maxConnectionsPerAddress: number;
  /** MSS_IMAP_LOGIN_TIMEOUT: before authentication, an IMAP client completes a command within this (default 60 s). */
  imapLoginTimeoutMs: number;
  /** MSS_IMAP_IDLE_TIMEOUT: authenticated IMAP autologout (default 30 min, the least RFC 9051 §5.4 allows). */
  imapIdleTimeoutMs: number;
  /** MSS_LDAP_IDLE_TIMEOUT: an LDAP session with no complete request and nothing running for this long is closed (default 300 s). */
  ldapIdleTimeoutMs: number;
}

export function loadListenerSettings(env: Environment = process.env): ListenerSettings {
  return {
    maxConnectionsPerAddress: intSetting(env, 'MSS_MAX_CONNECTIONS_PER_ADDRESS', {
      fallback: DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
      min: 1,
      max: 1_000_000,
    }),
    imapLoginTimeoutMs: durationSetting(env, 'MSS_IMAP_LOGIN_TIMEOUT', { fallbackMs: 60_000, minMs: 1000 }),
    imapIdleTimeoutMs: durationSetting(env, 'MSS_IMAP_IDLE_TIMEOUT', { fallbackMs: 30 * 60_000, minMs: 30 * 60_000 }),
    ldapIdleTimeoutMs: durationSetting(env, 'MSS_LDAP_IDLE_TIMEOUT', { fallbackMs: 300_000, minMs: 1000 }),
  };
}

/**
 * The operator's governance settings (docs/choices.md): MSS_MAX_COTITULAIRES (cotitulaires per
 * CAB, 1-1000, default 20) and MSS_ADDRESS_RELEASE_DELAY (how long a closed address waits before
 * it may be released, default 365d; 0 lets an administrator release at once).
 */
export function loadGovernanceLimits(env: Environment = process.env): GovernanceLimits {
  return {
    maxCotitulaires: intSetting(env, 'MSS_MAX_COTITULAIRES', { fallback: DEFAULT_GOVERNANCE_LIMITS.maxCotitulaires, min: 1, max: 1000 }),
    addressReleaseDelayMs: durationSetting(env, 'MSS_ADDRESS_RELEASE_DELAY', {
      fallbackMs: DEFAULT_GOVERNANCE_LIMITS.addressReleaseDelayMs,
      minMs: 0,
    }),
  };
}

/** The RPPS+ portal's delays (domain reference §7; real: RPPS within 30 minutes, e-CPS within 48 hours). */
export interface RppsPlusSettings {
  /** MSS_RPPS_PLUS_NOTICE_DELAY: from validation to the RPPS number being shown to the applicant (sandbox default 5s). */
  rppsNoticeMs: number;
  /** MSS_RPPS_PLUS_ECPS_DELAY: from the e-CPS activation request to PSC knowing her (sandbox default 5s). */
  ecpsActivationMs: number;
}

export function loadRppsPlusSettings(env: Environment = process.env): RppsPlusSettings {
  return {
    rppsNoticeMs: durationSetting(env, 'MSS_RPPS_PLUS_NOTICE_DELAY', { fallbackMs: 5000, minMs: 0 }),
    ecpsActivationMs: durationSetting(env, 'MSS_RPPS_PLUS_ECPS_DELAY', { fallbackMs: 5000, minMs: 0 }),
  };
}

export interface MssConfig {
  dataDir: string;
  /** `postgres://…` selects PostgreSQL; undefined means the embedded SQLite in dataDir. */
  databaseUrl: string | undefined;
  host: string;
  ports: Record<ServiceKey, number>;
  operatorDomain: string;
  operatorName: string;
  /** The sandbox's second operator (its own store in `<dataDir>/operateur-b`). */
  secondOperatorDomain: string;
  secondOperatorName: string;
  logLevel: LogLevel;
  /** MSS_PG_POOL_SIZE: connections of the PostgreSQL pool of each store (default 10). */
  pgPoolSize: number;
  /** MSS_BLOB_WORKERS: threads that commit in-memory message bodies (0 = libuv's pool; default 8). */
  blobWorkers: number;
  /** MSS_BLOB_STORE: message bodies as files under dataDir (default) or in an S3-compatible bucket. */
  blobStore: BlobStoreSetting;
  /** Per mailbox type: what a mailbox may hold (IMAP QUOTA, SMTP mailbox full). */
  quotas: MailboxQuotas;
  /** Per R-DOC-2 mismatch kind, refuse or accept and count (MSS_DOCUMENT_REJECT). */
  documentPolicy: DocumentPolicy;
  listeners: ListenerSettings;
  governance: GovernanceLimits;
  /** MSS_STRUCTURE_IDPS: FINESS structures' own identity providers, trusted for their staff on their ORG mailboxes. */
  structureIdps: StructureIdpSetting[];
  rppsPlus: RppsPlusSettings;
}

export interface ConfigInput {
  dataDir?: string | undefined;
  databaseUrl?: string | undefined;
  host?: string | undefined;
  portBase?: number | string | undefined;
  operatorDomain?: string | undefined;
  logLevel?: string | undefined;
}

function parsePort(raw: number | string, what: string): number {
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new MssError('CONFIG_INVALID', `${what}: "${raw}" is not a TCP port (1-65535)`, { exitCode: 2 });
  }
  return n;
}

/**
 * Builds the one validated configuration object. Precedence: explicit input (CLI flags) over
 * environment (MSS_*) over embedded defaults.
 */
export function loadConfig(input: ConfigInput = {}, env: Environment = process.env): MssConfig {
  const dataDir = path.resolve(input.dataDir ?? env.MSS_DATA_DIR ?? '.mss-data');
  const databaseUrl = input.databaseUrl ?? (env.MSS_DATABASE_URL || undefined);
  const host = input.host ?? env.MSS_HOST ?? '127.0.0.1';
  const portBaseRaw = input.portBase ?? (env.MSS_PORT_BASE || undefined);
  const ports = { ...SERVICE_PORTS } as Record<ServiceKey, number>;
  if (portBaseRaw !== undefined) {
    const base = parsePort(portBaseRaw, '--port-base');
    if (base + PORT_BASE_ORDER.length - 1 > 65535) {
      throw new MssError('CONFIG_INVALID', `--port-base: ${base} leaves no room for ${PORT_BASE_ORDER.length} ports`, { exitCode: 2 });
    }
    PORT_BASE_ORDER.forEach((key, i) => {
      ports[key] = base + i;
    });
  }
  const operatorDomain = (input.operatorDomain ?? env.MSS_OPERATOR_DOMAIN ?? 'operateur-a.mssante.fr').toLowerCase();
  if (!/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+mssante\.fr$/.test(operatorDomain) || operatorDomain === 'patient.mssante.fr') {
    throw new MssError(
      'CONFIG_INVALID',
      `operator domain "${operatorDomain}" must be a sub-domain of mssante.fr other than patient.mssante.fr`,
      { exitCode: 2 },
    );
  }
  return {
    dataDir,
    databaseUrl,
    host,
    ports,
    operatorDomain,
    operatorName: env.MSS_OPERATOR_NAME ?? 'Opérateur A (sandbox)',
    secondOperatorDomain: operatorDomain === 'operateur-b.mssante.fr' ? 'operateur-c.mssante.fr' : 'operateur-b.mssante.fr',
    secondOperatorName: 'Opérateur B (sandbox)',
    logLevel: logLevelSetting(input.logLevel, env, 'info'),
    ...loadStoreSettings(env),
    quotas: loadQuotas(env),
    documentPolicy: loadDocumentPolicy(env),
    listeners: loadListenerSettings(env),
    governance: loadGovernanceLimits(env),
    structureIdps: loadStructureIdps(env),
    rppsPlus: loadRppsPlusSettings(env),
  };
}

/** The one start-up line that shows every effective setting (never a secret: URLs lose passwords). */
export function describeConfig(config: MssConfig): string {
  const db = config.databaseUrl ? redactUrl(config.databaseUrl) : `sqlite:${path.join(config.dataDir, 'mss.sqlite')}`;
  const ports = Object.entries(config.ports)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return (
    `config: dataDir=${config.dataDir} database=${db} host=${config.host} domain=${config.operatorDomain} ${ports}` +
    ` logLevel=${config.logLevel} pgPoolSize=${config.pgPoolSize} blobWorkers=${config.blobWorkers}` +
    ` blobStore=${describeBlobStore(config.blobStore)}` +
    ` maxConnectionsPerAddress=${config.listeners.maxConnectionsPerAddress} imapLoginTimeoutMs=${config.listeners.imapLoginTimeoutMs}` +
    ` imapIdleTimeoutMs=${config.listeners.imapIdleTimeoutMs} ldapIdleTimeoutMs=${config.listeners.ldapIdleTimeoutMs}` +
    ` maxCotitulaires=${config.governance.maxCotitulaires} addressReleaseDelayMs=${config.governance.addressReleaseDelayMs}` +
    ` structureIdps=${config.structureIdps.map((s) => `${s.finess}:${s.issuer}`).join(',') || 'none'}` +
    ` rppsNoticeDelayMs=${config.rppsPlus.rppsNoticeMs} ecpsActivationDelayMs=${config.rppsPlus.ecpsActivationMs}`
  );
}

export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}
