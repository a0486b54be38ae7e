import net from 'node:net';
import { AddressConnectionLimit, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, listenError } from '@mss/runtime';
import type { ImapServerOptions } from './options.ts';
import { ImapSession } from './session.ts';
import { sharedMail } from './shared-mail.ts';

export interface RunningImapServer {
  url: string;
  port: number;
  sessions(): number;
  stop(): Promise<void>;
}

/**
 * The API LPS IMAP listener (RFC 3501 with STARTTLS and SASL XOAUTH2/OAUTHBEARER), or, with a
 * `login` hook (the bench's), a listener that accepts LOGIN.
 */
export async function startImapServer(opts: ImapServerOptions): Promise<RunningImapServer> {
  const sessions = new Set<ImapSession>();
  const name = opts.name ?? 'imap';
  // Sessions get the store's mailbox-less services, and reach mailboxes only through the scope
  // their login decision returned: the store itself stays here.
  const { store, ...sessionOptions } = opts;
  const shared = sharedMail(store, opts.noticeTrustMs);
  const perAddress = new AddressConnectionLimit(opts.maxConnectionsPerAddress ?? DEFAULT_MAX_CONNECTIONS_PER_ADDRESS);
  const server = net.createServer((socket) => {
    if (opts.maxConnections && sessions.size >= opts.maxConnections) {
      socket.end('* BYE Too many connections, try again later\r\n');
      return;
    }
    // One client address may not hold every connection (issue #12): RFC 9051 §7.1.5, BYE at once.
    const release = perAddress.acquire(socket.remoteAddress);
    if (!release) {
      opts.logger.info(
        { service: name, remote: socket.remoteAddress, limit: perAddress.max },
        'imap connection refused: too many from this address',
      );
      socket.on('error', () => undefined);
      socket.end(`* BYE Too many connections from your address (limit ${perAddress.max}), try again later\r\n`);
      return;
    }
    socket.setNoDelay(true);
    const session = new ImapSession(socket, sessionOptions, shared);
    sessions.add(session);
    // Not the plain socket's 'close': after STARTTLS the session lives on the TLS socket.
    void session.closedPromise.then(() => {
      sessions.delete(session);
      release();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(listenError(err, name, opts.host, opts.port)));
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `imap://${opts.host}:${port}`,
    port,
    sessions: () => sessions.size,
    async stop() {
      // Stop accepting, then drain: commands in progress answer first, idle sessions get BYE now.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sessions) s.drain('Server shutting down');
      // A command that does not answer within the drain time is cut (its transaction rolls back).
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, opts.drainTimeoutMs ?? 10_000);
      });
      await Promise.race([Promise.all([...sessions].map((s) => s.closedPromise)), late]);
      clearTimeout(timer);
      for (const s of sessions) s.bye('Server shutting down');
      await closed;
    },
  };
}
