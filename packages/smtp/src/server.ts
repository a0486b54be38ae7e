// The API LPS submission listener (Ref. #2 requirement 1.6) on nodemailer's smtp-server: the
// engine speaks SMTP, our hooks decide who may send what to whom, and a 250 after DATA is only
// sent once the message is durable and delivered.

import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import type tls from 'node:tls';
import type { AccessControl, TokenValidator } from '@mss/access';
import { listenError, type Logger } from '@mss/runtime';
import type { Store } from '@mss/store';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import type { SMTPConnectionOptions } from 'smtp-server/lib/smtp-connection.js';
import { connectionOf, SubmissionConnection, type ConnectionDeps } from './connection.ts';
import { createLocalDelivery, type Deliver, type Recipient, type SubmittedMessage } from './delivery.ts';
import { checkHeaders } from './message.ts';
import { receivedHeader } from './received.ts';
import { receiveData } from './data.ts';
import { replies, SmtpReply } from './replies.ts';

export interface SubmissionServerOptions {
  store: Store;
  access: AccessControl;
  tokenValidator: TokenValidator;
  logger: Logger;
  host: string;
  port: number;
  /** Certificate and key for STARTTLS (PEM). */
  tls: { cert: string | Buffer; key: string | Buffer };
  /** This operator's mail domains: recipients there are delivered locally. */
  operatorDomains: string[];
  /** Largest message (DATA bytes), advertised with SIZE. Default 25 MiB. */
  maxMessageSize?: number;
  /** Name in the greeting and in Received headers. Default `smtp.<first operator domain>`. */
  name?: string;
  /**
   * Takes messages for other operators (`*.mssante.fr`). Without it such recipients get
   * `451 4.4.0` at RCPT: the relay between operators is not built yet.
   */
  onRemote?: (message: SubmittedMessage) => Promise<void>;
  /** Replaces local delivery (the queue will plug in here). Default: createLocalDelivery. */
  deliver?: Deliver;
  /** Default 100 (then `452 4.5.3`). */
  maxRecipients?: number;
  /** Default 1000. */
  maxConnections?: number;
  /** Idle time before `421` and close. Default 5 minutes (RFC 5321 §4.5.3.2). */
  idleTimeoutMs?: number;
  /** Longest command line; AUTH lines carry a PSC token. Default 16 KiB (RFC 4954 asks for 12,288). */
  maxCommandLength?: number;
  /** Default 10,000. */
  maxCommandsPerConnection?: number;
  /** Default 20, Postfix's smtpd_hard_error_limit. */
  hardErrorLimit?: number;
  /** Largest header section kept in memory to check `From:`. Default 256 KiB. */
  maxHeaderBytes?: number;
  /** How long stop() lets transactions in progress finish. Default 10 s. */
  closeTimeoutMs?: number;
}

export interface RunningSubmissionServer {
  url: string;
  port: number;
  connections(): number;
  stop(): Promise<void>;
}

const MIB = 1024 * 1024;

/** smtp-server with our connection class in place of its own; nothing else differs. */
class SubmissionSmtpServer extends SMTPServer {
  private readonly deps: ConnectionDeps;

  constructor(options: SMTPServerOptions, deps: ConnectionDeps) {
    super(options);
    this.deps = deps;
  }

  override connect(socket: net.Socket | tls.TLSSocket, socketOptions?: SMTPConnectionOptions | null): void {
    // SMTPServer.connect, with SubmissionConnection: patching the library's shared SASL table
    // instead would change every smtp-server in the process.
    const connection = new SubmissionConnection(this, socket, socketOptions, this.deps);
    this.connections.add(connection);
    connection.on('error', (err: Error) => this._onError(err));
    connection.on('connect', (data) => this._onClientConnect(data));
    connection.init();
  }
}

export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}

/** What the Received header says of the TLS session, if any. */
export function tlsOf(session: SMTPServerSession): { version: string | null; name: string | null } | false {
  return session.tlsOptions ? { version: session.tlsOptions.version ?? null, name: session.tlsOptions.name ?? null } : false;
}

