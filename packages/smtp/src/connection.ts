// One submission connection: smtp-server's SMTPConnection with the few behaviours the API LPS
// needs that the library has no hook for — AUTH by bearer token (XOAUTH2 through @mss/access's
// strict parser, and OAUTHBEARER, which the library lacks) or by an APP's TLS client certificate
// (EXTERNAL, which the library lacks too), nothing but
// EHLO/STARTTLS/NOOP/RSET/QUIT before TLS, replies that carry their own enhanced status code,
// refusal of bare CR/LF, and per-connection limits. Mail policy stays in the server's hooks.

import type net from 'node:net';
import type tls from 'node:tls';
import { SessionGuard, type AccessControl, type CertificateValidator, type SessionEndReason, type TokenValidator } from '@mss/access';
import type { AddressConnectionLimit, Logger, ServiceEvents } from '@mss/runtime';
import type { SMTPServer, SMTPServerSession } from 'smtp-server';
import { SMTPConnection, type SMTPConnectionOptions } from 'smtp-server/lib/smtp-connection.js';
import type { SMTPStream } from 'smtp-server/lib/smtp-stream.js';
import {
  authenticateBearer,
  authenticateExternal,
  type BearerMechanism,
  type ExternalAuthOutcome,
  type SubmissionIdentity,
} from './auth.ts';
import { NewlineGuardStream, type BareNewline } from './bare-newline.ts';
import type { Recipient } from './delivery.ts';
import { OWN_ENHANCED_CODE, replies, type SmtpReply } from './replies.ts';

export interface ConnectionLimits {
  /** Commands (SASL lines included) on one connection before it is closed. */
  maxCommands: number;
  /** Error replies (4xx/5xx) without a delivered message in between, as Postfix's smtpd_hard_error_limit. */
  hardErrorLimit: number;
}

/** Who is at the other end of a relay connection, judged once from its TLS client certificate. */
export type PeerJudgement = { ok: true; operatorDomain: string; operator: string } | { ok: false; reason: string };

export interface RelayMode {
  /** Judges the TLS socket's client certificate, once TLS is up. */
  judgePeer(socket: tls.TLSSocket | null): PeerJudgement;
}

export interface ConnectionDeps {
  /** Submission: AUTH by bearer token, and EXTERNAL by an APP's client certificate when `certificates` is given. */
  auth?: { access: AccessControl; validator: TokenValidator; certificates?: CertificateValidator };
  /** Relay between operators: no AUTH, the peer is its client certificate. */
  relay?: RelayMode;
  logger: Logger;
  limits: ConnectionLimits;
  /** Connections per client address on this listener (shared by its connections). */
  perAddress?: AddressConnectionLimit;
  /** Commands read and messages accepted, for the operator's metrics, under this listener's name. */
  events?: { sink: ServiceEvents; service: string };
}

// RFC 3207 §4: before TLS, anything else is answered "530 5.7.0 Must issue a STARTTLS command first".
const BEFORE_TLS = new Set(['EHLO', 'HELO', 'STARTTLS', 'NOOP', 'RSET', 'QUIT']);

const bySession = new WeakMap<SMTPServerSession, SubmissionConnection>();

/** The connection a hook's `session` belongs to. */
export function connectionOf(session: SMTPServerSession): SubmissionConnection {
  const c = bySession.get(session);
  if (!c) throw new Error('smtp: session without a submission connection');
  return c;
}

export class SubmissionConnection extends SMTPConnection {
  /** Set once AUTH succeeded; the same object is `session.user`. */
  identity: SubmissionIdentity | null = null;
  /** R-AUTH-4: set when the session guard ended the right to send; every later transaction is refused. */
  ended: SessionEndReason | null = null;
  /** The first bare CR/LF the client sent; from then on the connection only refuses and closes. */
  bareNewline: BareNewline | null = null;
  /** Relay: the peer as its certificate says, once judged. */
  peer: PeerJudgement | null = null;
  /**
   * This transaction's accepted recipients, by lower-cased address (filled at RCPT); a practice's
   * group address stands for its members' mailboxes, all delivered in the one transaction.
   */
  readonly recipients = new Map<string, Recipient | Recipient[]>();
  readonly log: Logger;
  private readonly deps: ConnectionDeps;
  private guard: SessionGuard | null = null;
  private commandCount = 0;
  private errorCount = 0;
  private hideAuthInReply = false;
  private releaseAddressSlot: (() => void) | undefined;

