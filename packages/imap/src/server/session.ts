import type net from 'node:net';
import tls from 'node:tls';
import { SESSION_END_TEXT, SessionGuard } from '@mss/access';
import { DEFAULT_MAILBOX_QUOTAS, MssError, exceedsQuota, quotaOf, type Logger, type MailboxQuota } from '@mss/runtime';
import { normaliseFlags, parseFlags, type MessageRow, type Store } from '@mss/store';
import {
  Framer,
  ParseError,
  capabilityString,
  code,
  continuation,
  isIdleDone,
  parseCommand,
  parseSaslResponse,
  resolveSequenceSet,
  tagged,
  untagged,
  untaggedStatus,
  atom,
  mailboxName,
  compactSequenceSet,
  fetchResponse,
  formatDateTime,
  raw,
  literal,
  str,
  type Command,
  type CommandOf,
  type FetchItem,
  type FramedCommand,
  type ImapValue,
  type SearchKey,
  type SimpleCode,
} from '../protocol/index.ts';
import { authenticateSasl, isOauthbearerAbort } from './auth.ts';
import { DELIMITER, SPECIAL_USE, isValidFolderName, listPatternToRegExp, normaliseFolderName } from './folders.ts';
import type { ImapServerOptions } from './options.ts';
import { SelectedFolder } from './selected.ts';
import { cachedBodyStructure, cachedEnvelope, cachesOf, messageView, readBody, searchHeadersOfBlob, type MessageView } from './message.ts';
import { acquireIndex, parsedFlags, releaseIndex, type SearchHeaderKey, type SearchHeaders } from './folder-index.ts';

type State = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

type FetchRow = Awaited<ReturnType<Store['mail']['fetchRows']>>[number];

const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'];
const FLAGS_LIST = raw(`(${SYSTEM_FLAGS.join(' ')})`);
const PERMANENT_FLAGS = raw(`(${SYSTEM_FLAGS.join(' ')} \\*)`);
const HIGH_WATER = 1024 * 1024;
/** Responses are gathered and written together; past this much they go at once. */
const OUT_FLUSH = 64 * 1024;
const MAX_BAD = 20;
/**
 * RFC 9208: one quota root per mailbox (BAL), named "", over all its folders; STORAGE and MESSAGE
 * (§5.1, §5.2). Set by the operator's configuration, never by the user.
 */
const QUOTA_CAPABILITIES = ['QUOTA', 'QUOTA=RES-STORAGE', 'QUOTA=RES-MESSAGE'] as const;
const QUOTA_ROOT = '';


interface Identity {
  idnat: string;
  mailbox: string;
  mailboxId: number;
  clientId: string | null;
  role: string;
}

/**
 * One IMAP connection: the state machine of RFC 3501 §3 over the protocol layer (framing,
 * parsing, encoding) and the store. Commands run one at a time, in order; what other sessions
 * change in the selected folder is announced between commands (and at once while IDLE).
 */
