// Asks the kernel to acknowledge what a socket has received now rather than after its delayed-ACK
// timer. Why: a client that writes an IMAP literal and the line end after it in two writes, with
// Nagle's algorithm on (Python's imaplib APPEND does), cannot send the line end until the literal
// is acknowledged; Linux holds that ACK (about 40 ms) once the connection looks interactive, so
// every APPEND of such a client waited 40 ms on us. Setting TCP_QUICKACK sends the pending ACK at
// once (measured: one session's APPENDs of 4 kB went from 22/s to about 9,000/s).
//
// Node has no setsockopt, so libc's is called through koffi, an optional dependency: where it is
// missing or the platform is not Linux, quickAck() does nothing and says so by returning false.
// docs/choices.md, "Quick ACK after a literal".

import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

const IPPROTO_TCP = 6;
const TCP_QUICKACK = 12;

type SockOpt = (fd: number, level: number, name: number, value: Int32Array, length: number) => number;

interface Native {
  setsockopt: SockOpt;
  getsockopt: (fd: number, level: number, name: number, value: Int32Array, length: Int32Array) => number;
}

let native: Native | null | undefined;

function load(): Native | null {
  if (native !== undefined) return native;
  native = null;
  if (process.platform !== 'linux') return native;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as {
      load(path: string | null): { func(signature: string): (...args: unknown[]) => unknown };
    };
    // The process's own symbols: libc whichever it is (glibc, musl).
    const libc = koffi.load(null);
    native = {
      setsockopt: libc.func('int setsockopt(int fd, int level, int name, const int *value, uint32_t length)') as SockOpt,
      getsockopt: libc.func(
        'int getsockopt(int fd, int level, int name, _Out_ int *value, _Inout_ uint32_t *length)',
      ) as Native['getsockopt'],
    };
  } catch {
    native = null;
  }
  return native;
}

const ON = new Int32Array([1]);

/** The socket's file descriptor, through a TLS layer too; undefined once closed. */
function fdOf(socket: Socket): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/** True when quickAck() can act on this machine. */
export function quickAckAvailable(): boolean {
  return load() !== null;
}

/**
 * Sends the ACK of what the socket has received now (TCP_QUICKACK). The kernel clears the option
 * by itself afterwards, so it is set each time a client is known to wait for that ACK.
 * False when it could not be done (no koffi, not Linux, socket closed).
 */
export function quickAck(socket: Socket): boolean {
  const n = load();
  const fd = fdOf(socket);
  if (!n || fd === undefined) return false;
  return n.setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, ON, 4) === 0;
}

/**
 * The kernel's TCP_QUICKACK reading of a socket: 1 when it acknowledges at once, 0 when it is in
 * its delayed-ACK ("interactive") mode; undefined when it cannot be read. For tests and diagnostics.
 */
export function quickAckState(socket: Socket): number | undefined {
  const n = load();
  const fd = fdOf(socket);
  if (!n || fd === undefined) return undefined;
  const value = new Int32Array(1);
  const length = new Int32Array([4]);
  return n.getsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, value, length) === 0 ? value[0] : undefined;
}