  constructor(
    server: SMTPServer,
    socket: net.Socket | tls.TLSSocket,
    options: SMTPConnectionOptions | null | undefined,
    deps: ConnectionDeps,
  ) {
    super(server, socket, options);
    this.deps = deps;
    this.log = deps.logger.child({ smtp: this.id });
    bySession.set(this.session, this);
  }

  /** A message was accepted (250 after DATA): told to the operator's metrics. */
  accepted(recipients: number): void {
    const events = this.deps.events;
    events?.sink.accepted?.(events.service, recipients);
  }

  override init(): void {
    // As the library's init, without its fixed 100 ms "early talker" wait before the greeting:
    // an anti-spam delay for the open Internet, paid on every connection. Our clients are
    // authenticated LPS and certified operators, and a client that talks first still gets
    // "You talk too soon" (the library checks it until the greeting is sent).
    this._setListeners(() => {
      if (this._server.options.maxClients && this._server.connections.size > this._server.options.maxClients) {
        this.send(421, `${this.name} Too many connected clients, try again in a moment`, false);
        return;
      }
      // One client address may not hold every connection of the listener (issue #12).
      const perAddress = this.deps.perAddress;
      if (perAddress) {
        this.releaseAddressSlot = perAddress.acquire(this.remoteAddress);
        if (!this.releaseAddressSlot) {
          this.log.info({ remote: this.remoteAddress, limit: perAddress.max }, 'smtp connection refused: too many from this address');
          this.reply(replies.tooManyFromAddress(perAddress.max));
          return;
        }
      }
      setImmediate(() => this.connectionReady());
    });
  }

  /** Sends a reply of ours (its text starts with the enhanced code). */
  reply(r: SmtpReply): void {
    this.send(r.responseCode, r.message);
  }

  /** A delivered message is proof of good faith: the error budget starts again. */
  delivered(): void {
    this.errorCount = 0;
  }

  override send(code: number, data?: string | string[] | null, context?: string | false): void {
    const lines = this.hideAuthInReply && Array.isArray(data) ? data.filter((l) => !/^AUTH\b/i.test(l)) : data;
    const ownCode = typeof lines === 'string' && OWN_ENHANCED_CODE.test(lines);
    super.send(code, lines, ownCode ? false : context);
    // 4.3.x is the mail system's own trouble (a database restarting, a blob store away: RFC 3463
    // §3.5), not the client's: a client retrying through an outage must not be cut off for it.
    const ours = typeof lines === 'string' && /^4\.3\.\d{1,3} /.test(lines);
    if (code >= 400 && code !== 421 && !ours && ++this.errorCount >= this.deps.limits.hardErrorLimit) {
      const r = replies.tooManyErrors();
      this.log.info({ errors: this.errorCount }, 'smtp client made too many errors');
      super.send(r.responseCode, r.message, false); // 421 closes
    }
  }

  override _createParser(): SMTPStream {
    // As the library builds its parser, with the bare-newline scan in front of it.
    const parser = new NewlineGuardStream({ maxCommandLength: this._server.options.maxCommandLength }, (kind) => this.sawBareNewline(kind));
    parser.oncommand = (command, callback) => this._onCommand(command, callback);
    parser.on('error', (err: Error) => {
      // The parser's only error is an over-long line.
      this.log.info({ err: err.message }, 'smtp parser error');
      this.reply(/too long/i.test(err.message) ? replies.lineTooLong() : replies.localError());
      this.close();
    });
    return parser;
  }

