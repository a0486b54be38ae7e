// A recording proxy for SMTP submission and IMAP, between the software under test and the
// operator. It forwards bytes unchanged, reads them as lines, and terminates STARTTLS on both
// legs (the operator's own certificate towards the client, the trust CA checked towards the
// operator) so that what follows TLS — authentication, messages — is recorded too.

import net from 'node:net';
import tls from 'node:tls';
import { judgeOauthbearer, judgeXoauth2, type SaslJudgement } from '../sasl.ts';
import type { ImapCommand, MailSession, Recording, SaslAttempt, SmtpTransaction } from '../recording.ts';
import { LineSplitter } from './lines.ts';

export interface MailProxyOptions {
  readonly channel: 'smtp' | 'imap';
  readonly host: string;
  readonly port: number;
  readonly upstream: { readonly host: string; readonly port: number };
  /** The operator's certificate and key (what the client expects to see). */
  readonly cert: string;
  readonly key: string;
  /** The CA that signs the operator's certificate. */
  readonly ca: string;
  readonly recording: Recording;
}

export interface RunningProxy {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

const MAX_SHOWN = 400;
const text = (line: Buffer): string => line.toString('utf8').replace(/\r?\n$/, '');
const clip = (s: string): string => (s.length > MAX_SHOWN ? `${s.slice(0, MAX_SHOWN)}… (${s.length} characters)` : s);

function judge(mechanism: string, b64: string): SaslJudgement | null {
  if (mechanism === 'XOAUTH2') return judgeXoauth2(b64);
  if (mechanism === 'OAUTHBEARER') return judgeOauthbearer(b64);
  return null;
}

const PASSWORD_MECHANISMS = new Set(['PLAIN', 'LOGIN', 'CRAM-MD5', 'DIGEST-MD5', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'NTLM']);

/** One proxied connection: its two legs, the session it records, and the protocol state read from the lines. */
class ProxiedConnection {
  readonly #o: MailProxyOptions;
  readonly #s: MailSession;
  #client: net.Socket;
  #server: net.Socket;
  #tls = false;
  #startTls: string | null = null; // SMTP: 'smtp'; IMAP: the command's tag
  #sasl: { mechanism: string; tag: string | null; attempt: SaslAttempt | null; secret: boolean } | null = null;
  #saslResponseExpected = false;
  #dataMode = false;
  #dataParts: Buffer[] = [];
  #awaitingDataGo = false;
  #awaitingDataReply = false;
  #transaction: SmtpTransaction | null = null;
  #clientLines: LineSplitter;
  #serverLines: LineSplitter;

  constructor(client: net.Socket, o: MailProxyOptions) {
    this.#o = o;
    this.#s = o.recording.newMailSession(o.channel);
    this.#client = client;
    this.#server = net.connect(o.upstream.port, o.upstream.host);
    const imap = o.channel === 'imap';
    this.#clientLines = new LineSplitter((l) => this.#onClientLine(l), {
      literals: imap,
      onLiteral: (n) => this.#record('client', `(${n} bytes of literal data)`),
    });
    this.#serverLines = new LineSplitter((l) => this.#onServerLine(l), { literals: imap });
    this.#attach();
    const end = (): void => {
      this.#client.destroy();
      this.#server.destroy();
    };
    for (const sock of [client, this.#server]) {
      sock.on('error', end);
      sock.on('close', end);
    }
  }

