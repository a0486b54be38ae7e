// The API LPS submission listener (Ref. #2 requirement 1.6) on nodemailer's smtp-server: the
// engine speaks SMTP, our hooks decide who may send what to whom, and a 250 after DATA is only
// sent once the message is durable and delivered.

import type { AccessControl, CertificateValidator, TokenValidator } from '@mss/access';
import { AddressConnectionLimit, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, type Logger, type ServiceEvents } from '@mss/runtime';
import { checkIns, type DocumentPolicy, PATIENT_DOMAIN, type MailboxQuotas } from '@mss/domain';
import type { XdmLimits } from '@mss/xdm';
import { examineDocuments } from './documents.ts';
import type { Store } from '@mss/store';
import type { SMTPServerAddress, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import { connectionOf } from './connection.ts';
import { receiveData, startMessage } from './data.ts';
import { createLocalDelivery, type Deliver, type Recipient, type SubmittedMessage } from './delivery.ts';
import { commonSmtpOptions, listenSmtp, OurSmtpServer, type RunningSmtpListener } from './listen.ts';
import { checkHeaders } from './message.ts';
import { answerRecipient, classifyLocal, domainOf, dsnOf, isLocalAddress, type TrustSpace } from './recipients.ts';
import { replies, SmtpReply } from './replies.ts';

export interface SubmissionServerOptions {
  store: Store;
  access: AccessControl;
  tokenValidator: TokenValidator;
  logger: Logger;
  /** Commands and accepted messages, for the operator's metrics. */
  events?: ServiceEvents;
  /** The listener's name in metrics (default `smtpSubmission`). */
  serviceKey?: string;
  host: string;
  port: number;
  /** Certificate and key for STARTTLS (PEM). */
  tls: { cert: string | Buffer; key: string | Buffer };
  /**
   * AUTH EXTERNAL for APP mailboxes: the STARTTLS handshake asks for a client certificate of
   * `ca` (the trust space CA; never required), and `validator` judges it at AUTH. Without it,
   * no certificate is asked for and EXTERNAL is not offered.
   */
  certificates?: { ca: string | Buffer; validator: CertificateValidator };
  /** This operator's mail domains: recipients there are delivered locally. */
  operatorDomains: string[];
  /** Largest message (DATA bytes), advertised with SIZE. Default 25 MiB. */
  maxMessageSize?: number;
  /** Name in the greeting and in Received headers. Default `smtp.<first operator domain>`. */
  name?: string;
  /**
   * The whitelist: recipients in a whitelisted domain of another operator are remote, any other
   * domain is refused at RCPT. Without it, `*.mssante.fr` is taken as the trust space (tests).
   */
  trustSpace?: TrustSpace;
  /** Where remote recipients go: written in the delivery transaction, sent by the queue runner. */
  queue?: { poke(): void };
  /**
   * Takes messages for other operators instead of the queue (tests). Without it or `queue`
   * such recipients get `451 4.4.0` at RCPT.
   */
  onRemote?: (message: SubmittedMessage) => Promise<void>;
  /** What a mailbox may hold, per type (RCPT `452 4.2.2`, DATA `552 5.2.2`). Default: DEFAULT_MAILBOX_QUOTAS. */
  quotas?: MailboxQuotas;
  /** Replaces local delivery (the queue will plug in here). Default: createLocalDelivery. */
  deliver?: Deliver;
  /** Default 100 (then `452 4.5.3`). */
  maxRecipients?: number;
  /** Default 1000. */
  maxConnections?: number;
  /** Connections one client address holds at once (default 256; the next get `421 4.7.0`). */
  maxConnectionsPerAddress?: number;
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
  /** Per R-DOC-2 mismatch kind, refuse (`554 5.6.0`) or accept and count (the default for every kind). */
  documentPolicy?: DocumentPolicy;
  /** Limits of the IHE_XDM reader (R-DOC-1). Default: @mss/xdm's. */
  xdmLimits?: Partial<XdmLimits>;
  /** How long stop() lets transactions in progress finish. Default 10 s. */
  closeTimeoutMs?: number;
}

export type RunningSubmissionServer = RunningSmtpListener;

const MIB = 1024 * 1024;

export async function startSubmissionServer(opts: SubmissionServerOptions): Promise<RunningSubmissionServer> {
  const { store, logger } = opts;
  if (opts.operatorDomains.length === 0) throw new Error('startSubmissionServer: operatorDomains is empty');
  const localDomains = new Set(opts.operatorDomains.map((d) => d.toLowerCase()));
  const maxMessageSize = opts.maxMessageSize ?? 25 * MIB;
  const maxHeaderBytes = opts.maxHeaderBytes ?? 256 * 1024;
  const name = opts.name ?? `smtp.${opts.operatorDomains[0]!.toLowerCase()}`;
  const deliver =
    opts.deliver ??
    createLocalDelivery({
      store,
      ...(opts.onRemote ? { onRemote: opts.onRemote } : {}),
      ...(opts.queue ? { queue: opts.queue } : {}),
      ...(opts.quotas ? { quotas: opts.quotas } : {}),
      reports: { name, operatorDomain: opts.operatorDomains[0]!.toLowerCase() },
    });
  const inTrustSpace = (domain: string): boolean =>
    opts.trustSpace ? opts.trustSpace.isWhitelisted(domain) : domain.endsWith('.mssante.fr');
  const authRequired = opts.certificates ? replies.authRequiredOrCertificate : replies.authRequired;
  const log = logger.child({ service: 'smtpSubmission' });

  /** Where a recipient goes, or the reply that refuses it. */
  async function classify(a: SMTPServerAddress): Promise<Recipient | Recipient[] | SmtpReply> {
    if (isLocalAddress(a.address, localDomains)) return classifyLocal(store, a, opts.operatorDomains[0]!.toLowerCase(), opts.quotas);
    const domain = domainOf(a.address);
    if (!inTrustSpace(domain)) return replies.outsideTrustSpace(a.address);
    // R-DOC-3: a patient's address is their INS, validated (format and key) before use.
    if (domain === PATIENT_DOMAIN) {
      const ins = checkIns(a.address.slice(0, a.address.lastIndexOf('@')));
      if (!ins.ok) return replies.invalidPatientIns(a.address, ins.error.problem);
    }
    if (!opts.onRemote && !opts.queue) return replies.relayUnavailable(a.address);
    return { kind: 'remote', address: a.address, domain, dsn: dsnOf(a) };
  }

  function onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    const conn = connectionOf(session);
    conn.recipients.clear();
    const id = conn.identity;
    if (!id) return callback(new SmtpReply(530, '5.7.0', authRequired));
    if (conn.ended) return callback(replies.sessionEnded(conn.ended));
    if (address.address === '') return callback(replies.nullSender(id.mailbox));
    if (address.address.toLowerCase() !== id.mailbox.toLowerCase()) {
      conn.log.info({ mailbox: id.mailbox, idnat: id.idnat }, 'smtp envelope sender refused');
      // A practice's group address is never a sender (issue #20 rule 7): say so rather than just "not yours".
      store.groups.byAddress(address.address).then(
        (group) => callback(group ? replies.groupSender(group.address, id.mailbox) : replies.envelopeSender(id.mailbox)),
        () => callback(replies.envelopeSender(id.mailbox)),
      );
      return;
    }
    callback();
  }

  function onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    const conn = connectionOf(session);
    if (conn.ended) return callback(replies.sessionEnded(conn.ended));
    answerRecipient(conn, address, classify(address), callback);
  }

  function onData(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    callback: (err?: Error | null, message?: string) => void,
  ): void {
    const conn = connectionOf(session);
    const identity = conn.identity!;
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
        check: (head) => checkHeaders(head, identity.mailbox),
        examine: (raw, root, checked) =>
          examineDocuments(raw, root, checked, {
            recipients: rcpts.map((r) => r.address),
            policy: opts.documentPolicy ?? {},
            ...(opts.xdmLimits ? { limits: opts.xdmLimits } : {}),
          }),
        async deliver({ blob, data }, checked) {
          const recipients: Recipient[] = [];
          for (const r of rcpts) {
            const known = conn.recipients.get(r.address.toLowerCase());
            if (!known) throw new Error(`recipient ${r.address} was not classified at RCPT`);
            recipients.push(...(Array.isArray(known) ? known : [known]));
          }
          const message: SubmittedMessage = {
            id,
            blob,
            receivedAt,
            author: { idnat: identity.idnat, role: identity.role, clientId: identity.clientId },
            sender: { address: identity.mailbox, mailboxId: identity.scope.mailboxId, type: identity.scope.type },
            envelope: {
              mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : identity.mailbox,
              recipients,
              dsn: { ret: session.envelope.dsn?.ret ?? null, envid: session.envelope.dsn?.envid ?? null },
              bodyType: session.envelope.bodyType ?? '7bit',
              smtpUtf8: session.envelope.smtpUtf8 ?? false,
            },
            data,
            mss: checked.mss,
            ...(checked.documentCheck ? { documentCheck: checked.documentCheck } : {}),
          };
          const report = await deliver(message);
          return {
            text: `${replies.accepted(id, report.local, report.remote).message}${checked.documentSummary ? `; X-MSS checks: ${checked.documentSummary}` : ''}`,
            folderIds: report.folderIds,
            log: {
              author: identity.idnat,
              sender: identity.mailbox,
              local: report.local,
              remote: report.remote,
              size: blob.size,
              dsn: message.envelope.dsn,
              ...(checked.documentCheck && checked.documentCheck.mismatches.length > 0
                ? { documentMismatches: checked.documentCheck.mismatches.map((m) => m.kind) }
                : {}),
            },
          };
        },
      },
      callback,
    );
  }

  const smtp = new OurSmtpServer(
    {
      ...commonSmtpOptions({ ...opts, name, maxMessageSize }),
      secure: false,
      key: opts.tls.key,
      cert: opts.tls.cert,
      // A certificate is asked for, not required: one that is missing or refused gets a 535 at
      // AUTH EXTERNAL that says why, and token clients are not concerned.
      ...(opts.certificates ? { ca: opts.certificates.ca, requestCert: true, rejectUnauthorized: false } : {}),
      hideSTARTTLS: false,
      allowInsecureAuth: false,
      authMethods: ['XOAUTH2', 'OAUTHBEARER', ...(opts.certificates ? ['EXTERNAL'] : [])],
      authOptional: false,
      authRequiredMessage: authRequired,
      disabledCommands: ['WIZ', 'SHELL', 'KILL', 'XCLIENT', 'XFORWARD'],
      onMailFrom,
      onRcptTo,
      onData,
      onAuth: (_auth, _session, callback) => callback(replies.credentialsInvalid()),
    },
    {
      auth: {
        access: opts.access,
        validator: opts.tokenValidator,
        ...(opts.certificates ? { certificates: opts.certificates.validator } : {}),
      },
      logger: log,
      limits: { maxCommands: opts.maxCommandsPerConnection ?? 10_000, hardErrorLimit: opts.hardErrorLimit ?? 20 },
      perAddress: new AddressConnectionLimit(opts.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS),
      ...(opts.events ? { events: { sink: opts.events, service: opts.serviceKey ?? 'smtpSubmission' } } : {}),
    },
  );
  smtp.on('error', (err: Error & { code?: string }) => log.debug({ err: err.message, code: err.code }, 'smtp connection error'));
  const listener = await listenSmtp(smtp, 'smtpSubmission', opts.host, opts.port);
  log.info({ url: listener.url, maxMessageSize }, 'smtp submission listening');
  return listener;
}
