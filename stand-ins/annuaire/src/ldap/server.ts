// The LDAP listener: accepts sessions, applies the connection cap, and stops cleanly.

import { createServer, type Server, type Socket } from 'node:net';
import { AddressConnectionLimit, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, type Logger, MssError, listenOn } from '@mss/runtime';
import { defaultBerLimits } from './ber.ts';
import { attributeTypeSet } from './attributes.ts';
import { type ConnectionSettings, LdapConnection } from './connection.ts';
import { NormalizedDn } from './dn.ts';
import { defaultFilterLimits, type FilterLimits } from './filter.ts';
import type { MatchingSchema } from './filter-match.ts';
import { encodeNoticeOfDisconnection } from './messages.ts';
import { ResultCode } from './result-codes.ts';
import { buildRootDse } from './root-dse.ts';
import type { LdapEntrySource } from './source.ts';

/** R-ANN-3: the phone number is never returned over LDAP. */
export const DEFAULT_HIDDEN_ATTRIBUTES: readonly string[] = ['telephoneNumber', 'mobile', 'facsimileTelephoneNumber', 'homePhone'];

export const DEFAULT_NAMING_CONTEXTS: readonly string[] = ['o=mssante,c=fr'];

const SERVICE = 'annuaireLdap';
const VENDOR_VERSION = '0.1.0';

export interface LdapServerOptions {
  host: string;
  /** 0 picks a free port; the URL tells which. */
  port: number;
  source: LdapEntrySource;
  logger: Logger;
  /** Most entries one search returns (R-ANN-3: 100); a client may ask for fewer. */
  sizeLimit?: number;
  /** Longest a search runs, in seconds (R-ANN-3: 60); fractions allowed; a client may ask for less. */
  timeLimitSeconds?: number;
  /** Sessions at once (default 1024); the next ones get a Notice of Disconnection. */
  maxConnections?: number;
  /**
   * Sessions one client address holds at once (default 256), so that one client cannot take
   * all `maxConnections`; the next ones from it get a Notice of Disconnection (unavailable).
   */
  maxConnectionsPerAddress?: number;
  /** Attributes never returned nor searchable, whatever the client asks (default: phone numbers). */
  hiddenAttributes?: readonly string[];
  /** Subtrees this server holds, shown in the root DSE; searches elsewhere get noSuchObject. */
  namingContexts?: readonly string[];
  /** Extra root DSE attributes (subschemaSubentry…). */
  rootDseAttributes?: Record<string, string[]>;
  /** Attribute types and their matching rules; without it every attribute is a caseIgnore string. */
  schema?: MatchingSchema;
  /** Seconds without a complete request (and no operation in progress) before a session is closed (default 300). */
  idleTimeoutSeconds?: number;
  /** Largest LDAPMessage accepted, in bytes (default 1 MiB). */
  maxMessageBytes?: number;
  /** Operations one session may have in progress at once (default 32). */
  maxOperationsPerConnection?: number;
  filterLimits?: Partial<FilterLimits>;
}

export interface RunningLdapServer {
  /** `ldap://host:port`, with the port actually bound. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startLdapServer(options: LdapServerOptions): Promise<RunningLdapServer> {
  const logger = options.logger.child({ service: SERVICE });
  const settings = connectionSettings(options);
  const maxConnections = positive(options.maxConnections ?? 1024, 'maxConnections');
  const perAddress = new AddressConnectionLimit(
    positive(options.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, 'maxConnectionsPerAddress'),
  );
  const connections = new Set<LdapConnection>();
  let nextId = 1;
  let stopping = false;

  const server = createServer({ noDelay: true }, (socket) => {
    if (stopping || connections.size >= maxConnections) {
      refuse(socket, stopping ? 'the server is shutting down' : `too many connections (limit ${maxConnections})`);
      return;
    }
    const release = perAddress.acquire(socket.remoteAddress);
    if (!release) {
      logger.info({ remote: socket.remoteAddress, limit: perAddress.max }, 'LDAP connection refused: too many from this address');
      refuse(socket, `too many connections from ${socket.remoteAddress} (limit ${perAddress.max} per address)`);
      return;
    }
    const id = nextId++;
    const connection = new LdapConnection(
      socket,
      settings,
      logger.child({ conn: id, remote: `${socket.remoteAddress}:${socket.remotePort}` }),
    );
    connections.add(connection);
    void connection.finished.then(() => {
      connections.delete(connection);
      release();
    });
  });

  const port = await listenOn(server, SERVICE, options.host, options.port);
  server.on('error', (err) => logger.error({ err }, 'LDAP listener error'));
  const url = `ldap://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  logger.info({ url }, 'LDAP server listening');

  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const connection of connections) connection.disconnect(ResultCode.unavailable, 'the server is shutting down');
        await Promise.all([...connections].map((connection) => connection.finished));
        await closed;
        logger.info('LDAP server stopped');
      })();
      return stopped;
    },
  };
}

function positive(value: number, name: string): number {
  if (!(value > 0) || !Number.isFinite(value))
    throw new MssError('BAD_OPTIONS', `${name} must be a positive number, not ${value} (${SERVICE})`);
  return value;
}

function connectionSettings(options: LdapServerOptions): ConnectionSettings {
  const maxMessageBytes = positive(options.maxMessageBytes ?? 1024 * 1024, 'maxMessageBytes');
  const filterLimits = { ...defaultFilterLimits, ...options.filterLimits };
  const hidden = attributeTypeSet(options.hiddenAttributes ?? DEFAULT_HIDDEN_ATTRIBUTES, options.schema);
  const namingContexts = options.namingContexts ?? DEFAULT_NAMING_CONTEXTS;
  return {
    source: options.source,
    sizeLimit: Math.floor(positive(options.sizeLimit ?? 100, 'sizeLimit')),
    timeLimitMs: positive(options.timeLimitSeconds ?? 60, 'timeLimitSeconds') * 1000,
    hidden,
    namingContexts: namingContexts.map((dn) => NormalizedDn.parse(dn)),
    rootDse: buildRootDse({
      namingContexts,
      vendorVersion: VENDOR_VERSION,
      ...(options.rootDseAttributes ? { extra: options.rootDseAttributes } : {}),
    }),
    schema: options.schema,
    // Filters are bounded separately so that a deep filter gets its own answer (unwillingToPerform)
    // before the generic BER depth limit would close the session.
    decodeLimits: {
      ber: { maxDepth: Math.max(defaultBerLimits.maxDepth, filterLimits.maxDepth + 8), maxLength: maxMessageBytes },
      filter: filterLimits,
    },
    maxMessageBytes,
    idleTimeoutMs: positive(options.idleTimeoutSeconds ?? 300, 'idleTimeoutSeconds') * 1000,
    maxOperations: positive(options.maxOperationsPerConnection ?? 32, 'maxOperationsPerConnection'),
  };
}

function refuse(socket: Socket, reason: string): void {
  socket.on('error', () => undefined);
  socket.end(encodeNoticeOfDisconnection(ResultCode.unavailable, reason));
  setTimeout(() => socket.destroy(), 2000).unref();
}
