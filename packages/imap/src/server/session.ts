import type { X509Certificate } from 'node:crypto';
import type net from 'node:net';
import tls from 'node:tls';
import { SESSION_END_TEXT, SessionGuard } from '@mss/access';
import { MssError, type Logger, quickAck } from '@mss/runtime';
import {
  Framer,
  MailboxNameError,
  ParseError,
  atom,
  capabilityString,
  code,
  compactSequenceSet,
  continuation,
  fetchResponse,
  isIdleDone,
  parseCommand,
  parseSaslResponse,
  raw,
  tagged,
  untagged,
  untaggedStatus,
  type Command,
  type EncodedCode,
  type FramedCommand,
  type ImapValue,
} from '../protocol/index.ts';
import { COMMANDS, handlerOf } from './commands/index.ts';
import type { SaslReply, SessionContext } from './commands/context.ts';
import { ImapNo } from './commands/errors.ts';
import { QUOTA_CAPABILITIES } from './commands/quota.ts';
import { SPECIAL_USE } from './folders.ts';
import { flagsResponses, flagsText } from './keywords.ts';
import type { ImapSessionOptions } from './options.ts';
import type { SelectedFolder } from './selected.ts';
import type { SharedMail } from './shared-mail.ts';
import { LOGGED_OUT, NOT_AUTHENTICATED, type Authenticated, type Identity, type Selected, type SessionState } from './state.ts';

const HIGH_WATER = 1024 * 1024;
/** Responses are gathered and written together; past this much they go at once. */
const OUT_FLUSH = 64 * 1024;
const MAX_BAD = 20;

/**
 * One IMAP connection: the state machine of RFC 3501 §3 over the protocol layer (framing,
 * parsing, encoding). The session owns the socket, the output buffer and the state; each command
 * is answered by its handler in `commands/` (the table in `commands/index.ts` says in which states
 * it is valid). Commands run one at a time, in order; what other sessions change in the selected
 * folder is announced between commands (and at once while IDLE).
 */
export class ImapSession implements SessionContext {
  private socket: net.Socket;
  readonly opts: ImapSessionOptions;
  readonly shared: SharedMail;
  readonly log: Logger;
  private readonly framer: Framer;
  private current: SessionState = NOT_AUTHENTICATED;
  private tls = false;
  private guard: SessionGuard | undefined;
  readonly enabled = new Set<string>();
  private busy = false;
  /** Set by drain() while a command runs: the BYE to send once it has answered. */
  private drainText: string | undefined;
  private closed = false;
  private badCount = 0;
  private idleTag: string | null = null;
  private saslWait: ((framed: FramedCommand) => void) | undefined;
  /** In IDLE: the shared index took in a change; announce it without asking the store again. */
  private readonly onIndexChanged = () => {
    if (!this.idleTag || this.current.kind !== 'selected' || this.closed) return;
    // Nothing awaits this: a failure (the database gone in the middle of the \Recent claim) must
    // not become an unhandled rejection, which ends the process and every session in it. The
    // claim was not made, so the next change claims again.
    this.pushUpdates(true, true).catch((err: unknown) => this.log.warn({ err }, 'imap idle update failed; the next change retries'));
  };
  private out: Buffer[] = [];
  private outBytes = 0;
  private flushScheduled = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private idleTimerMs = 0;
  private resolveClosed!: () => void;
  /** Resolves when the connection is over (whichever socket it ended on, plain or TLS). */
  readonly closedPromise: Promise<void> = new Promise((resolve) => (this.resolveClosed = resolve));

  constructor(socket: net.Socket, opts: ImapSessionOptions, shared: SharedMail, tlsOnConnect = false) {
    this.socket = socket;
    this.opts = opts;
    this.shared = shared;
    this.tls = tlsOnConnect;
    this.log = opts.logger.child({ service: opts.name ?? 'imap', remote: socket.remoteAddress });
    this.framer = new Framer({ maxAppendLiteralSize: opts.maxMessageSize ?? 50 * 1024 * 1024 });
    this.attach(socket);
    this.write(untaggedStatus('OK', 'mss-operator IMAP ready', ['CAPABILITY', raw(this.capabilities())]));
    this.armIdleTimer();
  }

