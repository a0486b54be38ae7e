import type { AddressInfo, Server } from 'node:net';
import { MssError, systemErrorCode } from './errors.ts';

/**
 * Turns a failed listen() into the one line a user can act on. Every server of the project
 * uses it, so a busy port reads the same whichever service hit it.
 */
export function listenError(err: unknown, service: string, host: string, port: number): MssError {
  switch (systemErrorCode(err)) {
    case 'EADDRINUSE':
      return new MssError(
        'PORT_IN_USE',
        `port ${port} on ${host} is already in use (${service}); stop the other program or pick other ports with --port-base`,
        { cause: err },
      );
    case 'EACCES':
      return new MssError('PORT_FORBIDDEN', `not allowed to listen on ${host}:${port} (${service}); use a port above 1023 or --port-base`, {
        cause: err,
      });
    case 'EADDRNOTAVAIL':
      return new MssError('HOST_UNAVAILABLE', `address ${host} is not available on this machine (${service})`, { cause: err });
    default:
      return new MssError(
        'LISTEN_FAILED',
        `cannot listen on ${host}:${port} (${service}): ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
  }
}

/** Listens, failing with listenError's wording; resolves to the port bound (the one asked, or the one given for 0). */
export async function listenOn(server: Server, service: string, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: unknown): void => reject(listenError(err, service, host, port));
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** True for 127.0.0.0/8 and ::1, including IPv4-mapped IPv6 (`::ffff:127.0.0.1`). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4 === '::1' || v4.startsWith('127.');
}
