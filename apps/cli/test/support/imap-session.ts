// A raw IMAP session for the multi-node tests: STARTTLS, AUTHENTICATE XOAUTH2 with a PSC token,
// then tagged commands and waits for what the server pushes (IDLE's EXISTS, a BYE).
import net from 'node:net';
import tls from 'node:tls';

export class ImapSession {
  private socket: net.Socket;
  private buffer = '';
  private wake: (() => void) | undefined;
  private ended = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.attach(socket);
  }

  private attach(s: net.Socket): void {
    s.on('data', (d: Buffer) => {
      this.buffer += d.toString('latin1');
      this.wake?.();
    });
    s.on('close', () => {
      this.ended = true;
      this.wake?.();
    });
    s.on('error', () => {});
  }

  /** Opens a session on 127.0.0.1:port and authenticates `user` with a bearer token (RFC 7628-style XOAUTH2). */
  static async open(port: number, user: string, token: string): Promise<ImapSession> {
    const c = new ImapSession(net.connect(port, '127.0.0.1'));
    await c.until(/^\* OK [^\r]*\r\n/);
    await c.command('t0', 'STARTTLS');
    const secure = tls.connect({ socket: c.socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    c.socket = secure;
    c.attach(secure);
    const reply = await c.command(
      't1',
      `AUTHENTICATE XOAUTH2 ${Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`).toString('base64')}`,
    );
    if (!/^t1 OK/m.test(reply)) throw new Error(`authentication failed: ${reply}`);
    return c;
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** Everything up to the first match of `re` (consumed); rejects after `timeoutMs` or when the connection ends first. */
  async until(re: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.buffer);
      if (m) {
        const upto = this.buffer.slice(0, m.index + m[0].length);
        this.buffer = this.buffer.slice(m.index + m[0].length);
        return upto;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.ended)
        throw new Error(
          `${this.ended ? 'connection closed' : 'timeout'} waiting for ${re}; got ${JSON.stringify(this.buffer.slice(-500))}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** Sends a tagged command; resolves with everything up to and including its tagged reply. */
  command(tag: string, text: string, timeoutMs?: number): Promise<string> {
    this.send(`${tag} ${text}\r\n`);
    return this.until(new RegExp(`(^|\\n)${tag} (OK|NO|BAD)[^\\r]*\\r\\n`), timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }
}