  override _onCommand(command: Buffer, callback?: () => void): void {
    // The library's own early states (greeting not sent, TLS handshake running) stay its business.
    if (this._upgrading || !this._ready || this._closing) return super._onCommand(command, callback);
    if (this.bareNewline) return this.refuseBareNewline(this.bareNewline);
    if (++this.commandCount > this.deps.limits.maxCommands) return this.reply(replies.tooManyCommands());
    const events = this.deps.events;
    if (events?.sink.command) events.sink.command(events.service, command.toString('latin1').split(' ', 1)[0]!.toUpperCase());
    const relay = this.deps.relay;
    if (!this.secure && this._nextHandler === false) {
      const name = command.toString('latin1').split(' ')[0]!.toUpperCase();
      if (!BEFORE_TLS.has(name)) {
        this.reply(replies.starttlsFirst());
        setImmediate(() => this._whenWritable(callback ?? (() => undefined)));
        return;
      }
    }
    if (relay && this.secure) {
      this.peer ??= this.judge(relay);
      const name = command.toString('latin1').split(' ')[0]!.toUpperCase();
      // RFC 3207 §4.1: a peer whose authentication is not good enough gets 554 to everything but QUIT.
      if (!this.peer.ok && name !== 'QUIT') {
        this.reply(replies.insecurePeer(this.peer.reason));
        setImmediate(() => this._whenWritable(callback ?? (() => undefined)));
        return;
      }
    }
    super._onCommand(command, callback);
  }

  override handler_EHLO(command: Buffer, callback: () => void): void {
    // No mechanism is offered in clear text (RFC 4954 §4, API LPS: STARTTLS first); none at all on the relay.
    this.hideAuthInReply = !this.secure || this.deps.relay !== undefined;
    try {
      super.handler_EHLO(command, callback);
    } finally {
      this.hideAuthInReply = false;
    }
  }

  override handler_AUTH(command: Buffer, callback: () => void): void {
    const args = command.toString('latin1').trim().split(/\s+/).slice(1);
    const mechanism = (args.shift() ?? '').toUpperCase();
    const refuse = (r: SmtpReply): void => {
      this.reply(r);
      callback();
    };
    if (this.deps.relay || !this.deps.auth) return refuse(replies.authNotOnRelay());
    if (!this.secure) return refuse(replies.starttlsFirst());
    if (this.session.user) return refuse(replies.alreadyAuthenticated());
    if (this.session.envelope.mailFrom) return refuse(replies.authInTransaction());
    const external = this.deps.auth.certificates !== undefined;
    if (mechanism === 'EXTERNAL' && external) {
      if (args.length > 1) return refuse(replies.authSyntax());
      const initial = args[0];
      if (initial === undefined) {
        // RFC 4422 A.1: the message (the authorization identity, maybe empty) after an empty challenge.
        this._nextHandler = (line, next) => this.authenticateExternal(line.toString('latin1').trim(), next);
        this.send(334);
        return callback();
      }
      return this.authenticateExternal(initial, callback);
    }
    if (mechanism !== 'XOAUTH2' && mechanism !== 'OAUTHBEARER') return refuse(replies.authUnknownMechanism(external));
    if (args.length > 1) return refuse(replies.authSyntax());
    const initial = args[0];
    if (initial === undefined) {
      // RFC 4954: no initial response, so an empty challenge and the response on the next line.
      this._nextHandler = (line, next) => this.authenticate(mechanism, line.toString('latin1'), next);
      this.send(334);
      return callback();
    }
    this.authenticate(mechanism, initial === '=' ? '' : initial, callback);
  }

