/**
 * A small SMTP load driver for what smtp-source cannot do: STARTTLS and AUTH XOAUTH2 (the API LPS
 * submission path). SESSIONS connections, each set up once (EHLO, STARTTLS, EHLO, AUTH when
 * asked), then MAIL/RCPT/DATA in turn until MESSAGES have been accepted in all. Without `tls`
 * and `auth` it speaks plain SMTP, so the same driver can measure a peer.
 */
import net from 'node:net';
import tls from 'node:tls';

export interface LoadOptions {
  port: number;
  messages: number;
  sessions: number;
  size: number;
  from: string;
  to: string;
  /** STARTTLS, verifying the server against this CA. */
  tls?: { ca: string };
  /** AUTH XOAUTH2 as this mailbox with this token. */
  auth?: { user: string; token: string };
}

export interface LoadResult {
  accepted: number;
  errors: number;
  seconds: number;
  perSecond: number;
}

class Line {
  private buf = '';
  private waiting: ((reply: string) => void) | null = null;
  socket: net.Socket;
  constructor(socket: net.Socket) {
    this.socket = socket;
    this.listen(socket);
  }
  listen(s: net.Socket): void {
    s.setNoDelay(true);
    s.on('data', (d: Buffer) => {
      this.buf += d.toString('latin1');
      this.drain();
    });
    s.on('error', () => this.waiting?.(''));
    s.on('close', () => this.waiting?.(''));
  }
  private drain(): void {
    const m = /^\d{3} [^\r\n]*\r\n/m.exec(this.buf);
    if (!m || !this.waiting) return;
    const end = m.index + m[0].length;
    const reply = this.buf.slice(0, end);
    this.buf = this.buf.slice(end);
    const w = this.waiting;
    this.waiting = null;
    w(reply);
  }
  reply(): Promise<string> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.drain();
    });
  }
  async command(text: string): Promise<string> {
    this.socket.write(text);
    return this.reply();
  }
}

function body(o: LoadOptions): string {
  const head = `From: <${o.from}>\r\nTo: <${o.to}>\r\nSubject: bench\r\n\r\n`;
  const line = `${'x'.repeat(76)}\r\n`;
  return `${head}${line.repeat(Math.max(1, Math.ceil((o.size - head.length) / line.length)))}.\r\n`;
}

async function session(o: LoadOptions, take: () => boolean, done: () => void, failed: () => void): Promise<void> {
  const plain = net.connect(o.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    plain.once('connect', () => resolve());
    plain.once('error', reject);
  });
  let c = new Line(plain);
  await c.reply();
  await c.command('EHLO bench.client\r\n');
  if (o.tls) {
    await c.command('STARTTLS\r\n');
    plain.removeAllListeners('data');
    const secure = tls.connect({ socket: plain, ca: [o.tls.ca], rejectUnauthorized: true, checkServerIdentity: () => undefined });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    c = new Line(secure);
    await c.command('EHLO bench.client\r\n');
  }
  if (o.auth) {
    const xoauth2 = Buffer.from(`user=${o.auth.user}\x01auth=Bearer ${o.auth.token}\x01\x01`).toString('base64');
    const r = await c.command(`AUTH XOAUTH2 ${xoauth2}\r\n`);
    if (!r.startsWith('235')) throw new Error(`AUTH refused: ${r.trim()}`);
  }
  const data = body(o);
  while (take()) {
    // Pipelined (RFC 2920): MAIL, RCPT and DATA in one write, then their replies in order.
    c.socket.write(`MAIL FROM:<${o.from}>\r\nRCPT TO:<${o.to}>\r\nDATA\r\n`);
    const replies = [await c.reply(), await c.reply(), await c.reply()];
    if (!replies[0]!.startsWith('250') || !replies[1]!.startsWith('250') || !replies[2]!.startsWith('354')) {
      failed();
      await c.command('RSET\r\n');
      continue;
    }
    const r = await c.command(data);
    if (r.startsWith('250')) done();
    else failed();
  }
  c.socket.write('QUIT\r\n');
  c.socket.end();
}

export async function smtpLoad(o: LoadOptions): Promise<LoadResult> {
  let started = 0;
  let accepted = 0;
  let errors = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: o.sessions }, () =>
      session(
        o,
        () => started++ < o.messages,
        () => accepted++,
        () => errors++,
      ).catch(() => {
        errors++;
      }),
    ),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { accepted, errors, seconds, perSecond: accepted / seconds };
}

// As a command (the Postfix side of smtp.bench.ts): node bench/smtp-load.ts PORT, plain SMTP.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const r = await smtpLoad({
    port: Number(process.argv[2]),
    messages: Number(process.env.MSGS ?? 2000),
    sessions: Number(process.env.SESSIONS ?? 20),
    size: Number(process.env.SIZE ?? 20_000),
    from: 'from@bench.test',
    to: process.env.BENCH_LOAD_TO ?? 'to@x.test',
  });
  process.stdout.write(`${JSON.stringify(r)}\n`);
  if (r.errors > 0) process.exitCode = 1;
}
