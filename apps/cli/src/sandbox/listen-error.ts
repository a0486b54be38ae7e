import { MssError, systemErrorCode } from '@mss/runtime';

/** Turns a failed listen() into the one line a user can act on. */
export function listenError(err: unknown, service: string, host: string, port: number): MssError {
  const code = systemErrorCode(err);
  if (code === 'EADDRINUSE') {
    return new MssError('PORT_IN_USE', `port ${port} on ${host} is already in use (${service}); stop the other program or pick other ports with --port-base`, { cause: err });
  }
  if (code === 'EACCES') {
    return new MssError('PORT_FORBIDDEN', `not allowed to listen on ${host}:${port} (${service}); use a port above 1023 or --port-base`, { cause: err });
  }
  if (code === 'EADDRNOTAVAIL') {
    return new MssError('HOST_UNAVAILABLE', `address ${host} is not available on this machine (${service})`, { cause: err });
  }
  return new MssError('LISTEN_FAILED', `cannot listen on ${host}:${port} (${service}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