  /**
   * AUTH EXTERNAL: the certificate the client presented in the STARTTLS handshake (asked for,
   * never required by TLS, so that its refusal is this reply) opens its APP mailbox.
   */
  private authenticateExternal(response: string, callback: () => void): void {
    if (response === '*') {
      this.reply(replies.authAborted());
      return callback();
    }
    const certificate = (this._socket as tls.TLSSocket).getPeerX509Certificate?.();
    const { access, certificates } = this.deps.auth!;
    // RFC 4954 §4: "=" is the empty initial response; some clients send it as a continuation too.
    authenticateExternal(response === '=' ? '' : response, certificate, { access, certificates: certificates! }).then(
      (outcome: ExternalAuthOutcome) => {
        if (this._closed) return callback();
        if (outcome.ok) {
          this.becomeAuthenticated(outcome.identity);
          this.reply(replies.authenticated(outcome.identity.mailbox, outcome.identity.role));
        } else if (outcome.kind === 'certificate') {
          this.reply(outcome.code === 'no-certificate' ? replies.noCertificate(outcome.text) : replies.certificateRefused(outcome.text));
        } else if (outcome.kind === 'authorization') {
          this.reply(replies.notAllowed(outcome.text));
        } else if (outcome.kind === 'temporary') {
          this.reply(replies.certificateTemporary(outcome.text));
        } else {
          this.reply(replies.authMalformed(outcome.text));
        }
        callback();
      },
      (err: unknown) => {
        this.log.error({ err }, 'smtp certificate authentication failed with an internal error');
        if (!this._closed) this.reply(replies.authTemporary());
        callback();
      },
    );
  }

  override _onClose(): void {
    this.releaseAddressSlot?.();
    super._onClose();
    this.guard?.close();
    this.guard = null;
  }

  private authenticate(mechanism: BearerMechanism, response: string, callback: () => void): void {
    if (response.trim() === '*') {
      this.reply(replies.authAborted());
      return callback();
    }
    authenticateBearer(mechanism, response, this.deps.auth!).then(
      (outcome) => {
        if (this._closed) return callback();
        if (outcome.ok) {
          this.becomeAuthenticated(outcome.identity);
          this.reply(replies.authenticated(outcome.identity.mailbox, outcome.identity.role));
        } else if (outcome.kind === 'token') {
          // R-AUTH-3: the error challenge first; whatever the client answers (empty line, ^A), 535.
          this._nextHandler = (_line, next) => {
            this.reply(replies.credentialsInvalid());
            next();
          };
          this.send(334, outcome.challenge);
        } else if (outcome.kind === 'authorization') {
          this.reply(replies.notAllowed(outcome.text));
        } else if (outcome.kind === 'temporary') {
          this.reply(replies.authTemporary());
        } else {
          this.reply(replies.authMalformed(outcome.text));
        }
        callback();
      },
      (err: unknown) => {
        this.log.error({ err }, 'smtp authentication failed with an internal error');
        if (!this._closed) this.reply(replies.authTemporary());
        callback();
      },
    );
  }

  private becomeAuthenticated(identity: SubmissionIdentity): void {
    this.identity = identity;
    this.session.user = identity;
    this.session.transmissionType = this._transmissionType();
    // R-AUTH-4: the right to send lasts as long as the token (or certificate) and the role behind it.
    this.guard = new SessionGuard(
      this.deps.auth!.access,
      {
        idnat: identity.idnat,
        ...(identity.principal ? { principal: identity.principal } : {}),
        mailbox: identity.mailbox,
        mailboxId: identity.scope.mailboxId,
        channel: 'smtp',
        clientId: identity.clientId,
        tokenExpiresAt: identity.tokenExpiresAt,
        action: 'send',
      },
      (reason) => {
        this.ended = reason;
        this.log.info({ reason, mailbox: identity.mailbox }, 'smtp session may no longer send');
      },
    );
  }

  private judge(relay: RelayMode): PeerJudgement {
    const socket = this.secure ? (this._socket as tls.TLSSocket) : null;
    const peer = relay.judgePeer(socket);
    this.log.info(
      peer.ok ? { peer: peer.operatorDomain, operator: peer.operator } : { refused: peer.reason },
      peer.ok ? 'smtp relay peer identified' : 'smtp relay peer refused',
    );
    return peer;
  }

  private sawBareNewline(kind: BareNewline): void {
    if (this.bareNewline) return;
    this.bareNewline = kind;
    this.log.info({ kind }, 'smtp client sent a bare newline');
  }

  /** Postfix's `smtpd_forbid_bare_newline = reject`: refuse, then disconnect. */
  refuseBareNewline(kind: BareNewline): void {
    this.reply(replies.bareNewline(kind));
    this.close();
  }
}