export class ImapSession {
  private socket: net.Socket;
  private readonly opts: ImapServerOptions;
  private readonly log: Logger;
  private readonly framer: Framer;
  private state: State = 'not-authenticated';
  private tlsActive = false;
  private identity: Identity | undefined;
  private guard: SessionGuard | undefined;
  private selected: SelectedFolder | undefined;
  private condstore = false;
  private busy = false;
  private closed = false;
  private badCount = 0;
  private idleTag: string | null = null;
  private saslWait: ((framed: FramedCommand) => void) | undefined;
  /** In IDLE: the shared index took in a change; announce it without asking the store again. */
  private readonly onIndexChanged = () => {
    if (this.idleTag && this.selected && !this.closed) void this.pushUpdates(true, true);
  };
  private out: Buffer[] = [];
  private outBytes = 0;
  private flushScheduled = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(socket: net.Socket, opts: ImapServerOptions, tlsOnConnect = false) {
    this.socket = socket;
    this.opts = opts;
    this.tlsActive = tlsOnConnect;
    this.log = opts.logger.child({ service: opts.name ?? 'imap', remote: socket.remoteAddress });
    this.framer = new Framer({ maxAppendLiteralSize: opts.maxMessageSize ?? 50 * 1024 * 1024 });
    this.attach(socket);
    this.write(untaggedStatus('OK', 'mss-operator IMAP ready', ['CAPABILITY', raw(this.capabilities())]));
    this.touch();
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

  private capabilities(): string {
    return capabilityString({
      tls: this.tlsActive,
      authenticated: this.state === 'authenticated' || this.state === 'selected',
      starttlsAvailable: !!this.opts.tls && !this.tlsActive,
      loginEnabled: !!this.opts.benchLogin,
      extra: QUOTA_CAPABILITIES,
    });
  }

  /**
   * Queues a response; queued responses leave in one write (one syscall, one TCP segment for a
   * SELECT's nine lines or a FETCH of fifty envelopes) when the command is done, or sooner.
   */
  private write(data: Buffer): void {
    if (this.closed) return;
    this.out.push(data);
    this.outBytes += data.length;
    if (this.outBytes >= OUT_FLUSH) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
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

  private touch(): void {
    if (this.idleTimer) {
      this.idleTimer.refresh();
      return;
    }
    this.idleTimer = setTimeout(() => this.bye('Idle for too long'), this.opts.idleTimeoutMs ?? 30 * 60_000);
    this.idleTimer.unref();
  }

  /** Leaves the selected state (UNSELECT, CLOSE, another SELECT, the end): the shared index is let go. */
  private deselect(): void {
    const sel = this.selected;
    if (!sel) return;
    this.selected = undefined;
    sel.index.unwatch(this.onIndexChanged);
    releaseIndex(this.opts.store, sel.index);
  }

  /** Ends the session with an untagged BYE (RFC 3501 §7.1.5). */
  bye(text: string): void {
    if (this.closed) return;
    this.write(untaggedStatus('BYE', text));
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
    this.state = 'logout';
    this.guard?.close();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.deselect();
    this.out = [];
    this.outBytes = 0;
  }

  private destroy(): void {
    this.finish();
    this.socket.destroy();
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (let ev = this.framer.next(); ev && !this.closed; ev = this.framer.next()) {
        this.touch();
        switch (ev.type) {
          case 'command':
            await this.onCommand(ev.command);
            break;
          case 'literal-request':
            this.onLiteralRequest(ev.tag, ev.name);
            break;
          case 'line-too-long':
            this.bad(ev.tag, `Line too long (limit ${ev.limit} bytes)`, 'LIMIT');
            break;
          case 'literal-too-big':
            if (ev.name === 'APPEND' && ev.tag) this.write(tagged(ev.tag, 'NO', `Message too big (limit ${ev.limit} bytes)`, code.simple('TOOBIG')));
            else this.bad(ev.tag, `Literal too big (limit ${ev.limit} bytes)`, 'LIMIT');
            break;
        }
      }
    } catch (err) {
      this.log.error({ err }, 'imap session failed');
      this.bye('Internal error');
    } finally {
      this.busy = false;
      this.flush();
      if (!this.closed && this.socket.isPaused() && this.framer.bufferedBytes < HIGH_WATER / 2) this.socket.resume();
    }
  }

  private bad(tag: string | null, text: string, responseCode?: 'LIMIT' | 'CLIENTBUG'): void {
    this.write(tag ? tagged(tag, 'BAD', text, responseCode ? code.simple(responseCode) : null) : untaggedStatus('BAD', text, responseCode ? code.simple(responseCode) : null));
    if (++this.badCount > MAX_BAD) this.bye('Too many invalid commands');
  }

  private onLiteralRequest(tag: string | null, name: string | null): void {
    // Before a client uploads a message, make sure it could be stored at all.
    if (this.saslWait || this.idleTag || (name === 'APPEND' && this.state !== 'authenticated' && this.state !== 'selected')) {
      this.framer.rejectLiteral();
      if (tag) this.write(tagged(tag, this.state === 'not-authenticated' ? 'NO' : 'BAD', this.state === 'not-authenticated' ? 'Authenticate first' : 'Unexpected literal'));
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
        this.selected?.index.unwatch(this.onIndexChanged);
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
      if (err instanceof ParseError) {
        if (err.message === 'Empty command line') return;
        this.bad(err.tag, err.message);
        return;
      }
      throw err;
    }
    try {
      await this.dispatch(cmd);
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

  private requireState(cmd: Command, ...states: State[]): void {
    if (!states.includes(this.state)) {
      throw new ImapNo(this.state === 'not-authenticated' ? 'Authenticate first' : this.state === 'authenticated' ? 'Select a folder first' : `Not allowed in this state`);
    }
    void cmd;
  }

  private async dispatch(cmd: Command): Promise<void> {
    switch (cmd.command) {
      case 'CAPABILITY':
        this.write(untagged(atom('CAPABILITY'), raw(this.capabilities())));
        return this.ok(cmd.tag, 'CAPABILITY completed');
      case 'NOOP':
      case 'CHECK':
        if (this.state === 'selected') await this.pushUpdates(true);
        return this.ok(cmd.tag, `${cmd.command} completed`);
      case 'LOGOUT':
        this.write(untaggedStatus('BYE', 'mss-operator logging out'));
        this.write(tagged(cmd.tag, 'OK', 'LOGOUT completed'));
        this.endGracefully();
        return;
      case 'ID':
        this.write(untagged(atom('ID'), [str('name'), str('mss-operator'), str('vendor'), str('mss-operator'), str('support-url'), str('https://mss-operator.invalid')]));
        return this.ok(cmd.tag, 'ID completed');
      case 'STARTTLS':
        return this.starttls(cmd);
      case 'AUTHENTICATE':
        return this.authenticate(cmd);
      case 'LOGIN':
        return this.login(cmd);
      case 'ENABLE': {
        this.requireState(cmd, 'authenticated', 'selected');
        const enabled = cmd.args.capabilities.filter((c) => c === 'CONDSTORE');
        if (enabled.length) this.condstore = true;
        this.write(untagged(atom('ENABLED'), ...enabled.map(atom)));
        return this.ok(cmd.tag, 'ENABLE completed');
      }
      case 'NAMESPACE':
        this.requireState(cmd, 'authenticated', 'selected');
        this.write(untagged(atom('NAMESPACE'), raw(`(("" "${DELIMITER}")) NIL NIL`)));
        return this.ok(cmd.tag, 'NAMESPACE completed');
      case 'SELECT':
      case 'EXAMINE':
        this.requireState(cmd, 'authenticated', 'selected');
        return this.select(cmd.tag, cmd.args.mailbox, cmd.command === 'EXAMINE', cmd.args.condstore);
      case 'CREATE':
        this.requireState(cmd, 'authenticated', 'selected');
        return this.create(cmd);
      case 'DELETE':
        this.requireState(cmd, 'authenticated', 'selected');
        return this.deleteFolder(cmd);
      case 'RENAME':
        this.requireState(cmd, 'authenticated', 'selected');
        return this.rename(cmd);
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE': {
        this.requireState(cmd, 'authenticated', 'selected');
        const f = await this.folderOr404(cmd.args.mailbox);
        await this.opts.store.mail.setSubscribed(f.id, cmd.command === 'SUBSCRIBE');
        return this.ok(cmd.tag, `${cmd.command} completed`);
      }
      case 'LIST':
        this.requireState(cmd, 'authenticated', 'selected');
        return this.list(cmd.tag, cmd.args.reference, cmd.args.patterns, false, cmd.args.return.specialUse || cmd.args.select.specialUse);
      case 'LSUB':
        this.requireState(cmd, 'authenticated', 'selected');
        return this.list(cmd.tag, cmd.args.reference, [cmd.args.pattern], true, false);
      case 'STATUS':
        this.requireState(cmd, 'authenticated', 'selected');
        return this.status(cmd);
      case 'APPEND':
        this.requireState(cmd, 'authenticated', 'selected');
        return this.append(cmd);
      case 'IDLE':
        this.requireState(cmd, 'authenticated', 'selected');
        this.idleTag = cmd.tag;
        this.write(continuation('idling'));
        if (this.state === 'selected') {
          this.selected!.index.watch(this.onIndexChanged);
          await this.pushUpdates(true);
        }
        return;
      case 'CLOSE':
      case 'UNSELECT': {
        this.requireState(cmd, 'selected');
        const sel = this.selected!;
        if (cmd.command === 'CLOSE' && !sel.readOnly) await this.expungeDeleted(sel, null, false);
        this.deselect();
        this.state = 'authenticated';
        return this.ok(cmd.tag, `${cmd.command} completed`);
      }
      case 'EXPUNGE':
        this.requireState(cmd, 'selected');
        return this.expunge(cmd);
      case 'SEARCH':
        this.requireState(cmd, 'selected');
        return this.search(cmd);
      case 'FETCH':
        this.requireState(cmd, 'selected');
        return this.fetch(cmd);
      case 'STORE':
        this.requireState(cmd, 'selected');
        return this.store(cmd);
      case 'COPY':
      case 'MOVE':
        this.requireState(cmd, 'selected');
        return this.copyMove(cmd);
      case 'GETQUOTA':
      case 'GETQUOTAROOT':
      case 'SETQUOTA':
        this.requireState(cmd, 'authenticated', 'selected');
        return this.quotaCommand(cmd);
    }
  }

  private ok(tag: string, text: string, responseCode?: readonly [string, ...ImapValue[]] | null): void {
    this.write(tagged(tag, 'OK', text, responseCode ?? null));
  }

  // --- connection and authentication ----------------------------------------------------------

  private async starttls(cmd: CommandOf<'STARTTLS'>): Promise<void> {
    if (this.tlsActive) throw new ImapNo('TLS is already active');
    if (!this.opts.tls) throw new ImapNo('STARTTLS is not available on this listener');
    if (this.state !== 'not-authenticated') throw new ImapNo('STARTTLS only before authentication');
    this.write(tagged(cmd.tag, 'OK', 'Begin TLS negotiation now'));
    this.flush();
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    plain.removeAllListeners('error');
    const secure = new tls.TLSSocket(plain, { isServer: true, secureContext: tls.createSecureContext(this.opts.tls) });
    this.socket = secure;
    this.attach(secure);
    secure.once('secure', () => {
      this.tlsActive = true;
    });
    // RFC 3501 §6.2.1: anything the client pipelined after STARTTLS in clear text is discarded.
    while (this.framer.next()) {
      /* drop */
    }
    this.tlsActive = true;
  }

  /** The client's next SASL line, as the base64 text @mss/access parses. */
  private async readSaslResponse(): Promise<{ cancel: true } | { cancel: false; data: string }> {
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

  private async authenticate(cmd: CommandOf<'AUTHENTICATE'>): Promise<void> {
    if (this.state !== 'not-authenticated') throw new ImapNo('Already authenticated');
    if (!this.tlsActive) {
      this.write(tagged(cmd.tag, 'NO', 'Authentication requires TLS: use STARTTLS first', code.simple('PRIVACYREQUIRED')));
      return;
    }
    const mechanism = cmd.args.mechanism.toUpperCase();
    if (mechanism !== 'XOAUTH2' && mechanism !== 'OAUTHBEARER') {
      this.write(tagged(cmd.tag, 'NO', `Unsupported mechanism ${mechanism.slice(0, 20)}: use XOAUTH2 or OAUTHBEARER`));
      return;
    }
    let response = cmd.args.initialResponse;
    if (response === null) {
      this.write(continuation());
      const r = await this.readSaslResponse();
      if (r.cancel) {
        this.write(tagged(cmd.tag, 'BAD', 'Authentication cancelled'));
        return;
      }
      response = r.data;
    }
    const outcome = await authenticateSasl(mechanism, response, { access: this.opts.access, validator: this.opts.tokenValidator });
    if (!outcome.ok) {
      if (outcome.kind === 'token') {
        // R-AUTH-3: the mechanism's error challenge first; the client answers (empty or ^A), then NO.
        this.write(continuation(outcome.challenge));
        const reply = await this.readSaslResponse();
        if (mechanism === 'OAUTHBEARER' && !reply.cancel && !isOauthbearerAbort(reply.data)) this.log.debug('client did not abort after OAUTHBEARER error challenge');
        this.write(tagged(cmd.tag, 'NO', 'Authentication failed', code.simple('AUTHENTICATIONFAILED')));
      } else if (outcome.kind === 'authorization') {
        this.write(tagged(cmd.tag, 'NO', outcome.text, code.simple('AUTHORIZATIONFAILED')));
      } else if (outcome.kind === 'temporary') {
        this.write(tagged(cmd.tag, 'NO', 'Cannot check the token now, try again later', code.simple('UNAVAILABLE')));
      } else {
        this.write(tagged(cmd.tag, 'NO', outcome.text, code.simple('AUTHENTICATIONFAILED')));
      }
      return;
    }
    await this.becomeAuthenticated({ idnat: outcome.idnat, mailbox: outcome.mailbox, mailboxId: outcome.mailboxId, clientId: outcome.clientId, role: outcome.role }, outcome.expiresAt);
    this.ok(cmd.tag, `Authenticated: ${outcome.mailbox} as ${outcome.role}`, ['CAPABILITY', raw(this.capabilities())]);
  }

  private async login(cmd: CommandOf<'LOGIN'>): Promise<void> {
    if (!this.opts.benchLogin) {
      this.write(tagged(cmd.tag, 'NO', 'LOGIN is disabled: use AUTHENTICATE XOAUTH2 or OAUTHBEARER after STARTTLS', code.simple('PRIVACYREQUIRED')));
      return;
    }
    if (this.state !== 'not-authenticated') throw new ImapNo('Already authenticated');
    const box = await this.opts.store.mailboxes.byAddress(cmd.args.userid);
    if (!box || box.status !== 'active' || cmd.args.password !== this.opts.benchLogin.password) {
      this.write(tagged(cmd.tag, 'NO', 'Authentication failed', code.simple('AUTHENTICATIONFAILED')));
      return;
    }
    await this.becomeAuthenticated({ idnat: box.owner_idnat, mailbox: box.address, mailboxId: box.id, clientId: 'bench', role: 'bench' }, new Date(Date.now() + 24 * 3600_000));
    this.ok(cmd.tag, 'LOGIN completed (bench listener)', ['CAPABILITY', raw(this.capabilities())]);
  }

  private async becomeAuthenticated(identity: Identity, expiresAt: Date): Promise<void> {
    this.identity = identity;
    this.state = 'authenticated';
    await this.opts.store.transaction(async (tx) => {
      await tx.mail.ensureFolder(identity.mailboxId, 'INBOX');
      for (const name of Object.keys(SPECIAL_USE)) await tx.mail.ensureFolder(identity.mailboxId, name);
    });
    if (identity.role !== 'bench') {
      // R-AUTH-4: the session lives only as long as the token and the right behind it.
      this.guard = new SessionGuard(
        this.opts.access,
        { idnat: identity.idnat, mailbox: identity.mailbox, mailboxId: identity.mailboxId, channel: 'imap', clientId: identity.clientId, tokenExpiresAt: expiresAt, action: 'read' },
        (reason) => {
          this.log.info({ reason, mailbox: identity.mailbox }, 'imap session ended by revocation');
          this.bye(SESSION_END_TEXT[reason]);
        },
      );
    }
  }

  // --- folders -----------------------------------------------------------------------------------

  private async folderOr404(name: string) {
    const f = await this.opts.store.mail.folder(this.identity!.mailboxId, normaliseFolderName(name));
    if (!f) throw new ImapNo(`No such folder ${name.slice(0, 100)}`, 'NONEXISTENT');
    return f;
  }

  private async select(tag: string, name: string, readOnly: boolean, condstore: boolean): Promise<void> {
    if (condstore) this.condstore = true;
    this.deselect();
    this.state = 'authenticated';
    const f = await this.folderOr404(name);
    const index = acquireIndex(this.opts.store, f.id, searchHeadersOfBlob);
    try {
      await index.ensureFresh(this.opts.store, f);
    } catch (err) {
      releaseIndex(this.opts.store, index);
      throw err;
    }
    if (index.gone) {
      releaseIndex(this.opts.store, index);
      throw new ImapNo(`No such folder ${name.slice(0, 100)}`, 'NONEXISTENT');
    }
    const sel = new SelectedFolder(index, f.name, readOnly);
    this.selected = sel;
    this.state = 'selected';
    const firstUnseen = index.firstUnseenSeq();
    this.write(untagged(atom('FLAGS'), FLAGS_LIST));
    this.write(untagged(sel.exists, atom('EXISTS')));
    this.write(untagged(0, atom('RECENT')));
    if (firstUnseen > 0) this.write(untaggedStatus('OK', `First unseen`, code.unseen(firstUnseen)));
    this.write(untaggedStatus('OK', 'Permanent flags', readOnly ? ['PERMANENTFLAGS', raw('()')] : ['PERMANENTFLAGS', PERMANENT_FLAGS]));
    this.write(untaggedStatus('OK', 'UIDs valid', code.uidValidity(sel.uidValidity)));
    this.write(untaggedStatus('OK', 'Predicted next UID', code.uidNext(sel.uidNext)));
    this.write(untaggedStatus('OK', 'Highest', code.highestModseq(BigInt(sel.highestModseq))));
    this.ok(tag, `${readOnly ? 'EXAMINE' : 'SELECT'} completed`, readOnly ? ['READ-ONLY'] : ['READ-WRITE']);
  }

  private async create(cmd: CommandOf<'CREATE'>): Promise<void> {
    const name = normaliseFolderName(cmd.args.mailbox.replace(/\/$/, ''));
    if (name === 'INBOX') throw new ImapNo('INBOX always exists', 'ALREADYEXISTS');
    if (!isValidFolderName(name)) throw new ImapNo('Invalid folder name', 'CANNOT');
    if (await this.opts.store.mail.folder(this.identity!.mailboxId, name)) throw new ImapNo('Folder already exists', 'ALREADYEXISTS');
    await this.opts.store.mail.createFolder(this.identity!.mailboxId, name);
    this.ok(cmd.tag, 'CREATE completed');
  }

  private async deleteFolder(cmd: CommandOf<'DELETE'>): Promise<void> {
    const name = normaliseFolderName(cmd.args.mailbox);
    if (name === 'INBOX') throw new ImapNo('INBOX cannot be deleted', 'CANNOT');
    const f = await this.folderOr404(name);
    const children = (await this.opts.store.mail.folders(this.identity!.mailboxId)).some((x) => x.name.startsWith(`${f.name}${DELIMITER}`));
    if (children) throw new ImapNo('Folder has sub-folders; delete them first', 'CANNOT');
    await this.opts.store.transaction((tx) => tx.mail.deleteFolder(f.id));
    if (this.selected?.folderId === f.id) {
      this.deselect();
      this.state = 'authenticated';
    }
    this.opts.store.notifyFolderChanged(f.id);
    this.ok(cmd.tag, 'DELETE completed');
  }

  private async rename(cmd: CommandOf<'RENAME'>): Promise<void> {
    const from = normaliseFolderName(cmd.args.from);
    const to = normaliseFolderName(cmd.args.to);
    if (from === 'INBOX') throw new ImapNo('Renaming INBOX is not supported here; move its messages instead', 'CANNOT');
    if (!isValidFolderName(to) || to === 'INBOX') throw new ImapNo('Invalid target name', 'CANNOT');
    const f = await this.folderOr404(from);
    if (await this.opts.store.mail.folder(this.identity!.mailboxId, to)) throw new ImapNo('Target folder exists', 'ALREADYEXISTS');
    await this.opts.store.transaction(async (tx) => {
      for (const child of await tx.mail.folders(this.identity!.mailboxId)) {
        if (child.name.startsWith(`${from}${DELIMITER}`)) await tx.mail.renameFolder(child.id, `${to}${child.name.slice(from.length)}`);
      }
      await tx.mail.renameFolder(f.id, to);
    });
    this.ok(cmd.tag, 'RENAME completed');
  }

  private async list(tag: string, reference: string, patterns: readonly string[], lsub: boolean, specialUse: boolean): Promise<void> {
    const cmdName = lsub ? 'LSUB' : 'LIST';
    if (patterns.length === 1 && patterns[0] === '') {
      this.write(untagged(atom(cmdName), raw('(\\Noselect)'), str(DELIMITER), str('')));
      return this.ok(tag, `${cmdName} completed`);
    }
    const folders = await this.opts.store.mail.folders(this.identity!.mailboxId);
    const names = new Set(folders.map((f) => f.name));
    const regexps = patterns.map((p) => listPatternToRegExp(reference, p));
    for (const f of folders.sort((a, b) => (a.name === 'INBOX' ? -1 : b.name === 'INBOX' ? 1 : a.name.localeCompare(b.name)))) {
      if (lsub && !f.subscribed) continue;
      if (!regexps.some((r) => r.test(f.name))) continue;
      const attrs: string[] = [];
      const hasChildren = [...names].some((n) => n.startsWith(`${f.name}${DELIMITER}`));
      if (!lsub) attrs.push(hasChildren ? '\\HasChildren' : '\\HasNoChildren');
      const use = SPECIAL_USE[f.name];
      if (use && !lsub) attrs.push(use);
      if (specialUse && !use) continue;
      this.write(untagged(atom(cmdName), raw(`(${attrs.join(' ')})`), str(DELIMITER), mailboxName(f.name)));
    }
    this.ok(tag, `${cmdName} completed`);
  }

  private async status(cmd: CommandOf<'STATUS'>): Promise<void> {
    const f = await this.folderOr404(cmd.args.mailbox);
    const st = await this.opts.store.mail.status(f.id);
    const items: ImapValue[] = [];
    for (const item of cmd.args.items) {
      const value = {
        MESSAGES: st.messages,
        RECENT: 0,
        UIDNEXT: st.uidnext,
        UIDVALIDITY: st.uidvalidity,
        UNSEEN: st.unseen,
        HIGHESTMODSEQ: st.highestModseq,
        // RFC 9208 §4.1.4: DELETED-STORAGE in the STORAGE resource's unit (1024 octets).
        DELETED: st.deleted,
        'DELETED-STORAGE': kib(st.deletedStorage),
      }[item];
      items.push(atom(item), value);
    }
    this.write(untagged(atom('STATUS'), mailboxName(f.name), items));
    this.ok(cmd.tag, 'STATUS completed');
  }

  // --- quota (RFC 9208) ------------------------------------------------------------------------------

  private mailboxQuota: MailboxQuota | undefined;

  /** This mailbox's limits, from the configuration for its type (read once per session). */
  private async quota(): Promise<MailboxQuota> {
    if (!this.mailboxQuota) {
      const box = await this.opts.store.mailboxes.byId(this.identity!.mailboxId);
      this.mailboxQuota = quotaOf(this.opts.quotas ?? DEFAULT_MAILBOX_QUOTAS, box?.type ?? 'PER');
    }
    return this.mailboxQuota;
  }

  /** `* QUOTA "" (STORAGE used limit MESSAGE used limit)`, STORAGE in units of 1024 octets (§5.1). */
  private async writeQuota(): Promise<void> {
    const quota = await this.quota();
    const usage = await this.opts.store.mail.usage(this.identity!.mailboxId);
    this.write(untagged(atom('QUOTA'), str(QUOTA_ROOT), [atom('STORAGE'), kib(usage.storage), Math.floor(quota.storage / 1024), atom('MESSAGE'), usage.messages, quota.messages]));
  }

  private async quotaCommand(cmd: CommandOf<'GETQUOTA'> | CommandOf<'GETQUOTAROOT'> | CommandOf<'SETQUOTA'>): Promise<void> {
    switch (cmd.command) {
      case 'GETQUOTAROOT': {
        // §4.1.2: every folder of the mailbox has the one root.
        const f = await this.folderOr404(cmd.args.mailbox);
        this.write(untagged(atom('QUOTAROOT'), mailboxName(f.name), str(QUOTA_ROOT)));
        await this.writeQuota();
        return this.ok(cmd.tag, 'GETQUOTAROOT completed');
      }
      case 'GETQUOTA':
        // §4.1.1
        if (cmd.args.root !== QUOTA_ROOT) throw new ImapNo(`No such quota root ${cmd.args.root.slice(0, 100)}`, 'NONEXISTENT');
        await this.writeQuota();
        return this.ok(cmd.tag, 'GETQUOTA completed');
      case 'SETQUOTA':
        // §4.1.3: limits are the operator's (mailbox governance), not the user's; QUOTASET is not announced.
        throw new ImapNo('Quotas are set by the operator, not over IMAP', 'NOPERM');
    }
  }

  // --- messages ----------------------------------------------------------------------------------

  private async append(cmd: CommandOf<'APPEND'>): Promise<void> {
    const f = await this.opts.store.mail.folder(this.identity!.mailboxId, normaliseFolderName(cmd.args.mailbox));
    if (!f) throw new ImapNo(`No such folder ${cmd.args.mailbox.slice(0, 100)}`, 'TRYCREATE');
    const message = cmd.args.message;
    if (message.length === 0) throw new ImapNo('Empty message');
    // RFC 9208 §4.3.1: over quota, nothing is written (checked again in the transaction).
    const quota = await this.quota();
    if (exceedsQuota(quota, await this.opts.store.mail.usage(this.identity!.mailboxId), message.length, 1)) throw overQuota();
    const view = messageView(message);
    const caches = cachesOf(view);
    const blob = await this.opts.store.blobs.put(message);
    const flags = cmd.args.flags.filter((x) => x !== '\\Recent');
    const internalDate = cmd.args.internalDate ? imapDateToIso(cmd.args.internalDate) : undefined;
    // The message and its attribution commit together: one fsync, never one without the other.
    const row = await this.opts.store.groupTransaction(async (tx) => {
      if (exceedsQuota(quota, await tx.mail.usage(this.identity!.mailboxId), blob.size, 1)) throw overQuota();
      const r = await tx.mail.appendMessage(f.id, {
        blobHash: blob.hash,
        size: blob.size,
        flags,
        ...(internalDate ? { internalDate } : {}),
        authorIdnat: this.identity!.idnat,
        ...view.metadata(),
        ...caches,
      });
      await tx.audit.append(this.attribution('append', f.name));
      return r;
    });
    this.opts.store.notifyFolderChanged(f.id);
    if (this.selected?.folderId === f.id) await this.pushUpdates(true);
    this.ok(cmd.tag, 'APPEND completed', code.appendUid(Number(f.uidvalidity), [Number(row.uid)]));
  }

  /** R-CAB-9: who did what in a shared mailbox is traceable — the acting person, not just the mailbox. */
  private attribution(action: string, folder: string) {
    const id = this.identity!;
    return { idnat: id.idnat, mailbox: id.mailbox, action: `imap-${action}:${folder}`.slice(0, 200), channel: 'imap', client_id: id.clientId, outcome: 'allowed' as const, reason: id.role, role: id.role };
  }

  private async attribute(action: string, folder: string): Promise<void> {
    await this.opts.store.audit.append(this.attribution(action, folder));
  }

  private targets(sel: SelectedFolder, set: import('../protocol/index.ts').SequenceSet, uid: boolean): { seq: number; uid: number }[] {
    const out: { seq: number; uid: number }[] = [];
    if (uid) {
      const ns = resolveSequenceSet(set, sel.maxUid);
      for (const [from, to] of ns.ranges()) for (const t of sel.uidRange(from, to)) out.push(t);
    } else {
      if (sel.exists === 0) throw new ImapNo('No messages', 'CLIENTBUG');
      const ns = resolveSequenceSet(set, sel.exists);
      for (const s of ns.values()) {
        if (s > sel.exists) throw new ImapBad('Message sequence number out of range');
        out.push({ seq: s, uid: sel.uidAt(s)! });
      }
    }
    return out;
  }

  /** The messages a command names, or undefined after answering BAD for a bad sequence number. */
  private targetsOrBad(tag: string, sel: SelectedFolder, set: import('../protocol/index.ts').SequenceSet, uid: boolean): { seq: number; uid: number }[] | undefined {
    try {
      return this.targets(sel, set, uid);
    } catch (err) {
      if (err instanceof ImapBad) {
        this.bad(tag, err.message);
        return undefined;
      }
      throw err;
    }
  }

  private async rows(sel: SelectedFolder, uids: number[], withStructures: boolean): Promise<Map<number, FetchRow>> {
    const map = new Map<number, FetchRow>();
    if (uids.length === 0) return map;
    // Scattered UIDs by name, a run of them as one range scan (filtered here).
    const rows = uids.length <= 64 || uids.at(-1)! - uids[0]! < 2 * uids.length ? await this.opts.store.mail.fetchRows(sel.folderId, uids, withStructures) : await this.opts.store.mail.messages(sel.folderId, { fromUid: uids[0], toUid: uids.at(-1) });
    if (rows.length === uids.length) {
      for (const r of rows) map.set(Number(r.uid), r);
      return map;
    }
    const wanted = new Set(uids);
    for (const r of rows) if (wanted.has(Number(r.uid))) map.set(Number(r.uid), r);
    return map;
  }

  private async fetch(cmd: CommandOf<'FETCH'>): Promise<void> {
    const sel = this.selected!;
    const mark = sel.index.mark;
    let wrote = false;
    const targets = this.targetsOrBad(cmd.tag, sel, cmd.args.set, cmd.uid);
    if (!targets) return;
    const items = [...cmd.args.items];
    if (cmd.uid && !items.some((i) => i.item === 'UID')) items.unshift({ item: 'UID' });
    if ((this.condstore || cmd.args.changedSince !== null) && !items.some((i) => i.item === 'MODSEQ')) items.push({ item: 'MODSEQ' });
    const fromRow = ['UID', 'FLAGS', 'MODSEQ', 'INTERNALDATE', 'RFC822.SIZE'];
    const needsBody = (row: FetchRow) => items.some((i) => !fromRow.includes(i.item) && !(i.item === 'ENVELOPE' && row.envelope) && !(i.item === 'BODYSTRUCTURE' && row.body_structure));
    const marksSeen = !sel.readOnly && items.some((i) => (i.item === 'BODY[]' && !i.peek) || i.item === 'RFC822' || i.item === 'RFC822.TEXT');
    const rows = await this.rows(sel, targets.map((t) => t.uid), items.some((i) => i.item === 'ENVELOPE' || i.item === 'BODYSTRUCTURE'));
    const changedSince = cmd.args.changedSince === null ? null : Number(cmd.args.changedSince);
    for (const t of targets) {
      const row = rows.get(t.uid);
      if (!row) continue; // expunged by another session; announced later
      if (changedSince !== null && Number(row.modseq) <= changedSince) continue;
      let flags: readonly string[] = parsedFlags(row.flags);
      let modseq = Number(row.modseq);
      if (marksSeen && !flags.includes('\\Seen')) {
        flags = [...flags, '\\Seen'];
        const set = flags;
        modseq = (await this.opts.store.groupTransaction((tx) => tx.mail.setFlagsModseq(sel.folderId, [t.uid], set))).modseq;
        wrote = true;
        sel.noteFlags(t.uid, modseq);
        this.opts.store.notifyFolderChanged(sel.folderId);
        if (!items.some((i) => i.item === 'FLAGS')) items.push({ item: 'FLAGS' });
      }
      const view: MessageView | undefined = needsBody(row) ? messageView(await readBody(this.opts.store, row.blob_hash, Number(row.size))) : undefined;
      if (view && (row.envelope === null || row.body_structure === null) && items.some((i) => i.item === 'ENVELOPE' || i.item === 'BODYSTRUCTURE')) {
        // Stored without caches (SMTP delivery): fill them for next time.
        const c = cachesOf(view);
        await this.opts.store.mail.setCaches(sel.folderId, t.uid, { ...(c.envelope ? { envelope: c.envelope } : {}), ...(c.bodyStructure ? { bodyStructure: c.bodyStructure } : {}) });
      }
      const out: [string, ImapValue][] = [];
      for (const item of items) out.push(...renderItem(item, row, flags, modseq, view));
      this.write(fetchResponse(t.seq, out));
    }
    await this.pushUpdates(cmd.uid, false, wrote ? undefined : mark);
    this.ok(cmd.tag, `${cmd.uid ? 'UID ' : ''}FETCH completed`);
  }

  private async store(cmd: CommandOf<'STORE'>): Promise<void> {
    const sel = this.selected!;
    if (sel.readOnly) throw new ImapNo('Folder is read-only');
    const targets = this.targetsOrBad(cmd.tag, sel, cmd.args.set, cmd.uid);
    if (!targets) return;
    const wanted = cmd.args.flags.filter((f) => f !== '\\Recent');
    const uids = targets.map((t) => t.uid);
    // One read of the targets and one write per resulting flag set, in one transaction; the
    // MODSEQ each write took comes back with it.
    const results = await this.opts.store.groupTransaction(async (tx) => {
      const modified: number[] = [];
      const groups = new Map<string, number[]>();
      const out: { seq: number; uid: number; flags: string; modseq: number }[] = [];
      const rows = uids.length === 0 ? [] : uids.length <= 64 ? await tx.mail.messagesByUid(sel.folderId, uids) : await tx.mail.messages(sel.folderId, { fromUid: uids[0], toUid: uids.at(-1) });
      const byUid = new Map(rows.map((r) => [Number(r.uid), r]));
      for (const t of targets) {
        const row = byUid.get(t.uid);
        if (!row) continue;
        if (cmd.args.unchangedSince !== null && Number(row.modseq) > Number(cmd.args.unchangedSince)) {
          modified.push(cmd.uid ? t.uid : t.seq);
          continue;
        }
        const current = parsedFlags(row.flags);
        const next = cmd.args.operation === 'replace' ? wanted : cmd.args.operation === 'add' ? [...current, ...wanted] : current.filter((f) => !wanted.includes(f));
        const key = normaliseFlags(next);
        out.push({ seq: t.seq, uid: t.uid, flags: key, modseq: Number(row.modseq) });
        if (key === row.flags) continue;
        const group = groups.get(key);
        if (group) group.push(t.uid);
        else groups.set(key, [t.uid]);
      }
      const modseqs = new Map<number, number>();
      for (const [key, groupUids] of groups) {
        const { modseq } = await tx.mail.setFlagsModseq(sel.folderId, groupUids, parseFlags(key));
        for (const u of groupUids) modseqs.set(u, modseq);
      }
      for (const r of out) r.modseq = modseqs.get(r.uid) ?? r.modseq;
      return { out, modified, changed: groups.size > 0 };
    });
    const modified = results.modified;
    for (const r of results.out) {
      sel.noteFlags(r.uid, r.modseq);
      if (!cmd.args.silent || this.condstore) {
        const items: [string, ImapValue][] = [];
        if (cmd.uid) items.push(['UID', r.uid]);
        if (!cmd.args.silent) items.push(['FLAGS', raw(`(${r.flags})`)]);
        if (this.condstore || cmd.args.unchangedSince !== null) items.push(['MODSEQ', raw(`(${r.modseq})`)]);
        this.write(fetchResponse(r.seq, items));
      }
    }
    if (results.changed) this.opts.store.notifyFolderChanged(sel.folderId);
    await this.pushUpdates(cmd.uid);
    if (modified.length > 0) this.ok(cmd.tag, 'Conditional STORE failed for some messages', ['MODIFIED', raw(compactSequenceSet(modified))]);
    else this.ok(cmd.tag, `${cmd.uid ? 'UID ' : ''}STORE completed`);
  }

  private async expunge(cmd: CommandOf<'EXPUNGE'>): Promise<void> {
    const sel = this.selected!;
    if (sel.readOnly) throw new ImapNo('Folder is read-only');
    const only = cmd.args.uids ? resolveSequenceSet(cmd.args.uids, sel.maxUid) : null;
    await this.expungeDeleted(sel, only, true);
    this.ok(cmd.tag, `${cmd.args.uids ? 'UID ' : ''}EXPUNGE completed`);
  }

  private async expungeDeleted(sel: SelectedFolder, only: { has(n: number): boolean } | null, announce: boolean): Promise<number[]> {
    const removed = await this.opts.store.transaction(async (tx) => {
      const index = await tx.mail.index(sel.folderId);
      const uids = index.filter((e) => parseFlags(e.flags).includes('\\Deleted') && (!only || only.has(e.uid))).map((e) => e.uid);
      await tx.mail.expunge(sel.folderId, uids);
      return uids;
    });
    if (removed.length) {
      await this.attribute('expunge', sel.name);
      this.opts.store.notifyFolderChanged(sel.folderId);
    }
    if (announce) await this.pushUpdates(true);
    return removed;
  }

  private async copyMove(cmd: CommandOf<'COPY'> | CommandOf<'MOVE'>): Promise<void> {
    const sel = this.selected!;
    if (cmd.command === 'MOVE' && sel.readOnly) throw new ImapNo('Folder is read-only');
    const targets = this.targetsOrBad(cmd.tag, sel, cmd.args.set, cmd.uid);
    if (!targets) return;
    const dest = await this.opts.store.mail.folder(this.identity!.mailboxId, normaliseFolderName(cmd.args.mailbox));
    if (!dest) throw new ImapNo(`No such folder ${cmd.args.mailbox.slice(0, 100)}`, 'TRYCREATE');
    const uids = targets.map((t) => t.uid);
    // A COPY adds to the mailbox's usage; a MOVE to another folder of the mailbox (its one quota
    // root) frees what it takes, so only a MOVE onto its own folder (a copy) is checked.
    const quota = cmd.command === 'COPY' || dest.id === sel.folderId ? await this.quota() : null;
    const pairs = await this.opts.store.transaction(async (tx) => {
      const before = quota ? await tx.mail.usage(this.identity!.mailboxId) : null;
      const p = await tx.mail.copyMessages(sel.folderId, uids, dest.id);
      if (cmd.command === 'MOVE' && dest.id !== sel.folderId) await tx.mail.expunge(sel.folderId, p.map(([from]) => from));
      if (quota && before && p.length > 0) {
        // RFC 9208 §4.3.1: the copies are rolled back with the transaction.
        const after = await tx.mail.usage(this.identity!.mailboxId);
        if (exceedsQuota(quota, before, after.storage - before.storage, after.messages - before.messages)) throw overQuota();
      }
      return p;
    });
    this.opts.store.notifyFolderChanged(dest.id);
    const copyUid = pairs.length ? code.copyUid(Number(dest.uidvalidity), pairs.map(([a]) => a), pairs.map(([, b]) => b)) : null;
    if (cmd.command === 'MOVE') {
      await this.attribute('move', `${sel.name}->${dest.name}`);
      this.opts.store.notifyFolderChanged(sel.folderId);
      // RFC 6851: COPYUID comes untagged before the EXPUNGEs.
      if (copyUid) this.write(untaggedStatus('OK', 'Moved', copyUid));
      await this.pushUpdates(true);
      return this.ok(cmd.tag, `${cmd.uid ? 'UID ' : ''}MOVE completed`);
    }
    this.ok(cmd.tag, `${cmd.uid ? 'UID ' : ''}COPY completed`, copyUid);
  }

  private async search(cmd: CommandOf<'SEARCH'>): Promise<void> {
    const sel = this.selected!;
    if (cmd.args.charset && !['UTF-8', 'US-ASCII'].includes(cmd.args.charset)) {
      this.write(tagged(cmd.tag, 'NO', `Unsupported charset ${cmd.args.charset.slice(0, 30)}`, code.badCharset(['UTF-8', 'US-ASCII'])));
      return;
    }
    const mark = sel.index.mark;
    const keys = cmd.args.criteria;
    const criteria = JSON.stringify(keys);
    const needsContent = /"key":"(BODY|TEXT|HEADER|SENTBEFORE|SENTON|SENTSINCE)"/.test(criteria);
    const needsHeaders = /"key":"(BCC|CC|FROM|SUBJECT|TO)"/.test(criteria);
    const needsRow = needsContent || /"key":"(BEFORE|ON|SINCE|LARGER|SMALLER)"/.test(criteria);
    // FROM/TO/CC/BCC/SUBJECT from the folder's cached decoded headers; dates and sizes from the
    // rows; only BODY, TEXT, HEADER and the SENT* dates open the messages themselves.
    const headers = needsHeaders ? await sel.index.searchHeaders(this.opts.store) : undefined;
    const rows = needsRow ? new Map((await this.opts.store.mail.messages(sel.folderId)).map((r) => [Number(r.uid), r])) : undefined;
    const hits: number[] = [];
    let maxModseq = 0;
    const ctx: SearchContext = { row: undefined, uid: 0, seq: 0, flags: [], modseq: 0, exists: sel.exists, maxUid: sel.maxUid, view: undefined, headers: undefined };
    const test = () => {
      if (keys.every((k) => matches(k, ctx))) {
        hits.push(cmd.uid ? ctx.uid : ctx.seq);
        if (ctx.modseq > maxModseq) maxModseq = ctx.modseq;
      }
    };
    const candidates: [number, number, string, number][] = [];
    sel.forEach((uid, seq, flags, modseq) => {
      if (rows && !rows.has(uid)) return; // expunged since the index was read
      // A message whose headers are still being cached is read like any other.
      if (needsContent || (headers && !headers.has(uid))) {
        candidates.push([uid, seq, flags, modseq]);
        return;
      }
      ctx.uid = uid;
      ctx.seq = seq;
      ctx.flags = parsedFlags(flags);
      ctx.modseq = modseq;
      ctx.row = rows?.get(uid);
      ctx.headers = headers?.get(uid);
      test();
    });
    const candidateRows = rows ?? new Map((await this.opts.store.mail.messagesByUid(sel.folderId, candidates.map((c) => c[0]))).map((r) => [Number(r.uid), r]));
    for (const [uid, seq, flags, modseq] of candidates) {
      const row = candidateRows.get(uid);
      if (!row) continue;
      ctx.uid = uid;
      ctx.seq = seq;
      ctx.flags = parsedFlags(flags);
      ctx.modseq = modseq;
      ctx.row = row;
      ctx.headers = headers?.get(uid);
      ctx.view = messageView(await readBody(this.opts.store, row.blob_hash, Number(row.size)));
      test();
    }
    const usesModseq = criteria.includes('"MODSEQ"');
    this.write(Buffer.from(`* SEARCH${hits.length ? ` ${hits.join(' ')}` : ''}${usesModseq && hits.length ? ` (MODSEQ ${maxModseq})` : ''}\r\n`, 'latin1'));
    await this.pushUpdates(cmd.uid, false, mark);
    this.ok(cmd.tag, `${cmd.uid ? 'UID ' : ''}SEARCH completed`);
  }

  /** Announces what changed in the selected folder; expunges only where RFC 3501 §7.4.1 allows. */
  private async pushUpdates(allowExpunge = true, fresh = false, mark?: number): Promise<void> {
    const sel = this.selected;
    if (!sel || this.closed) return;
    const r = await sel.sync(this.opts.store, allowExpunge, fresh, mark);
    for (const seq of r.expunged) this.write(untagged(seq, atom('EXPUNGE')));
    if (r.exists !== null) this.write(untagged(r.exists, atom('EXISTS')));
    for (const c of r.changed) {
      const items: [string, ImapValue][] = [['FLAGS', raw(`(${c.flags.join(' ')})`)]];
      if (this.condstore) items.push(['MODSEQ', raw(`(${c.modseq})`)]);
      this.write(fetchResponse(c.seq, items));
    }
  }
}

class ImapNo extends Error {
  readonly responseCode: SimpleCode | undefined;
  constructor(message: string, responseCode?: SimpleCode) {
    super(message);
    this.responseCode = responseCode;
  }
}

class ImapBad extends Error {}

function overQuota(): ImapNo {
  return new ImapNo('Mailbox quota exceeded: delete or expunge messages first', 'OVERQUOTA');
}

/** Octets in the STORAGE resource's unit, 1024 octets, rounded up (RFC 9208 §5.1). */
function kib(bytes: number): number {
  return Math.ceil(bytes / 1024);
}

function imapDateToIso(d: import('../protocol/index.ts').ImapDateTime): string {
  return d.date.toISOString();
}

function renderItem(item: FetchItem, row: FetchRow, flags: readonly string[], modseq: number, view: MessageView | undefined): [string, ImapValue][] {
  switch (item.item) {
    case 'UID':
      return [['UID', Number(row.uid)]];
    case 'FLAGS':
      return [['FLAGS', raw(`(${flags.join(' ')})`)]];
    case 'MODSEQ':
      return [['MODSEQ', raw(`(${modseq})`)]];
    case 'INTERNALDATE':
      return [['INTERNALDATE', str(formatDateTime(new Date(row.internal_date), 0))]];
    case 'RFC822.SIZE':
      return [['RFC822.SIZE', Number(row.size)]];
    case 'RFC822':
      return [['RFC822', view!.whole()]];
    case 'RFC822.HEADER':
      return [['RFC822.HEADER', literal(view!.sectionBytes({ part: [], text: 'HEADER', fields: [] }))]];
    case 'RFC822.TEXT':
      return [['RFC822.TEXT', literal(view!.sectionBytes({ part: [], text: 'TEXT', fields: [] }))]];
    case 'ENVELOPE':
      return [['ENVELOPE', cachedEnvelope(row) ?? view!.envelope()]];
    case 'BODY':
      return [['BODY', view!.bodyStructure(false)]];
    case 'BODYSTRUCTURE':
      return [['BODYSTRUCTURE', cachedBodyStructure(row) ?? view!.bodyStructure(true)]];
    case 'BODY[]': {
      let data = view!.sectionBytes(item.section);
      const name = fetchItemName(item);
      if (item.partial) data = data.subarray(item.partial.offset, item.partial.offset + item.partial.length);
      return [[name, view!.literalOrNil(data)]];
    }
    case 'BINARY[]':
    case 'BINARY.SIZE':
      return [];
  }
}

function fetchItemName(item: Extract<FetchItem, { item: 'BODY[]' }>): string {
  const s = item.section;
  let spec = s.part.join('.');
  if (s.text) spec += `${spec ? '.' : ''}${s.text}`;
  if (s.text === 'HEADER.FIELDS' || s.text === 'HEADER.FIELDS.NOT') spec += ` (${s.fields.map((f) => f.toUpperCase()).join(' ')})`;
  return `BODY[${spec}]${item.partial ? `<${item.partial.offset}>` : ''}`;
}

interface SearchContext {
  /** Read only when a key needs it (dates, sizes). */
  row: MessageRow | undefined;
  uid: number;
  seq: number;
  flags: readonly string[];
  modseq: number;
  exists: number;
  maxUid: number;
  view: MessageView | undefined;
  headers: SearchHeaders | undefined;
}

// A needle lower-cased once per command, not once per message.
const loweredNeedles = new WeakMap<object, string>();
function lowered(k: { value: string }): string {
  let v = loweredNeedles.get(k);
  if (v === undefined) {
    v = k.value.toLowerCase();
    loweredNeedles.set(k, v);
  }
  return v;
}

// A search key's set resolved once per command, not once per message.
const resolvedSets = new WeakMap<object, { max: number; set: ReturnType<typeof resolveSequenceSet> }>();
function resolvedOnce(k: Extract<SearchKey, { key: 'UID' | 'SEQUENCE' }>, max: number) {
  const hit = resolvedSets.get(k);
  if (hit && hit.max === max) return hit.set;
  const set = resolveSequenceSet(k.set, max);
  resolvedSets.set(k, { max, set });
  return set;
}

function dayOf(iso: string | Date): string {
  return (typeof iso === 'string' ? new Date(iso) : iso).toISOString().slice(0, 10);
}

function calendar(d: import('../protocol/index.ts').CalendarDate): string {
  return `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;
}

function contains(haystack: string, needle: string): boolean {
  return haystack.toLowerCase().includes(needle.toLowerCase());
}

function matches(k: SearchKey, c: SearchContext): boolean {
  const has = (f: string) => c.flags.includes(f);
  switch (k.key) {
    case 'ALL':
      return true;
    case 'ANSWERED':
      return has('\\Answered');
    case 'DELETED':
      return has('\\Deleted');
    case 'DRAFT':
      return has('\\Draft');
    case 'FLAGGED':
      return has('\\Flagged');
    case 'SEEN':
      return has('\\Seen');
    case 'UNANSWERED':
      return !has('\\Answered');
    case 'UNDELETED':
      return !has('\\Deleted');
    case 'UNDRAFT':
      return !has('\\Draft');
    case 'UNFLAGGED':
      return !has('\\Flagged');
    case 'UNSEEN':
      return !has('\\Seen');
    case 'NEW':
    case 'RECENT':
      return false; // \Recent is not tracked (documented)
    case 'OLD':
      return true;
    case 'KEYWORD':
      return has(k.flag);
    case 'UNKEYWORD':
      return !has(k.flag);
    case 'BEFORE':
      return dayOf(c.row!.internal_date) < calendar(k.date);
    case 'ON':
      return dayOf(c.row!.internal_date) === calendar(k.date);
    case 'SINCE':
      return dayOf(c.row!.internal_date) >= calendar(k.date);
    case 'SENTBEFORE':
    case 'SENTON':
    case 'SENTSINCE': {
      const sent = c.view?.sentDate() ?? (c.row!.sent_date ? new Date(c.row!.sent_date) : new Date(c.row!.internal_date));
      const d = dayOf(sent);
      const ref = calendar(k.date);
      return k.key === 'SENTBEFORE' ? d < ref : k.key === 'SENTON' ? d === ref : d >= ref;
    }
    case 'LARGER':
      return Number(c.row!.size) > k.size;
    case 'SMALLER':
      return Number(c.row!.size) < k.size;
    case 'UID':
      return resolvedOnce(k, c.maxUid).has(c.uid);
    case 'SEQUENCE':
      return resolvedOnce(k, c.exists).has(c.seq);
    case 'MODSEQ':
      return c.modseq >= Number(k.modseq);
    case 'NOT':
      return !matches(k.operand, c);
    case 'OR':
      return matches(k.left, c) || matches(k.right, c);
    case 'AND':
      return k.keys.every((x) => matches(x, c));
    case 'HEADER':
      return c.view!.headerValues(k.field).some((v) => contains(v, k.value)) || (k.value === '' && c.view!.headerValues(k.field).length > 0);
    case 'FROM':
    case 'TO':
    case 'CC':
    case 'BCC':
    case 'SUBJECT': {
      const values = c.headers?.[k.key.toLowerCase() as SearchHeaderKey];
      if (c.headers) return values !== null && values !== undefined && values.includes(lowered(k));
      return c.view!.headerValues(k.key).some((v) => contains(v, k.value));
    }
    case 'BODY':
      return contains(c.view!.bodyText(), k.value);
    case 'TEXT':
      return contains(c.view!.headerText(), k.value) || contains(c.view!.bodyText(), k.value);
  }
}
