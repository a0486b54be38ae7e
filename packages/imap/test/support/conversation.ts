import net from 'node:net';
import tls from 'node:tls';

/** A line-oriented conversation on a socket: send, then wait for a line matching a pattern. */
export class Conversation {
  socket: net.Socket;
  buffer = '';
  waiters: (() => void)[] = [];
  constructor(socket: net.Socket) {
    this.socket = socket;
    this.listen(socket);
  }
  listen(s: net.Socket) {
    s.on('data', (d: Buffer) => {
      this.buffer += d.toString('latin1');
      for (const f of this.waiters.splice(0)) f();
    });
  }
  send(text: string) {
    this.socket.write(text);
  }
  /** The buffer up to the first match of `re`; the default deadline is generous (a loaded CI machine may take seconds). */
  async until(re: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = re.exec(this.buffer);
      if (m) {
        const upto = this.buffer.slice(0, m.index + m[0].length);
        this.buffer = this.buffer.slice(m.index + m[0].length);
        return upto;
      }
      if (Date.now() > deadline) throw new Error(`timeout waiting for ${re}; got ${JSON.stringify(this.buffer.slice(-500))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
  async starttls(tag = 's1'): Promise<void> {
    this.send(`${tag} STARTTLS\r\n`);
    await this.until(new RegExp(`${tag} OK [^\\r]*\\r\\n`));
    const secure = tls.connect({ socket: this.socket, rejectUnauthorized: false });
    await new Promise<void>((r) => secure.once('secureConnect', () => r()));
    this.socket = secure;
    this.listen(secure);
  }
}

/** Opens a session and waits for the greeting. */
export async function openConversation(port: number): Promise<Conversation> {
  const c = new Conversation(net.connect(port, '127.0.0.1'));
  await c.until(/^\* OK \[CAPABILITY [^\]]+\] mss-operator IMAP ready\r\n/);
  return c;
}

/** STARTTLS and AUTHENTICATE XOAUTH2 with SASL-IR: a session ready for commands. */
export async function openAuthenticated(port: number, user: string, token: string): Promise<Conversation> {
  const c = await openConversation(port);
  await c.starttls('t0');
  c.send(`t1 AUTHENTICATE XOAUTH2 ${Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`).toString('base64')}\r\n`);
  const r = await c.until(/t1 [^\r]*\r\n/);
  if (!/t1 OK/.test(r)) throw new Error(`authentication failed: ${r}`);
  return c;
}

/** Sends a tagged command and returns everything up to and including its tagged reply. */
export async function command(c: Conversation, tag: string, text: string): Promise<string> {
  c.send(`${tag} ${text}\r\n`);
  return c.until(new RegExp(`(^|\\n)${tag} (OK|NO|BAD)[^\\r]*\\r\\n`));
}
