import net from 'node:net';
import { listenError } from '@mss/runtime';
import type { ImapServerOptions } from './options.ts';
import { ImapSession } from './session.ts';

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
  const server = net.createServer((socket) => {
    if (opts.maxConnections && sessions.size >= opts.maxConnections) {
      socket.end('* BYE Too many connections, try again later\r\n');
      return;
    }
    socket.setNoDelay(true);
    const session = new ImapSession(socket, opts);
    sessions.add(session);
    socket.once('close', () => sessions.delete(session));
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
      for (const s of sessions) s.bye('Server shutting down');
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
