// A recording proxy for the Annuaire's LDAP: bytes pass unchanged; the client's requests are
// decoded with the Annuaire's own BER codec to note each search's base, scope, filter and the
// size and time limits the client asked for (R-ANN-3).

import net from 'node:net';
import { decodeMessage, formatFilter, MessageFramer } from '@mss/annuaire';
import type { Recording } from '../recording.ts';
import type { RunningProxy } from './mail-proxy.ts';

export function startLdapProxy(o: {
  host: string;
  port: number;
  upstream: { host: string; port: number };
  recording: Recording;
}): Promise<RunningProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const session = o.recording.nextId();
    const upstream = net.connect(o.upstream.port, o.upstream.host);
    sockets.add(client);
    const framer = new MessageFramer(1 << 20);
    let broken = false;
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      if (broken) return;
      try {
        framer.push(chunk);
        for (let frame = framer.next(); frame; frame = framer.next()) {
          const { request } = decodeMessage(frame);
          if (request.type !== 'search') continue;
          o.recording.ldap.push({
            at: Date.now(),
            session,
            base: request.baseObject,
            scope: request.scope,
            sizeLimit: request.sizeLimit,
            timeLimit: request.timeLimit,
            filter: formatFilter(request.filter),
          });
        }
      } catch {
        broken = true; // the server answers a malformed request itself
      }
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        url: `ldap://${o.host}:${port}`,
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
