// A byte-exact SMTP client for the cases the real clients cannot produce (pipelined batches,
// revocation between two commands, abuse): plain sockets, STARTTLS by node:tls.
import net from 'node:net';
import tls from 'node:tls';
import { encodeOauthbearer, encodeXoauth2 } from '@mss/access';

export class Conversation {
  private socket: net.Socket;
  private buffer = '';
  private waiters: (() => void)[] = [];
  closed = false;
  /** The server's first reply (220, or 421 when it refuses the connection). */
  greeting = '';
  readonly ended: Promise<void>;
  private resolveEnded!: () => void;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.ended = new Promise((r) => (this.resolveEnded = r));
    this.attach(socket);
  }

  /** `localAddress`: another loopback address (127.0.0.2) to be another client. */
  static async open(port: number, localAddress?: string): Promise<Conversation> {
    const socket = net.connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    const c = new Conversation(socket);
    c.greeting = await c.reply();
    return c;
  }

  /** Connects, EHLO, STARTTLS, EHLO, and AUTH XOAUTH2 (checked to succeed). */
  static async authenticated(port: number, user: string, token: string): Promise<Conversation> {
    const c = await Conversation.open(port);
    await c.secure();
    const r = await c.command(`AUTH XOAUTH2 ${encodeXoauth2(user, token)}`);
    if (!r.startsWith('235 ')) throw new Error(`AUTH failed: ${r}`);
    return c;
  }

  static oauthbearer(user: string, token: string): string {
    return encodeOauthbearer({ user, token });
  }

  private attach(socket: net.Socket): void {
    socket.on('data', (d: Buffer) => {
      this.buffer += d.toString('utf8');
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.resolveEnded();
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  send(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }

  /**
   * The next complete reply (all its lines), or '' if the server closed first. The default deadline
   * is generous: it costs nothing when the reply comes, and a loaded CI machine may take seconds.
   */
  async reply(ms = 30_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = /^\d{3} [^\r\n]*\r\n/m.exec(this.buffer);
      if (m) {
        const end = m.index + m[0].length;
        const out = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end);
        return out.replace(/\r\n$/, '');
      }
      if (this.closed) return '';
      if (Date.now() > deadline) throw new Error(`no reply in ${ms} ms; got ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async command(line: string): Promise<string> {
    this.send(`${line}\r\n`);
    return this.reply();
  }

  async secure(): Promise<void> {
    await this.command('EHLO client.example');
    const r = await this.command('STARTTLS');
    if (!r.startsWith('220 ')) throw new Error(`STARTTLS failed: ${r}`);
    await this.upgrade({ rejectUnauthorized: false });
    const ehlo = await this.command('EHLO client.example');
    if (!ehlo.startsWith('250')) throw new Error(`EHLO failed: ${ehlo}`);
  }

  /** The TLS handshake after a 220 to STARTTLS, with these options (client certificate…). */
  async upgrade(options: tls.ConnectionOptions): Promise<tls.TLSSocket> {
    const plain = this.socket;
    plain.removeAllListeners('data');
    plain.removeAllListeners('close');
    const secure = tls.connect({ ...options, socket: plain });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.socket = secure;
    this.attach(secure);
    return secure;
  }

  async close(): Promise<void> {
    if (!this.closed) this.socket.destroy();
    await this.ended;
  }
}

export function message(from: string, to: string, subject: string, body = 'Bonjour.\r\n'): string {
  return `From: <${from}>\r\nTo: <${to}>\r\nSubject: ${subject}\r\n\r\n${body}`;
}
