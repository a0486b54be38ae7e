// The configuration of `mss serve`: one file (TOML or JSON, by its extension) that says what the
// national services are for this operator (their URLs), its trust material and its database.
// Every problem is one line naming the file, the key and what is wrong, before anything starts
// (exit 2): a typo in a key is an error, not a default silently taken.

import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { LOG_LEVELS, MssError, loadStructureIdps, type LogLevel, type StructureIdpSetting } from '@mss/runtime';

export interface OperatorFileConfig {
  /** The file it was read from (absolute). */
  file: string;
  domain: string;
  host: string;
  dataDir: string;
  /** `postgres://…`; undefined means SQLite in dataDir. */
  databaseUrl: string | undefined;
  ports: { adminApi: number; smtpSubmission: number; imap: number; smtpRelay: number; operations: number };
  tls: { certPem: string; keyPem: string; caPem: string };
  trust: { whitelistUrl: string; crlUrl: string; refreshIntervalMs: number };
  psc: { issuer: string; jwksUri?: string; audience?: string[] };
  structureIdps: StructureIdpSetting[];
  directoryFeed: { url: string; key: string; pollMs: number; declareEveryMs: number } | undefined;
  /** The Annuaire's change feed (FHIR, ESANTE-API-KEY), followed by the operator (issue #15). */
  directorySync: { url: string; apiKey: string; intervalMs: number } | undefined;
  /** The webmail at /webmail (issue #16): PSC's client for it; undefined without a [webmail] section. */
  webmail: { clientId: string; clientSecret: string | undefined; redirectUri: string } | undefined;
  adminPassword: string;
  logLevel: LogLevel;
  /** How long a drain (SIGTERM) waits for transactions in progress before closing what is left. */
  drainTimeoutMs: number;
  /**
   * On PostgreSQL, how often a node that does not run the once-per-operator jobs tries to take
   * their advisory lock: the longest those jobs pause after their leader dies.
   */
  leaderRetryMs: number;
}

type Table = Record<string, unknown>;

/** The keys a section may have; anything else is refused (a typo must not become a default). */
const SECTIONS: Record<string, readonly string[]> = {
  '': [
    'domain',
    'host',
    'data_dir',
    'database_url',
    'log_level',
    'drain_timeout',
    'leader_retry',
    'ports',
    'tls',
    'trust',
    'psc',
    'annuaire',
    'admin',
    'webmail',
    'structure_idps',
  ],
  ports: ['admin_api', 'smtp_submission', 'imap', 'smtp_relay', 'operations'],
  tls: ['certificate', 'key', 'ca'],
  trust: ['whitelist_url', 'crl_url', 'refresh_interval'],
  psc: ['issuer', 'jwks_uri', 'audience'],
  annuaire: ['feed_url', 'feed_key_file', 'poll_interval', 'declare_every', 'directory_url', 'api_key_file', 'sync_interval'],
  admin: ['password_file'],
  webmail: ['client_id', 'client_secret_file', 'redirect_uri'],
};

export const DEFAULT_OPERATOR_PORTS = { adminApi: 8080, smtpSubmission: 587, imap: 143, smtpRelay: 25, operations: 9090 };

