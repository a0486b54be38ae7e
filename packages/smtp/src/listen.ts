// What both listeners (submission, relay) do the same way around smtp-server: our connection
// class in place of the library's, listening with a clear error, and a stop that tells idle
// clients and lets transactions in progress finish.

import type net from 'node:net';
import type tls from 'node:tls';
import { listenOn, type ServiceKey } from '@mss/runtime';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { SMTPConnectionOptions } from 'smtp-server/lib/smtp-connection.js';
import { SubmissionConnection, type ConnectionDeps } from './connection.ts';
import { replies } from './replies.ts';

/** smtp-server with our connection class in place of its own; nothing else differs. */
export class OurSmtpServer extends SMTPServer {
  private readonly deps: ConnectionDeps;

  constructor(options: SMTPServerOptions, deps: ConnectionDeps) {
    super(options);
    this.deps = deps;
  }

  override connect(socket: net.Socket | tls.TLSSocket, socketOptions?: SMTPConnectionOptions | null): void {
    // SMTPServer.connect, with SubmissionConnection: patching the library's shared SASL table
    // instead would change every smtp-server in the process.
    // Replies are small writes that must leave at once: with Nagle's algorithm a reply waits for
    // the ACK of the previous one, which the client delays (~40 ms) — per command.
    socket.setNoDelay(true);
    const connection = new SubmissionConnection(this, socket, socketOptions, this.deps);
    this.connections.add(connection);
    connection.on('error', (err: Error) => this._onError(err));
    connection.on('connect', (data) => this._onClientConnect(data));
    connection.init();
  }
}

export interface RunningSmtpListener {
  url: string;
  port: number;
  connections(): number;
  stop(): Promise<void>;
}

export async function listenSmtp(
  smtp: OurSmtpServer,
  service: ServiceKey | string,
  host: string,
  port: number,
): Promise<RunningSmtpListener> {
  const bound = await listenOn(smtp.server, service, host, port);
  let stopping: Promise<void> | undefined;
  return {
    url: `smtp://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    port: bound,
    connections: () => smtp.connections.size,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        smtp.close(() => resolve());
        // Idle sessions are told now; a message being received or delivered gets closeTimeout to finish.
        const bye = replies.shuttingDown();
        for (const c of smtp.connections) {
          if (!c._handlerPending && !c._dataStream) c.send(bye.responseCode, bye.message);
        }
      });
      return stopping;
    },
  };
}

/** The smtp-server options both listeners share; each adds its hooks and TLS settings. */
export function commonSmtpOptions(o: {
  name: string;
  maxMessageSize: number;
  maxConnections?: number | undefined;
  maxRecipients?: number | undefined;
  maxCommandLength?: number | undefined;
  idleTimeoutMs?: number | undefined;
  closeTimeoutMs?: number | undefined;
}): SMTPServerOptions {
  return {
    name: o.name,
    size: o.maxMessageSize,
    hideSize: false,
    // We answer an oversized message ourselves (same 552 5.3.4) after dropping its blob.
    rejectOversized: false,
    hidePIPELINING: false,
    hide8BITMIME: false,
    hideSMTPUTF8: false,
    hideENHANCEDSTATUSCODES: false,
    hideDSN: false,
    hideREQUIRETLS: true,
    disableReverseLookup: true,
    maxClients: o.maxConnections ?? 1000,
    maxRecipients: o.maxRecipients ?? 100,
    maxCommandLength: o.maxCommandLength ?? 16 * 1024,
    socketTimeout: o.idleTimeoutMs ?? 5 * 60_000,
    closeTimeout: o.closeTimeoutMs ?? 10_000,
    logger: false,
  };
}