  get state(): SessionState {
    return this.current;
  }

  get tlsActive(): boolean {
    return this.tls;
  }

  private attach(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.framer.push(chunk);
      if (this.framer.bufferedBytes > HIGH_WATER) socket.pause();
      void this.pump();
    });
    socket.on('error', () => this.destroy());
    socket.on('close', () => this.destroy());
  }

  capabilities(): string {
    return capabilityString({
      tls: this.tls,
      authenticated: this.current.kind === 'authenticated' || this.current.kind === 'selected',
      starttlsAvailable: !!this.opts.tls && !this.tls,
      loginEnabled: !!this.opts.login,
      saslMechanisms: this.opts.certificates ? ['XOAUTH2', 'OAUTHBEARER', 'EXTERNAL'] : ['XOAUTH2', 'OAUTHBEARER'],
      extra: QUOTA_CAPABILITIES,
    });
  }

  /**
   * Queues a response; queued responses leave in one write (one syscall, one TCP segment for a
   * SELECT's nine lines or a FETCH of fifty envelopes) when the command is done, or sooner past
   * OUT_FLUSH bytes. While a command runs nothing leaves before its tagged reply: a command that
   * waits for a commit (a `\Recent` claim) after its untagged lines would otherwise send them
   * ahead in a write of their own. Outside commands (IDLE pushes), on the next turn of the loop.
   */
  write(data: Buffer): void {
    if (this.closed) return;
    this.out.push(data);
    this.outBytes += data.length;
    if (this.outBytes >= OUT_FLUSH) this.flush();
    else if (!this.flushScheduled && !this.busy) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.flushScheduled = false;
    const out = this.out;
    if (out.length === 0) return;
    const bytes = this.outBytes;
    this.out = [];
    this.outBytes = 0;
    if (!this.socket.writable) return;
    if (out.length === 1) {
      this.socket.write(out[0]!);
      return;
    }
    // Small responses are joined here: one stream write costs more than copying a few kB.
    if (bytes <= OUT_FLUSH) {
      this.socket.write(Buffer.concat(out, bytes));
      return;
    }
    this.socket.cork();
    for (const b of out) this.socket.write(b);
    this.socket.uncork();
  }

  ok(tag: string, text: string, responseCode?: EncodedCode | null): void {
    this.write(tagged(tag, 'OK', text, responseCode ?? null));
  }

  bad(tag: string | null, text: string, responseCode?: 'LIMIT' | 'CLIENTBUG'): void {
    this.write(
      tag
        ? tagged(tag, 'BAD', text, responseCode ? code.simple(responseCode) : null)
        : untaggedStatus('BAD', text, responseCode ? code.simple(responseCode) : null),
    );
    if (++this.badCount > MAX_BAD) this.bye('Too many invalid commands');
  }

  /**
   * (Re)starts the inactivity timer, from a completed command line, not from bytes: half a line,
   * or a line trickled in, does not keep a connection open. Before authentication a client has
   * `loginTimeoutMs` (60 s); after, `idleTimeoutMs` (30 minutes, RFC 9051 §5.4), which a client
   * in IDLE resets by re-arming it (DONE, IDLE) every 29 minutes.
   */
  private armIdleTimer(): void {
    const ms = this.current.kind === 'not-authenticated' ? (this.opts.loginTimeoutMs ?? 60_000) : (this.opts.idleTimeoutMs ?? 30 * 60_000);
    if (this.idleTimer && this.idleTimerMs === ms) {
      this.idleTimer.refresh();
      return;
    }
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimerMs = ms;
    this.idleTimer = setTimeout(() => this.onInactive(), ms);
    this.idleTimer.unref();
  }

  private onInactive(): void {
    // A command still running (a token being checked, a long FETCH) is not inactivity.
    if (this.busy) {
      this.idleTimer?.refresh();
      return;
    }
    const before = this.current.kind === 'not-authenticated';
    this.log.info({ authenticated: !before, timeoutMs: this.idleTimerMs }, 'imap autologout');
    this.bye(before ? `Autologout; no command completed within ${Math.round(this.idleTimerMs / 1000)} s` : 'Autologout; idle for too long');
  }

  // --- state changes -------------------------------------------------------------------------

  async becomeAuthenticated(identity: Identity, expiresAt: Date): Promise<Authenticated> {
    const state: Authenticated = { kind: 'authenticated', identity };
    this.current = state;
    await identity.scope.transaction(async (box) => {
      await box.ensureFolder('INBOX');
      for (const name of Object.keys(SPECIAL_USE)) await box.ensureFolder(name);
    });
    // R-AUTH-4: the session lives only as long as the token and the right behind it.
    this.guard = new SessionGuard(
      this.opts.access,
      {
        idnat: identity.idnat,
        ...(identity.principal ? { principal: identity.principal } : {}),
        mailbox: identity.mailbox,
        mailboxId: identity.scope.mailboxId,
        channel: 'imap',
        clientId: identity.clientId,
        tokenExpiresAt: expiresAt,
        action: 'read',
      },
      (reason) => {
        this.log.info({ reason, mailbox: identity.mailbox }, 'imap session ended by revocation');
        this.bye(SESSION_END_TEXT[reason]);
      },
    );
    return state;
  }

  enterSelected(identity: Identity, selected: SelectedFolder): Selected {
    this.deselect();
    const state: Selected = { kind: 'selected', identity, selected };
    if (!this.closed) this.current = state;
    return state;
  }

  /** Leaves the selected state (UNSELECT, CLOSE, another SELECT, the end): the shared index is let go. */
  deselect(): void {
    const state = this.current;
    if (state.kind !== 'selected') return;
    this.current = { kind: 'authenticated', identity: state.identity };
    this.releaseSelected(state.selected);
  }

  private releaseSelected(sel: SelectedFolder): void {
    sel.index.unwatch(this.onIndexChanged);
    this.shared.indexes.release(sel.index);
  }

  /**
   * The server is draining: a session between commands (IDLE included) gets its BYE now; one in
   * the middle of a command gets it once the command has answered, so no transaction is cut.
   */
  drain(text: string): void {
    if (this.busy) this.drainText = text;
    else this.bye(text);
  }

  /** Ends the session with an untagged BYE (RFC 3501 §7.1.5). */
  bye(text: string): void {
    if (this.closed) return;
    this.write(untaggedStatus('BYE', text));
    this.endGracefully();
  }

  logout(tag: string): void {
    this.write(untaggedStatus('BYE', 'mss-operator logging out'));
    this.write(tagged(tag, 'OK', 'LOGOUT completed'));
    this.endGracefully();
  }

  /**
   * Half-closes so that what was written still reaches the client (over TLS, destroying at once
   * would drop the buffered records), and stops serving now; the socket is destroyed later if
   * the client never closes its side.
   */
  private endGracefully(): void {
    this.flush();
    this.finish();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 5000).unref();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    const state = this.current;
    this.current = LOGGED_OUT;
    this.guard?.close();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (state.kind === 'selected') this.releaseSelected(state.selected);
    this.out = [];
    this.outBytes = 0;
  }

  private destroy(): void {
    this.finish();
    this.socket.destroy();
    this.resolveClosed();
  }

  // --- input ---------------------------------------------------------------------------------

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (let ev = this.framer.next(); ev && !this.closed; ev = this.framer.next()) {
        switch (ev.type) {
          case 'command':
            // From the line's arrival and again at its end: a command that takes long (a slow
            // token check) is not inactivity.
            this.armIdleTimer();
            await this.onCommand(ev.command);
            if (!this.closed) this.armIdleTimer();
            break;
          case 'literal-request':
            this.onLiteralRequest(ev.tag, ev.name);
            break;
          case 'line-too-long':
            this.bad(ev.tag, `Line too long (limit ${ev.limit} bytes)`, 'LIMIT');
            break;
          case 'literal-too-big':
            if (ev.name === 'APPEND' && ev.tag)
              this.write(tagged(ev.tag, 'NO', `Message too big (limit ${ev.limit} bytes)`, code.simple('TOOBIG')));
            else this.bad(ev.tag, `Literal too big (limit ${ev.limit} bytes)`, 'LIMIT');
            break;
        }
      }
    } catch (err) {
      this.log.error({ err }, 'imap session failed');
      this.bye('Internal error');
    } finally {
      this.busy = false;
      if (this.drainText !== undefined && !this.closed && !this.saslWait) this.bye(this.drainText);
      this.flush();
      // The client may hold its line end until we acknowledge the literal (Nagle): acknowledge now.
      // (Asked first, reported after: an optional call would skip its arguments without a listener.)
      if (!this.closed && this.framer.awaitingLineAfterLiteral) {
        const sent = quickAck(this.socket);
        this.opts.events?.quickAck?.(this.opts.name ?? 'imap', sent);
      }
      if (!this.closed && this.socket.isPaused() && this.framer.bufferedBytes < HIGH_WATER / 2) this.socket.resume();
    }
  }

  private onLiteralRequest(tag: string | null, name: string | null): void {
    // Before a client uploads a message, make sure it could be stored at all.
    const kind = this.current.kind;
    if (this.saslWait || this.idleTag || (name === 'APPEND' && !COMMANDS.APPEND.states.includes(kind))) {
      this.framer.rejectLiteral();
      if (tag)
        this.write(
          tagged(
            tag,
            kind === 'not-authenticated' ? 'NO' : 'BAD',
            kind === 'not-authenticated' ? 'Authenticate first' : 'Unexpected literal',
          ),
        );
      return;
    }
    this.framer.acceptLiteral();
    this.write(continuation('Ready for literal data'));
  }

  private async onCommand(framed: FramedCommand): Promise<void> {
    if (this.saslWait) {
      const resolve = this.saslWait;
      this.saslWait = undefined;
      resolve(framed);
      return;
    }
    if (this.idleTag) {
      if (isIdleDone(framed)) {
        const tag = this.idleTag;
        this.idleTag = null;
        if (this.current.kind === 'selected') this.current.selected.index.unwatch(this.onIndexChanged);
        this.write(tagged(tag, 'OK', 'IDLE terminated'));
      } else {
        this.bad(null, 'Expected DONE to end IDLE');
      }
      return;
    }
    let cmd: Command;
    try {
      cmd = parseCommand(framed);
    } catch (err) {
      if (err instanceof MailboxNameError && err.tag) {
        this.write(tagged(err.tag, 'NO', err.message, code.simple('CANNOT')));
        return;
      }
      if (err instanceof ParseError) {
        if (err.message === 'Empty command line') return;
        this.bad(err.tag, err.message);
        return;
      }
      throw err;
    }
    this.opts.events?.command?.(this.opts.name ?? 'imap', cmd.command);
    try {
      await handlerOf(cmd.command).run(this, cmd, this.current);
    } catch (err) {
      if (err instanceof ImapNo) {
        this.write(tagged(cmd.tag, 'NO', err.message, err.responseCode ? code.simple(err.responseCode) : null));
      } else if (err instanceof MssError) {
        this.write(tagged(cmd.tag, 'NO', err.message));
      } else {
        throw err;
      }
    }
  }

  /** The client's next SASL line, as the base64 text @mss/access parses. */
  async readSaslResponse(): Promise<SaslReply> {
    this.flush();
    const framed = await new Promise<FramedCommand>((resolve) => {
      this.saslWait = resolve;
      // The pump is inside this command: let it deliver the next line.
      this.busy = false;
      void this.pump();
    });
    this.busy = true;
    try {
      const r = parseSaslResponse(framed);
      return r.cancel ? { cancel: true } : { cancel: false, data: r.data.toString('base64') };
    } catch {
      return { cancel: true };
    }
  }

  peerCertificate(): X509Certificate | undefined {
    return this.socket instanceof tls.TLSSocket ? this.socket.getPeerX509Certificate() : undefined;
  }

  startTls(tag: string): void {
    const certificates = this.opts.certificates;
    const secureContext = tls.createSecureContext(certificates ? { ...this.opts.tls, ca: certificates.ca } : this.opts.tls);
    this.write(tagged(tag, 'OK', 'Begin TLS negotiation now'));
    this.flush();
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    // With certificates, a client certificate is asked for but never required by TLS: AUTHENTICATE
    // EXTERNAL judges it and says why it refuses one; token clients are not concerned.
    const secure = new tls.TLSSocket(plain, {
      isServer: true,
      secureContext,
      ...(certificates ? { requestCert: true, rejectUnauthorized: false } : {}),
    });
    this.socket = secure;
    this.attach(secure);
    secure.once('secure', () => {
      this.tls = true;
    });
    // RFC 3501 §6.2.1: anything the client pipelined after STARTTLS in clear text is discarded.
    while (this.framer.next()) {
      /* drop */
    }
    this.tls = true;
  }

  /** RFC 2177: `+ idling`, then changes are pushed as the shared index takes them in, until DONE. */
  async startIdle(tag: string): Promise<void> {
    this.idleTag = tag;
    this.write(continuation('idling'));
    const state = this.current;
    if (state.kind === 'selected') {
      state.selected.index.watch(this.onIndexChanged);
      await this.pushUpdates(true);
    }
  }

  // --- output of changes ---------------------------------------------------------------------

  showingFlags(flags: readonly string[]): void {
    const state = this.current;
    if (state.kind !== 'selected' || !state.selected.learnKeywords(flags)) return;
    for (const b of flagsResponses(state.selected.keywords, state.selected.readOnly)) this.write(b);
  }

  /** Announces what changed in the selected folder; expunges only where RFC 3501 §7.4.1 allows. */
  async pushUpdates(allowExpunge = true, fresh = false, mark?: number): Promise<void> {
    const state = this.current;
    if (state.kind !== 'selected' || this.closed) return;
    const sel = state.selected;
    const r = await sel.sync(allowExpunge, fresh, mark);
    // RFC 7162 §3.2.10: once QRESYNC is enabled, expunges are told by UID, never as EXPUNGE.
    if (this.enabled.has('QRESYNC')) {
      if (r.expungedUids.length > 0) this.write(untagged(atom('VANISHED'), raw(compactSequenceSet(r.expungedUids))));
    } else {
      for (const seq of r.expunged) this.write(untagged(seq, atom('EXPUNGE')));
    }
    if (r.exists !== null) this.write(untagged(r.exists, atom('EXISTS')));
    const condstore = this.enabled.has('CONDSTORE');
    for (const c of r.changed) {
      this.showingFlags(c.flags);
      const items: [string, ImapValue][] = [['FLAGS', raw(flagsText(c.flags, sel.isRecent(c.uid)))]];
      // With QRESYNC (RFC 7162 §3.2) the client keeps its cache by UID and hears of expunges by UID
      // only: an unsolicited FETCH names the UID too, so it never has to guess which message changed.
      if (this.enabled.has('QRESYNC')) items.unshift(['UID', c.uid]);
      if (condstore) items.push(['MODSEQ', raw(`(${c.modseq})`)]);
      this.write(fetchResponse(c.seq, items));
    }
    // Written before anything is awaited: in IDLE two of these may run at once, and what one
    // computed must not go out after what the other computed later. New messages are \Recent
    // here if no session took them; the count the client was told changes (RFC 3501 §7.3.2).
    if (r.exists !== null && sel.recentMode !== 'none' && (await sel.takeRecent()) && !this.closed) {
      this.write(untagged(sel.recentCount(), atom('RECENT')));
    }
  }
}