/** Reads, parses and checks an operator configuration file; throws one `MssError` line on the first problem. */
export function loadOperatorConfig(file: string): OperatorFileConfig {
  const abs = path.resolve(file);
  const name = path.basename(abs);
  const fail = (key: string, problem: string): MssError =>
    new MssError('CONFIG_INVALID', `${name}: ${key ? `${key}: ` : ''}${problem}`, { exitCode: 2 });
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    throw new MssError('CONFIG_INVALID', `${abs}: cannot read the configuration file (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
      exitCode: 2,
    });
  }
  const root = parseDocument(abs, text, fail);
  const dir = path.dirname(abs);
  for (const [section, allowed] of Object.entries(SECTIONS)) {
    const table = section === '' ? root : root[section];
    if (table === undefined) continue;
    if (!isTable(table)) throw fail(section, 'must be a table of keys');
    for (const key of Object.keys(table)) {
      if (!allowed.includes(key)) throw fail(section ? `${section}.${key}` : key, `unknown key (expected one of ${allowed.join(', ')})`);
    }
  }
  const get = (key: string): unknown => {
    const [a, b] = key.split('.') as [string, string | undefined];
    if (b === undefined) return root[a];
    const t = root[a];
    return isTable(t) ? t[b] : undefined;
  };
  const str = (key: string, options: { required: boolean }): string | undefined => {
    const v = get(key);
    if (v === undefined) {
      if (options.required) throw fail(key, 'is required');
      return undefined;
    }
    if (typeof v !== 'string' || v.trim() === '') throw fail(key, `must be a non-empty string, not ${JSON.stringify(v)}`);
    return v.trim();
  };
  const required = (key: string): string => str(key, { required: true }) as string;
  const url = (key: string, protocols: readonly string[], options = { required: true }): string | undefined => {
    const v = str(key, options);
    if (v === undefined) return undefined;
    const u = URL.parse(v);
    if (!u || !protocols.includes(u.protocol))
      throw fail(key, `"${v}" is not a URL (${protocols.map((p) => p.replace(':', '')).join(' or ')})`);
    return v;
  };
  const readFile = (key: string): string => {
    const p = path.resolve(dir, required(key));
    try {
      return readFileSync(p, 'utf8');
    } catch (err) {
      throw fail(key, `cannot read ${p} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  const port = (key: string, fallback: number): number => {
    const v = get(key);
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535)
      throw fail(key, `${JSON.stringify(v)} is not a TCP port (0-65535)`);
    return v;
  };
  const duration = (key: string, fallbackMs: number, minMs: number): number => {
    const v = get(key);
    if (v === undefined) return fallbackMs;
    const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(v) : null;
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
    const ms = m ? Math.round(Number(m[1]) * unit[m[2] as keyof typeof unit]) : Number.NaN;
    if (!Number.isFinite(ms) || ms < minMs)
      throw fail(key, `${JSON.stringify(v)} is not a duration of at least ${minMs} ms (e.g. "500ms", "60s", "30m", "24h")`);
    return ms;
  };

  const domain = required('domain').toLowerCase();
  if (!/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+mssante\.fr$/.test(domain) || domain === 'patient.mssante.fr')
    throw fail('domain', `"${domain}" is not a sub-domain of mssante.fr (other than patient.mssante.fr)`);
  const logLevel = str('log_level', { required: false }) ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel))
    throw fail('log_level', `"${logLevel}" is not one of ${LOG_LEVELS.join(', ')}`);
  const databaseUrl = url('database_url', ['postgres:', 'postgresql:'], { required: false });

  const certPem = readFile('tls.certificate');
  const keyPem = readFile('tls.key');
  const caPem = readFile('tls.ca');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw fail('tls.certificate', 'is not a PEM certificate');
  }
  try {
    new X509Certificate(caPem);
  } catch {
    throw fail('tls.ca', 'is not a PEM certificate');
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw fail('tls.key', 'is not a PEM private key');
  }
  if (!cert.checkPrivateKey(key)) throw fail('tls.key', "is not the private key of tls.certificate's public key");
  // Peers recognise an operator by the domain its certificate names.
  if (!cert.checkHost(domain, { subject: 'always' }) && cert.subject.split('\n').every((l) => l !== `CN=${domain}`))
    throw fail('tls.certificate', `does not name the operator's domain ${domain}`);

  const pscIssuer = url('psc.issuer', ['https:', 'http:']) as string;
  const jwksUri = url('psc.jwks_uri', ['https:', 'http:'], { required: false });
  const audienceRaw = get('psc.audience');
  let audience: string[] | undefined;
  if (audienceRaw !== undefined) {
    audience = typeof audienceRaw === 'string' ? [audienceRaw] : (audienceRaw as string[]);
    if (!Array.isArray(audience) || audience.length === 0 || !audience.every((a) => typeof a === 'string' && a !== ''))
      throw fail('psc.audience', 'must be a non-empty string or list of strings');
  }

  let structureIdps: StructureIdpSetting[] = [];
  const idps = get('structure_idps');
  if (idps !== undefined) {
    const raw = typeof idps === 'string' ? path.resolve(dir, idps) : JSON.stringify(idps);
    try {
      structureIdps = loadStructureIdps({ MSS_STRUCTURE_IDPS: raw });
    } catch (err) {
      if (err instanceof MssError) throw fail('structure_idps', err.message.replace(/^MSS_STRUCTURE_IDPS: /, ''));
      throw err;
    }
  }

  let directoryFeed: OperatorFileConfig['directoryFeed'];
  if (root.annuaire !== undefined) {
    const feedKey = readFile('annuaire.feed_key_file').trim();
    if (feedKey === '') throw fail('annuaire.feed_key_file', 'is empty');
    directoryFeed = {
      url: url('annuaire.feed_url', ['https:', 'http:']) as string,
      key: feedKey,
      pollMs: duration('annuaire.poll_interval', 1000, 100),
      declareEveryMs: duration('annuaire.declare_every', 24 * 3_600_000, 60_000),
    };
  }
  let directorySync: OperatorFileConfig['directorySync'];
  if (get('annuaire.directory_url') !== undefined || get('annuaire.api_key_file') !== undefined) {
    const apiKey = readFile('annuaire.api_key_file').trim();
    if (apiKey === '') throw fail('annuaire.api_key_file', 'is empty');
    directorySync = {
      url: url('annuaire.directory_url', ['https:', 'http:']) as string,
      apiKey,
      intervalMs: duration('annuaire.sync_interval', 60_000, 1000),
    };
  }
  let webmail: OperatorFileConfig['webmail'];
  if (root.webmail !== undefined) {
    const redirectUri = url('webmail.redirect_uri', ['https:', 'http:']) as string;
    if (new URL(redirectUri).pathname !== '/webmail/callback')
      throw fail('webmail.redirect_uri', `"${redirectUri}" must end in /webmail/callback (where the webmail takes PSC's answer)`);
    let clientSecret: string | undefined;
    if (get('webmail.client_secret_file') !== undefined) {
      clientSecret = readFile('webmail.client_secret_file').trim();
      if (clientSecret === '') throw fail('webmail.client_secret_file', 'is empty');
    }
    webmail = { clientId: required('webmail.client_id'), clientSecret, redirectUri };
  }
  const adminPassword = readFile('admin.password_file').trim();
  if (adminPassword.length < 12) throw fail('admin.password_file', 'holds a password shorter than 12 characters');

  return {
    file: abs,
    domain,
    host: str('host', { required: false }) ?? '127.0.0.1',
    dataDir: path.resolve(dir, str('data_dir', { required: false }) ?? 'data'),
    databaseUrl,
    ports: {
      adminApi: port('ports.admin_api', DEFAULT_OPERATOR_PORTS.adminApi),
      smtpSubmission: port('ports.smtp_submission', DEFAULT_OPERATOR_PORTS.smtpSubmission),
      imap: port('ports.imap', DEFAULT_OPERATOR_PORTS.imap),
      smtpRelay: port('ports.smtp_relay', DEFAULT_OPERATOR_PORTS.smtpRelay),
      operations: port('ports.operations', DEFAULT_OPERATOR_PORTS.operations),
    },
    tls: { certPem, keyPem, caPem },
    trust: {
      whitelistUrl: url('trust.whitelist_url', ['https:', 'http:']) as string,
      crlUrl: url('trust.crl_url', ['https:', 'http:']) as string,
      refreshIntervalMs: duration('trust.refresh_interval', 60_000, 1000),
    },
    psc: { issuer: pscIssuer, ...(jwksUri ? { jwksUri } : {}), ...(audience ? { audience } : {}) },
    structureIdps,
    directoryFeed,
    directorySync,
    webmail,
    adminPassword,
    logLevel: logLevel as LogLevel,
    drainTimeoutMs: duration('drain_timeout', 30_000, 0),
    leaderRetryMs: duration('leader_retry', 5000, 100),
  };
}

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function parseDocument(file: string, text: string, fail: (key: string, problem: string) => MssError): Table {
  const ext = path.extname(file).toLowerCase();
  let parsed: unknown;
  if (ext === '.json') {
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw fail('', `not valid JSON (${(err as Error).message})`);
    }
  } else if (ext === '.toml') {
    try {
      parsed = parseToml(text);
    } catch (err) {
      if (err instanceof TomlError)
        throw fail('', `not valid TOML (line ${err.line}, column ${err.column}: ${err.message.split('\n')[0]})`);
      throw err;
    }
  } else {
    throw fail('', 'the configuration file must end in .toml or .json');
  }
  if (!isTable(parsed)) throw fail('', 'must hold a table (an object) of settings');
  return parsed;
}
