// The listener other operators deliver to (endpoint key `smtpRelay`): STARTTLS with a client
// certificate of the trust space's CA, belonging to an operator on the whitelist, sending only
// from that operator's domains, to this operator's mailboxes. No AUTH: the certificate is the
// authentication (domain reference §1). A retry of a message already delivered (the sender lost
// our 250) is recognised and not delivered twice.

import { randomBytes } from 'node:crypto';
import type tls from 'node:tls';
import { AddressConnectionLimit, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, type Logger, type ServiceEvents } from '@mss/runtime';
import type { MailboxQuotas } from '@mss/domain';
import type { NewQueueEntry, Repositories, Store } from '@mss/store';
import type { MssHeaders } from '@mss/mime';
import { describeCertificate, operatorOfCertificate } from '@mss/trust-client';
import type { SMTPServerAddress, SMTPServerDataStream, SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import { connectionOf, type PeerJudgement } from './connection.ts';
import { receiveData, startMessage } from './data.ts';
import { deliverLocally, type Recipient, type StoredCopy } from './delivery.ts';
import { commonSmtpOptions, listenSmtp, OurSmtpServer, type RunningSmtpListener } from './listen.ts';
import { readHeaders } from './message.ts';
import { documentFacts, fromMes } from './indicators.ts';
import { answerRecipient, classifyLocal, domainOf, isLocalAddress, type TrustSpace } from './recipients.ts';
import { replies } from './replies.ts';
import { successRecipients, writeSuccessReport } from './success-report.ts';
import type { WrittenDsn } from './queue/dsn-filing.ts';

/** What the relay does with mail, whoever the transport lets in. */
export interface RelayCoreOptions {
  store: Store;
  logger: Logger;
  /** Commands and accepted messages, for the operator's metrics. */
  events?: ServiceEvents;
  /** The listener's name in metrics (default `smtpRelay`). */
  serviceKey?: string;
  operatorDomains: string[];
  trustSpace: TrustSpace;
  maxMessageSize?: number;
  /** What a mailbox may hold, per type (RCPT `452 4.2.2`, DATA `552 5.2.2`). Default: DEFAULT_MAILBOX_QUOTAS. */
  quotas?: MailboxQuotas;
  /**
   * The outbound queue: success reports (RFC 3461 NOTIFY=SUCCESS) go back to the sending
   * operator through it, queued in the delivery transaction. Without it none are sent.
   */
  queue?: { poke(): void };
  /**
   * RFC 3461 §6.2, what a success report says: `delivered` (the default), or `relayed` for a
   * service that does not report deliveries (Mon Espace Santé, R-MES-4).
   */
  successAction?: 'delivered' | 'relayed';
  /**
   * Written in the delivery transaction once the INBOXes have the message (Mon Espace Santé
   * records its conversations there, R-MES-1 and R-MES-2): all of it, or nothing.
   */
  onDelivered?: (tx: Repositories, delivery: RelayDelivery) => Promise<void>;
  name?: string;
  maxRecipients?: number;
  maxConnections?: number;
  /** Connections one client address holds at once (default 256; the next get `421 4.7.0`). */
  maxConnectionsPerAddress?: number;
  idleTimeoutMs?: number;
  maxCommandLength?: number;
  maxCommandsPerConnection?: number;
  hardErrorLimit?: number;
  maxHeaderBytes?: number;
  closeTimeoutMs?: number;
}

/** What `onDelivered` is told of a message the relay put in local INBOXes. */
export interface RelayDelivery {
  /** The envelope sender (`''` for the null sender of reports). */
  sender: string;
  /** The sending operator, as its certificate and the whitelist say. */
  peer: { operator: string; operatorDomain: string };
  /** The copies stored now (a retry's recipients that already had it are not among them). */
  copies: StoredCopy[];
  /** The message's header section, and the Ref. #2 headers read from it. */
  head: Buffer;
  mss: MssHeaders;
}

export interface RelayServerOptions extends RelayCoreOptions {
  host: string;
  port: number;
  /** This operator's certificate and key, and the trust space's CA that client certificates must chain to. */
  tls: { cert: string | Buffer; key: string | Buffer; ca: string | Buffer };
}

/**
 * How peers reach the relay and who they are: smtp-server's transport options (TLS settings)
 * and the judgement of a connection's peer. The operator's is STARTTLS with a client
 * certificate of the trust space (`startRelayServer`); a benchmark builds its own around
 * `createRelaySmtpServer`, outside the shipped code.
 */
export interface RelayTransport {
  smtpOptions: Pick<SMTPServerOptions, 'secure' | 'secured' | 'key' | 'cert' | 'ca' | 'requestCert' | 'rejectUnauthorized'>;
  judgePeer(socket: tls.TLSSocket | null): PeerJudgement;
}

const MIB = 1024 * 1024;

/** The queue row that sends a success report back to the sending operator, from the null sender. */
function reportEntry(report: WrittenDsn, sender: string, operatorDomain: string): NewQueueEntry {
  return {
    messageRef: randomBytes(8).toString('hex'),
    blobHash: report.hash,
    size: report.size,
    senderAddress: `MAILER-DAEMON@${operatorDomain}`,
    // No mailbox of ours sent it: nothing is reported about a report (NOTIFY=NEVER).
    senderMailboxId: 0,
    authorIdnat: null,
    mailFrom: '',
    envid: null,
    ret: null,
    bodyType: '8BITMIME',
    smtpUtf8: false,
    recipient: sender,
    domain: domainOf(sender),
    notify: ['NEVER'],
    orcpt: null,
  };
}

/** Who the client certificate says is connecting, or why that is not good enough. */
export function judgePeerCertificate(socket: tls.TLSSocket | null, trust: TrustSpace): PeerJudgement {
  if (!socket) return { ok: false, reason: 'TLS with a client certificate is required' };
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.raw) return { ok: false, reason: 'no client certificate was presented' };
  if (!socket.authorized)
    return {
      ok: false,
      reason: `the client certificate is not from the MSSante trust space CA (${String(socket.authorizationError ?? 'unverified')})`,
    };
  const kind = describeCertificate(cert.raw).kind;
  if (kind !== 'server' && kind !== 'operator')
    return { ok: false, reason: `the client certificate is not an operator certificate (${kind})` };
  const domain = operatorOfCertificate(cert.raw);
  if (!domain) return { ok: false, reason: 'the client certificate names no operator domain' };
  if (!trust.isWhitelisted(domain)) return { ok: false, reason: `${domain} is not on the MSSante whitelist` };
  return { ok: true, operatorDomain: domain, operator: trust.operatorFor(domain) ?? domain };
}