  #attach(): void {
    this.#client.on('data', (chunk: Buffer) => {
      this.#server.write(chunk);
      this.#clientLines.push(chunk);
    });
    this.#server.on('data', (chunk: Buffer) => {
      this.#client.write(chunk);
      this.#serverLines.push(chunk);
    });
  }

  #record(from: 'client' | 'server', line: string): void {
    this.#s.lines.push({ at: Date.now(), from, tls: this.#tls, text: clip(line) });
  }

  /** STARTTLS accepted: from now on both legs speak TLS, and we read between them. */
  #upgrade(): void {
    const rawClient = this.#client;
    const rawServer = this.#server;
    rawClient.removeAllListeners('data');
    rawServer.removeAllListeners('data');
    this.#server = tls.connect({ socket: rawServer, ca: this.#o.ca, checkServerIdentity: () => undefined });
    this.#client = new tls.TLSSocket(rawClient, { isServer: true, cert: this.#o.cert, key: this.#o.key });
    const end = (): void => {
      this.#client.destroy();
      this.#server.destroy();
    };
    for (const sock of [this.#client, this.#server]) {
      sock.on('error', end);
      sock.on('close', end);
    }
    this.#tls = true;
    this.#s.startTlsAt = Date.now();
    this.#clientLines = new LineSplitter((l) => this.#onClientLine(l), {
      literals: this.#o.channel === 'imap',
      onLiteral: (n) => this.#record('client', `(${n} bytes of literal data)`),
    });
    this.#serverLines = new LineSplitter((l) => this.#onServerLine(l), { literals: this.#o.channel === 'imap' });
    this.#attach();
  }

  #beginSasl(mechanism: string, tag: string | null, initial: string | undefined, verbLine: string): void {
    const upper = mechanism.toUpperCase();
    if (PASSWORD_MECHANISMS.has(upper)) {
      this.#s.passwordLogins.push({ at: Date.now(), command: `${tag ? `${tag} AUTHENTICATE` : 'AUTH'} ${upper}`, tls: this.#tls });
      this.#record('client', `${verbLine} ${upper}${initial ? ' <credentials withheld>' : ''}`);
      this.#sasl = { mechanism: upper, tag, attempt: null, secret: true };
      return;
    }
    this.#sasl = { mechanism: upper, tag, attempt: null, secret: false };
    if (initial !== undefined && initial !== '=') {
      this.#recordResponse(initial, `${verbLine} ${upper} `);
    } else {
      this.#record('client', `${verbLine} ${upper}`);
    }
  }

  #recordResponse(b64: string, prefix: string): void {
    const sasl = this.#sasl;
    if (!sasl) return;
    const j = judge(sasl.mechanism, b64.trim());
    if (!j) {
      this.#record('client', `${prefix}<response withheld>`);
      return;
    }
    const attempt: SaslAttempt = { at: Date.now(), mechanism: sasl.mechanism, tls: this.#tls, ...j, accepted: null };
    sasl.attempt = attempt;
    this.#s.sasl.push(attempt);
    this.#record('client', `${prefix}base64(${j.shown})`);
  }

  #saslDone(ok: boolean): void {
    const attempt = this.#sasl?.attempt;
    if (attempt) {
      attempt.accepted = ok;
      if (ok) this.#s.user = attempt.user;
    }
    this.#sasl = null;
    this.#saslResponseExpected = false;
  }

  #onClientLine(raw: Buffer): void {
    const line = text(raw);
    if (this.#o.channel === 'smtp' && this.#dataMode) {
      if (line === '.') {
        this.#dataMode = false;
        this.#awaitingDataReply = true;
        const data = Buffer.concat(this.#dataParts);
        this.#dataParts = [];
        if (this.#transaction) this.#transaction.data = data;
        this.#record('client', `(message of ${data.length} bytes)`);
        this.#record('client', '.');
      } else {
        this.#dataParts.push(raw[0] === 0x2e ? raw.subarray(1) : raw);
      }
      return;
    }
    if (this.#saslResponseExpected && this.#sasl) {
      this.#saslResponseExpected = false;
      if (this.#sasl.secret) this.#record('client', '<credentials withheld>');
      else if (line === '' || line === '*') this.#record('client', line);
      else this.#recordResponse(line, '');
      return;
    }
    if (this.#o.channel === 'smtp') this.#smtpClient(line);
    else this.#imapClient(line);
  }

  #smtpClient(line: string): void {
    const [verb = '', ...rest] = line.split(' ');
    const v = verb.toUpperCase();
    if (v === 'AUTH') {
      this.#beginSasl(rest[0] ?? '', null, rest[1], 'AUTH');
      return;
    }
    this.#record('client', line);
    if (v === 'STARTTLS') this.#startTls = 'smtp';
    else if (v === 'MAIL') {
      const m = /^MAIL FROM:\s*<([^>]*)>/i.exec(line);
      this.#transaction = { at: Date.now(), mailFrom: m?.[1] ?? null, rcptTo: [], data: null, reply: null };
      this.#s.transactions.push(this.#transaction);
    } else if (v === 'RCPT') {
      const m = /^RCPT TO:\s*<([^>]*)>/i.exec(line);
      if (m?.[1] && this.#transaction) this.#transaction.rcptTo.push(m[1]);
    } else if (v === 'DATA') this.#awaitingDataGo = true;
  }

  #imapClient(line: string): void {
    const m = /^(\S+) (UID )?(\S+)(?: (.*))?$/i.exec(line);
    if (!m) {
      this.#record('client', line);
      return;
    }
    const [, tag = '', uid, verb = '', args = ''] = m;
    const name = `${uid ? 'UID ' : ''}${verb.toUpperCase()}`;
    const command: ImapCommand = { at: Date.now(), tag, name, line: '', tls: this.#tls, status: null };
    if (name === 'AUTHENTICATE') {
      const [mech = '', initial] = args.split(' ');
      this.#beginSasl(mech, tag, initial, `${tag} AUTHENTICATE`);
    } else if (name === 'LOGIN') {
      this.#s.passwordLogins.push({ at: Date.now(), command: `${tag} LOGIN`, tls: this.#tls });
      this.#record('client', `${tag} LOGIN ${args.split(' ')[0] ?? ''} <password withheld>`);
    } else {
      this.#record('client', line);
      if (name === 'STARTTLS') this.#startTls = tag;
    }
    this.#s.commands.push({ ...command, line: this.#s.lines[this.#s.lines.length - 1]?.text ?? '' });
  }

  #onServerLine(raw: Buffer): void {
    const line = text(raw);
    this.#record('server', line);
    if (this.#o.channel === 'smtp') this.#smtpServer(line);
    else this.#imapServer(line);
  }

  #smtpServer(line: string): void {
    const final = /^\d{3}( |$)/.test(line);
    if (this.#startTls === 'smtp' && final) {
      this.#startTls = null;
      if (line.startsWith('220')) this.#upgrade();
      return;
    }
    if (this.#sasl) {
      if (line.startsWith('334')) this.#saslResponseExpected = true;
      else if (final) this.#saslDone(line.startsWith('235'));
      return;
    }
    if (this.#awaitingDataGo && final) {
      this.#awaitingDataGo = false;
      if (line.startsWith('354')) this.#dataMode = true;
      return;
    }
    if (this.#awaitingDataReply && final) {
      this.#awaitingDataReply = false;
      if (this.#transaction) this.#transaction.reply = line;
    }
  }

  #imapServer(line: string): void {
    if (line.startsWith('+') && this.#sasl) {
      this.#saslResponseExpected = true;
      return;
    }
    const m = /^(\S+) (OK|NO|BAD)\b/i.exec(line);
    if (!m || m[1] === '*') return;
    const tag = m[1]!;
    const status = m[2]!.toUpperCase() as 'OK' | 'NO' | 'BAD';
    const command = [...this.#s.commands].reverse().find((c) => c.tag === tag && c.status === null);
    if (command) command.status = status;
    if (this.#sasl && this.#sasl.tag === tag) this.#saslDone(status === 'OK');
    if (this.#startTls === tag) {
      this.#startTls = null;
      if (status === 'OK') this.#upgrade();
    }
  }
}

export function startMailProxy(o: MailProxyOptions): Promise<RunningProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    new ProxiedConnection(client, o);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        url: `${o.channel}://${o.host}:${port}`,
        port,
        stop: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