export function dsnOf(a: SMTPServerAddress): Recipient['dsn'] {
  return { notify: a.dsn?.notify ?? null, orcpt: a.dsn?.orcpt ?? null };
}

export async function startSubmissionServer(opts: SubmissionServerOptions): Promise<RunningSubmissionServer> {
  const { store, logger } = opts;
  if (opts.operatorDomains.length === 0) throw new Error('startSubmissionServer: operatorDomains is empty');
  const localDomains = new Set(opts.operatorDomains.map((d) => d.toLowerCase()));
  const maxMessageSize = opts.maxMessageSize ?? 25 * MIB;
  const maxHeaderBytes = opts.maxHeaderBytes ?? 256 * 1024;
  const name = opts.name ?? `smtp.${opts.operatorDomains[0]!.toLowerCase()}`;
  const deliver = opts.deliver ?? createLocalDelivery({ store, ...(opts.onRemote ? { onRemote: opts.onRemote } : {}) });
  const log = logger.child({ service: 'smtpSubmission' });

  /** Where a recipient goes, or the reply that refuses it. */
  async function classify(a: SMTPServerAddress): Promise<Recipient | SmtpReply> {
    const address = a.address;
    // smtp-server lets the domainless `postmaster` through (RFC 5321 §4.1.1.3): ours is in our first domain.
    const domain = address.includes('@') ? domainOf(address) : opts.operatorDomains[0]!.toLowerCase();
    const full = address.includes('@') ? address : `${address}@${domain}`;
    if (localDomains.has(domain)) {
      const box = await store.mailboxes.byAddress(full);
      if (!box || box.status === 'closed') return replies.unknownRecipient(address);
      if (box.status !== 'active') return replies.recipientDisabled(address, box.status);
      return { kind: 'local', address: box.address, mailboxId: box.id, dsn: dsnOf(a) };
    }
    // Until the whitelist (issue 5, second part) is wired in, the trust space is `*.mssante.fr`.
    if (!domain.endsWith('.mssante.fr')) return replies.outsideTrustSpace(address);
    if (!opts.onRemote) return replies.relayUnavailable(address);
    return { kind: 'remote', address, domain, dsn: dsnOf(a) };
  }

  function onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    const conn = connectionOf(session);
    conn.recipients.clear();
    const id = conn.identity;
    if (!id) return callback(new SmtpReply(530, '5.7.0', replies.authRequired));
    if (conn.ended) return callback(replies.sessionEnded(conn.ended));
    if (address.address === '') return callback(replies.nullSender(id.mailbox));
    if (address.address.toLowerCase() !== id.mailbox.toLowerCase()) {
      conn.log.info({ mailbox: id.mailbox, idnat: id.idnat }, 'smtp envelope sender refused');
      return callback(replies.envelopeSender(id.mailbox));
    }
    callback();
  }

  function onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    const conn = connectionOf(session);
    if (conn.ended) return callback(replies.sessionEnded(conn.ended));
    classify(address).then(
      (r) => {
        if (r instanceof SmtpReply) return callback(r);
        conn.recipients.set(address.address.toLowerCase(), r);
        callback();
      },
      (err: unknown) => {
        conn.log.error({ err }, 'smtp recipient lookup failed');
        callback(replies.localError());
      },
    );
  }

  function onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void): void {
    const conn = connectionOf(session);
    const identity = conn.identity!;
    const id = randomBytes(8).toString('hex');
    const receivedAt = new Date();
    const rcpts = session.envelope.rcptTo;
    const trace = receivedHeader({
      helo: session.hostNameAppearsAs,
      clientHostname: session.clientHostname,
      remoteAddress: session.remoteAddress,
      by: name,
      protocol: session.envelope.smtpUtf8 ? `UTF8${session.transmissionType}` : session.transmissionType,
      id,
      tls: tlsOf(session),
      recipients: rcpts.map((r) => r.address),
      date: receivedAt,
    });
    receiveData(
      stream,
      {
        conn,
        store,
        id,
        trace,
        limits: { maxMessageSize, maxHeaderBytes },
        check: (head) => checkHeaders(head, identity.mailbox),
        async deliver(blob, checked) {
          const recipients: Recipient[] = [];
          for (const r of rcpts) {
            const known = conn.recipients.get(r.address.toLowerCase());
            if (!known) throw new Error(`recipient ${r.address} was not classified at RCPT`);
            recipients.push(known);
          }
          const message: SubmittedMessage = {
            id,
            blob,
            receivedAt,
            author: { idnat: identity.idnat, role: identity.role, clientId: identity.clientId },
            sender: { address: identity.mailbox, mailboxId: identity.mailboxId },
            envelope: {
              mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : identity.mailbox,
              recipients,
              dsn: { ret: session.envelope.dsn?.ret ?? null, envid: session.envelope.dsn?.envid ?? null },
              bodyType: session.envelope.bodyType ?? '7bit',
              smtpUtf8: session.envelope.smtpUtf8 ?? false,
            },
            headers: checked.metadata,
            mss: checked.mss,
          };
          const report = await deliver(message);
          return {
            text: replies.accepted(id, report.local, report.remote).message,
            folderIds: report.folderIds,
            log: { author: identity.idnat, sender: identity.mailbox, local: report.local, remote: report.remote, size: blob.size, dsn: message.envelope.dsn },
          };
        },
      },
      callback,
    );
  }

  const smtp = new SubmissionSmtpServer(
    {
      name,
      secure: false,
      key: opts.tls.key,
      cert: opts.tls.cert,
      hideSTARTTLS: false,
      allowInsecureAuth: false,
      authMethods: ['XOAUTH2', 'OAUTHBEARER'],
      authOptional: false,
      authRequiredMessage: replies.authRequired,
      size: maxMessageSize,
      hideSize: false,
      // We answer an oversized message ourselves (same 552 5.3.4) after dropping its blob.
      rejectOversized: false,
      hidePIPELINING: false,
      hide8BITMIME: false,
      hideSMTPUTF8: false,
      hideENHANCEDSTATUSCODES: false,
      hideDSN: false,
      hideREQUIRETLS: true,
      disabledCommands: ['WIZ', 'SHELL', 'KILL', 'XCLIENT', 'XFORWARD'],
      disableReverseLookup: true,
      maxClients: opts.maxConnections ?? 1000,
      maxRecipients: opts.maxRecipients ?? 100,
      maxCommandLength: opts.maxCommandLength ?? 16 * 1024,
      socketTimeout: opts.idleTimeoutMs ?? 5 * 60_000,
      closeTimeout: opts.closeTimeoutMs ?? 10_000,
      logger: false,
      onMailFrom,
      onRcptTo,
      onData,
      onAuth: (_auth, _session, callback) => callback(replies.credentialsInvalid()),
    },
    {
      access: opts.access,
      validator: opts.tokenValidator,
      logger: log,
      limits: { maxCommands: opts.maxCommandsPerConnection ?? 10_000, hardErrorLimit: opts.hardErrorLimit ?? 20 },
    },
  );
  smtp.on('error', (err: Error & { code?: string }) => log.debug({ err: err.message, code: err.code }, 'smtp connection error'));

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(listenError(err, 'smtpSubmission', opts.host, opts.port));
    smtp.server.once('error', onError);
    smtp.server.listen(opts.port, opts.host, () => {
      smtp.server.off('error', onError);
      resolve();
    });
  });
  const port = (smtp.server.address() as net.AddressInfo).port;
  log.info({ url: `smtp://${opts.host}:${port}`, maxMessageSize }, 'smtp submission listening');
  let stopping: Promise<void> | undefined;

  return {
    url: `smtp://${opts.host}:${port}`,
    port,
    connections: () => smtp.connections.size,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        smtp.close(() => resolve());
        // Idle sessions are told now; a message being received or delivered gets closeTimeout to finish.
        const bye = replies.shuttingDown();
        for (const c of smtp.connections) {
          if (!c._handlerPending && !c._dataStream) c.send(bye.responseCode, bye.message);
        }
      });
      return stopping;
    },
  };
}