/** The relay listener of this operator: STARTTLS, and a client certificate of the trust space's CA. */
export async function startRelayServer(opts: RelayServerOptions): Promise<RunningSmtpListener> {
  if (!opts.tls) throw new Error('startRelayServer: tls is required');
  const transport: RelayTransport = {
    smtpOptions: { secure: false, key: opts.tls.key, cert: opts.tls.cert, ca: opts.tls.ca, requestCert: true, rejectUnauthorized: false },
    judgePeer: (socket) => judgePeerCertificate(socket, opts.trustSpace),
  };
  const smtp = createRelaySmtpServer(opts, transport);
  const listener = await listenSmtp(smtp, 'smtpRelay', opts.host, opts.port);
  opts.logger.child({ service: 'smtpRelay' }).info({ url: listener.url, maxMessageSize: smtp.options.size }, 'smtp relay listening');
  return listener;
}

/** The relay's SMTP server (not listening yet): hooks, limits and connection class, over the given transport. */
export function createRelaySmtpServer(opts: RelayCoreOptions, transport: RelayTransport): OurSmtpServer {
  const { store, logger, trustSpace } = opts;
  if (opts.operatorDomains.length === 0) throw new Error('startRelayServer: operatorDomains is empty');
  const localDomains = new Set(opts.operatorDomains.map((d) => d.toLowerCase()));
  const firstDomain = opts.operatorDomains[0]!.toLowerCase();
  const maxMessageSize = opts.maxMessageSize ?? 25 * MIB;
  const maxHeaderBytes = opts.maxHeaderBytes ?? 256 * 1024;
  const name = opts.name ?? `mx.${firstDomain}`;
  const log = logger.child({ service: 'smtpRelay' });

  function onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    const conn = connectionOf(session);
    conn.recipients.clear();
    const peer = conn.peer;
    if (!peer?.ok) return callback(replies.insecurePeer(peer?.reason ?? 'TLS with a client certificate is required'));
    // The null sender is how other operators return DSNs: always accepted.
    if (address.address === '') return callback();
    const domain = domainOf(address.address);
    if (!trustSpace.isWhitelisted(domain) || trustSpace.operatorFor(domain) !== peer.operator) {
      conn.log.info({ peer: peer.operatorDomain, sender: address.address }, 'smtp relay sender domain refused');
      return callback(replies.peerSenderDomain(domain, peer.operatorDomain));
    }
    callback();
  }

  function onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    const conn = connectionOf(session);
    if (!isLocalAddress(address.address, localDomains)) return callback(replies.relayDenied(address.address));
    answerRecipient(conn, address, classifyLocal(store, address, firstDomain, opts.quotas), callback);
  }

  function onData(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (err?: Error | null, message?: string) => void,
  ): void {
    const conn = connectionOf(session);
    const peer = conn.peer as Extract<PeerJudgement, { ok: true }>;
    const { id, receivedAt, trace } = startMessage(session, name);
    const rcpts = session.envelope.rcptTo;
    receiveData(
      stream,
      {
        conn,
        store,
        id,
        trace,
        limits: { maxMessageSize, maxHeaderBytes },
        check: (head) => ({ ...readHeaders(head), head }),
        async deliver({ blob, data }, headers) {
          const local = rcpts
            .flatMap((r) => conn.recipients.get(r.address.toLowerCase()) ?? [])
            .filter((r): r is Extract<Recipient, { kind: 'local' }> => r.kind === 'local');
          const traceId = headers.traceId;
          const sender = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          const reported = opts.queue && sender !== '' ? successRecipients(local) : [];
          // Written (durable) before the transaction that queues it: only when a RCPT asked for it.
          const report =
            reported.length > 0
              ? await writeSuccessReport(store, {
                  reportingMta: name,
                  operatorDomain: firstDomain,
                  messageRef: id,
                  envid: session.envelope.dsn?.envid ?? null,
                  arrivalDate: receivedAt,
                  sender,
                  blobHash: blob.hash,
                  recipients: reported,
                  action: opts.successAction ?? 'delivered',
                })
              : undefined;
          // A retry of a message already delivered had its report queued the first time.
          let reportQueued = false;
          const outcome = await deliverLocally(
            store,
            {
              message: { blob, data, receivedAt, authorIdnat: null },
              recipients: local,
              counted: { ref: id, receivedAt, documents: documentFacts(headers.mss), fromMes: fromMes(sender, data.fromAddr) },
              ...(traceId ? { retry: { operator: peer.operator, traceId } } : {}),
              async also(tx, { duplicates, copies }) {
                if (opts.onDelivered && copies.length > 0)
                  await opts.onDelivered(tx, {
                    sender,
                    peer: { operator: peer.operator, operatorDomain: peer.operatorDomain },
                    copies,
                    head: headers.head,
                    mss: headers.mss,
                  });
                if (!report || duplicates > 0) return;
                await tx.queue.enqueue([reportEntry(report, sender, firstDomain)]);
                reportQueued = true;
              },
            },
            opts.quotas,
          );
          if (reportQueued) opts.queue?.poke();
          return {
            text: replies.relayAccepted(id, outcome.delivered, outcome.duplicates).message,
            folderIds: outcome.folderIds,
            log: { peer: peer.operatorDomain, traceId, delivered: outcome.delivered, duplicates: outcome.duplicates, size: blob.size },
          };
        },
      },
      callback,
    );
  }

  const smtp = new OurSmtpServer(
    {
      ...commonSmtpOptions({ ...opts, name, maxMessageSize }),
      ...transport.smtpOptions,
      authOptional: true,
      // AUTH stays enabled only so that our connection can say why it is refused (502, not 500).
      disabledCommands: ['WIZ', 'SHELL', 'KILL', 'XCLIENT', 'XFORWARD'],
      onMailFrom,
      onRcptTo,
      onData,
    },
    {
      relay: { judgePeer: (socket) => transport.judgePeer(socket) },
      logger: log,
      limits: { maxCommands: opts.maxCommandsPerConnection ?? 10_000, hardErrorLimit: opts.hardErrorLimit ?? 20 },
      perAddress: new AddressConnectionLimit(opts.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS),
      ...(opts.events ? { events: { sink: opts.events, service: opts.serviceKey ?? 'smtpRelay' } } : {}),
    },
  );
  smtp.on('error', (err: Error & { code?: string }) => log.debug({ err: err.message, code: err.code }, 'smtp connection error'));
  return smtp;
}
