import type net from 'node:net';
import tls from 'node:tls';
import { SESSION_END_TEXT, SessionGuard } from '@mss/access';
import { MssError, type Logger } from '@mss/runtime';
import { normaliseFlags, parseFlags, type MessageRow } from '@mss/store';
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
import { messageView, type MessageView } from './message.ts';
import { folderIndex } from './folder-cache.ts';

type State = 'not-authenticated' | 'authenticated' | 'selected' | 'logout';

const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'];
const FLAGS_LIST = raw(`(${SYSTEM_FLAGS.join(' ')})`);
const PERMANENT_FLAGS = raw(`(${SYSTEM_FLAGS.join(' ')} \\*)`);
const HIGH_WATER = 1024 * 1024;
const MAX_BAD = 20;


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
  private readonly onFolderChanged = (folderId: number) => {
    if (this.selected?.folderId === folderId && this.idleTag) void this.pushUpdates();
  };
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(socket: net.Socket, opts: ImapServerOptions, tlsOnConnect = false) {
    this.socket = socket;
    this.opts = opts;
    this.tlsActive = tlsOnConnect;
    this.log = opts.logger.child({ service: opts.name ?? 'imap', remote: socket.remoteAddress });
    this.framer = new Framer({ maxAppendLiteralSize: opts.maxMessageSize ?? 50 * 1024 * 1024 });
    this.attach(socket);
    opts.store.events.on('folder-changed', this.onFolderChanged);
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
    });
  }

  private write(data: Buffer): void {
    if (!this.closed && this.socket.writable) this.socket.write(data);
  }

  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.bye('Idle for too long'), this.opts.idleTimeoutMs ?? 30 * 60_000);
    this.idleTimer.unref();
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
    this.opts.store.events.off('folder-changed', this.onFolderChanged);
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
        if (this.state === 'selected') await this.pushUpdates(true);
        return;
      case 'CLOSE':
      case 'UNSELECT': {
        this.requireState(cmd, 'selected');
        const sel = this.selected!;
        if (cmd.command === 'CLOSE' && !sel.readOnly) await this.expungeDeleted(sel, null, false);
        this.selected = undefined;
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
        throw new ImapNo('QUOTA is not supported');
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
    this.selected = undefined;
    this.state = 'authenticated';
    const f = await this.folderOr404(name);
    const sel = new SelectedFolder(f.id, f.name, readOnly, Number(f.uidvalidity));
    const snapshot = await folderIndex(this.opts.store, f.id);
    if (!snapshot) throw new ImapNo(`No such folder ${name.slice(0, 100)}`, 'NONEXISTENT');
    const entries = snapshot.entries;
    sel.load(entries, snapshot.uidnext, snapshot.highestModseq);
    this.selected = sel;
    this.state = 'selected';
    const firstUnseen = entries.findIndex((e) => !parseFlags(e.flags).includes('\\Seen'));
    this.write(untagged(atom('FLAGS'), FLAGS_LIST));
    this.write(untagged(sel.exists, atom('EXISTS')));
    this.write(untagged(0, atom('RECENT')));
    if (firstUnseen >= 0) this.write(untaggedStatus('OK', `First unseen`, code.unseen(firstUnseen + 1)));
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
      this.selected = undefined;
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
      const value = { MESSAGES: st.messages, RECENT: 0, UIDNEXT: st.uidnext, UIDVALIDITY: st.uidvalidity, UNSEEN: st.unseen, HIGHESTMODSEQ: st.highestModseq }[item];
      items.push(atom(item), value);
    }
    this.write(untagged(atom('STATUS'), mailboxName(f.name), items));
    this.ok(cmd.tag, 'STATUS completed');
  }

  // --- messages ----------------------------------------------------------------------------------

  private async append(cmd: CommandOf<'APPEND'>): Promise<void> {
    const f = await this.opts.store.mail.folder(this.identity!.mailboxId, normaliseFolderName(cmd.args.mailbox));
    if (!f) throw new ImapNo(`No such folder ${cmd.args.mailbox.slice(0, 100)}`, 'TRYCREATE');
    const message = cmd.args.message;
    if (message.length === 0) throw new ImapNo('Empty message');
    const view = messageView(message);
    const blob = await this.opts.store.blobs.put(message);
    const flags = cmd.args.flags.filter((x) => x !== '\\Recent');
    const internalDate = cmd.args.internalDate ? imapDateToIso(cmd.args.internalDate) : undefined;
    // The message and its attribution commit together: one fsync, never one without the other.
    const row = await this.opts.store.transaction(async (tx) => {
      const r = await tx.mail.appendMessage(f.id, {
        blobHash: blob.hash,
        size: blob.size,
        flags,
        ...(internalDate ? { internalDate } : {}),
        authorIdnat: this.identity!.idnat,
        ...view.metadata(),
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
      for (const [i, u] of sel.allUids.entries()) if (ns.has(u)) out.push({ seq: i + 1, uid: u });
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

  private async rows(sel: SelectedFolder, uids: number[]): Promise<Map<number, MessageRow>> {
    const map = new Map<number, MessageRow>();
    if (uids.length === 0) return map;
    const rows = await this.opts.store.mail.messages(sel.folderId, { fromUid: uids[0], toUid: uids.at(-1) });
    const wanted = new Set(uids);
    for (const r of rows) if (wanted.has(Number(r.uid))) map.set(Number(r.uid), r);
    return map;
  }

  private async fetch(cmd: CommandOf<'FETCH'>): Promise<void> {
    const sel = this.selected!;
    const targets = this.targetsOrBad(cmd.tag, sel, cmd.args.set, cmd.uid);
    if (!targets) return;
    const items = [...cmd.args.items];
    if (cmd.uid && !items.some((i) => i.item === 'UID')) items.unshift({ item: 'UID' });
    if ((this.condstore || cmd.args.changedSince !== null) && !items.some((i) => i.item === 'MODSEQ')) items.push({ item: 'MODSEQ' });
    const needsBody = items.some((i) => !['UID', 'FLAGS', 'MODSEQ', 'INTERNALDATE', 'RFC822.SIZE'].includes(i.item));
    const marksSeen = !sel.readOnly && items.some((i) => (i.item === 'BODY[]' && !i.peek) || i.item === 'RFC822' || i.item === 'RFC822.TEXT');
    const rows = await this.rows(sel, targets.map((t) => t.uid));
    const changedSince = cmd.args.changedSince === null ? null : Number(cmd.args.changedSince);
    for (const t of targets) {
      const row = rows.get(t.uid);
      if (!row) continue; // expunged by another session; announced later
      if (changedSince !== null && Number(row.modseq) <= changedSince) continue;
      let flags = parseFlags(row.flags);
      let modseq = Number(row.modseq);
      if (marksSeen && !flags.includes('\\Seen')) {
        flags = [...flags, '\\Seen'];
        modseq = await this.opts.store.transaction(async (tx) => {
          await tx.mail.setFlags(sel.folderId, [t.uid], flags);
          return Number((await tx.mail.message(sel.folderId, t.uid))!.modseq);
        });
        sel.noteFlags(t.uid, normaliseFlags(flags), modseq);
        this.opts.store.notifyFolderChanged(sel.folderId);
        if (!items.some((i) => i.item === 'FLAGS')) items.push({ item: 'FLAGS' });
      }
      const view: MessageView | undefined = needsBody ? messageView(await this.opts.store.blobs.get(row.blob_hash)) : undefined;
      const out: [string, ImapValue][] = [];
      for (const item of items) out.push(...renderItem(item, row, flags, modseq, view));
      this.write(fetchResponse(t.seq, out));
    }
    await this.pushUpdates(cmd.uid);
    this.ok(cmd.tag, `${cmd.uid ? 'UID ' : ''}FETCH completed`);
  }

  private async store(cmd: CommandOf<'STORE'>): Promise<void> {
    const sel = this.selected!;
    if (sel.readOnly) throw new ImapNo('Folder is read-only');
    const targets = this.targetsOrBad(cmd.tag, sel, cmd.args.set, cmd.uid);
    if (!targets) return;
    const wanted = cmd.args.flags.filter((f) => f !== '\\Recent');
    const modified: number[] = [];
    const results = await this.opts.store.transaction(async (tx) => {
      const groups = new Map<string, number[]>();
      const out: { seq: number; uid: number; flags: string }[] = [];
      const span = targets.length ? await tx.mail.messages(sel.folderId, { fromUid: Math.min(...targets.map((t) => t.uid)), toUid: Math.max(...targets.map((t) => t.uid)) }) : [];
      const byUid = new Map(span.map((r) => [Number(r.uid), r]));
      for (const t of targets) {
        const row = byUid.get(t.uid);
        if (!row) continue;
        if (cmd.args.unchangedSince !== null && Number(row.modseq) > Number(cmd.args.unchangedSince)) {
          modified.push(cmd.uid ? t.uid : t.seq);
          continue;
        }
        const current = parseFlags(row.flags);
        const next = cmd.args.operation === 'replace' ? wanted : cmd.args.operation === 'add' ? [...current, ...wanted] : current.filter((f) => !wanted.includes(f));
        const key = normaliseFlags(next);
        if (key === row.flags) {
          out.push({ seq: t.seq, uid: t.uid, flags: key });
          continue;
        }
        groups.set(key, [...(groups.get(key) ?? []), t.uid]);
        out.push({ seq: t.seq, uid: t.uid, flags: key });
      }
      for (const [key, uids] of groups) await tx.mail.setFlags(sel.folderId, uids, parseFlags(key));
      const folder = await tx.mail.folderById(sel.folderId);
      // The MODSEQs the changes got, read in the same transaction (one query, not one per message).
      const after = groups.size && span.length ? await tx.mail.messages(sel.folderId, { fromUid: Number(span[0]!.uid), toUid: Number(span.at(-1)!.uid) }) : span;
      return { out, modseq: Number(folder!.highest_modseq), modseqs: new Map(after.map((r) => [Number(r.uid), Number(r.modseq)])) };
    });
    for (const r of results.out) {
      const rowModseq = results.modseqs.get(r.uid);
      sel.noteFlags(r.uid, r.flags, Number(rowModseq ?? results.modseq));
      if (!cmd.args.silent || this.condstore) {
        const items: [string, ImapValue][] = [];
        if (cmd.uid) items.push(['UID', r.uid]);
        if (!cmd.args.silent) items.push(['FLAGS', raw(`(${parseFlags(r.flags).join(' ')})`)]);
        if (this.condstore || cmd.args.unchangedSince !== null) items.push(['MODSEQ', raw(`(${rowModseq ?? results.modseq})`)]);
        this.write(fetchResponse(r.seq, items));
      }
    }
    this.opts.store.notifyFolderChanged(sel.folderId);
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
    const pairs = await this.opts.store.transaction(async (tx) => {
      const p = await tx.mail.copyMessages(sel.folderId, uids, dest.id);
      if (cmd.command === 'MOVE' && dest.id !== sel.folderId) await tx.mail.expunge(sel.folderId, p.map(([from]) => from));
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
    const criteria = JSON.stringify(cmd.args.criteria);
    const needsContent = /"key":"(BCC|BODY|CC|FROM|SUBJECT|TEXT|TO|HEADER|SENTBEFORE|SENTON|SENTSINCE)"/.test(criteria);
    const needsRow = needsContent || /"key":"(BEFORE|ON|SINCE|LARGER|SMALLER)"/.test(criteria);
    const hits: number[] = [];
    let maxModseq = 0;
    const consider = async (uid: number, seq: number, flags: string[], row: MessageRow) => {
      const view = needsContent ? messageView(await this.opts.store.blobs.get(row.blob_hash)) : undefined;
      const ctx: SearchContext = { row, uid, seq, flags, exists: sel.exists, maxUid: sel.maxUid, view };
      if (cmd.args.criteria.every((k) => matches(k, ctx))) {
        hits.push(cmd.uid ? uid : seq);
        maxModseq = Math.max(maxModseq, Number(row.modseq));
      }
    };
    if (needsRow) {
      const bySeq = new Map<number, number>(sel.allUids.map((u, i) => [u, i + 1]));
      for (const row of await this.opts.store.mail.messages(sel.folderId)) {
        const uid = Number(row.uid);
        const seq = bySeq.get(uid);
        if (seq !== undefined) await consider(uid, seq, parseFlags(row.flags), row);
      }
    } else {
      // Flags, UIDs, sequence numbers and MODSEQ are in the session's own index: no database read.
      for (const [i, uid] of sel.allUids.entries()) {
        await consider(uid, i + 1, sel.flagsOf(uid), { uid, modseq: sel.modseqOf(uid) } as unknown as MessageRow);
      }
    }
    const usesModseq = JSON.stringify(cmd.args.criteria).includes('"MODSEQ"');
    this.write(untagged(atom('SEARCH'), ...hits, ...(usesModseq && hits.length ? [raw(`(MODSEQ ${maxModseq})`)] : [])));
    await this.pushUpdates(cmd.uid);
    this.ok(cmd.tag, `${cmd.uid ? 'UID ' : ''}SEARCH completed`);
  }

  /** Announces what changed in the selected folder; expunges only where RFC 3501 §7.4.1 allows. */
  private async pushUpdates(allowExpunge = true): Promise<void> {
    const sel = this.selected;
    if (!sel || this.closed) return;
    const r = await this.opts.store.transaction((tx) => sel.sync(tx, allowExpunge));
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

function imapDateToIso(d: import('../protocol/index.ts').ImapDateTime): string {
  return d.date.toISOString();
}

function renderItem(item: FetchItem, row: MessageRow, flags: string[], modseq: number, view: MessageView | undefined): [string, ImapValue][] {
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
      return [['ENVELOPE', view!.envelope()]];
    case 'BODY':
      return [['BODY', view!.bodyStructure(false)]];
    case 'BODYSTRUCTURE':
      return [['BODYSTRUCTURE', view!.bodyStructure(true)]];
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
  row: MessageRow;
  uid: number;
  seq: number;
  flags: string[];
  exists: number;
  maxUid: number;
  view: MessageView | undefined;
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
      return dayOf(c.row.internal_date) < calendar(k.date);
    case 'ON':
      return dayOf(c.row.internal_date) === calendar(k.date);
    case 'SINCE':
      return dayOf(c.row.internal_date) >= calendar(k.date);
    case 'SENTBEFORE':
    case 'SENTON':
    case 'SENTSINCE': {
      const sent = c.view?.sentDate() ?? (c.row.sent_date ? new Date(c.row.sent_date) : new Date(c.row.internal_date));
      const d = dayOf(sent);
      const ref = calendar(k.date);
      return k.key === 'SENTBEFORE' ? d < ref : k.key === 'SENTON' ? d === ref : d >= ref;
    }
    case 'LARGER':
      return Number(c.row.size) > k.size;
    case 'SMALLER':
      return Number(c.row.size) < k.size;
    case 'UID':
      return resolvedOnce(k, c.maxUid).has(c.uid);
    case 'SEQUENCE':
      return resolvedOnce(k, c.exists).has(c.seq);
    case 'MODSEQ':
      return Number(c.row.modseq) >= Number(k.modseq);
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
    case 'SUBJECT':
      return c.view!.headerValues(k.key).some((v) => contains(v, k.value));
    case 'BODY':
      return contains(c.view!.bodyText(), k.value);
    case 'TEXT':
      return contains(c.view!.headerText(), k.value) || contains(c.view!.bodyText(), k.value);
  }
}
