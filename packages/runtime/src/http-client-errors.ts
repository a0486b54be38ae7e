import http from 'node:http';
import type { Duplex } from 'node:stream';

// Requests that Node's HTTP parser refuses (a query string or headers over the 16 KiB limit, a
// malformed request line, a request that took too long to arrive) never reach a route: Node
// answers them itself, in plain text, or fastify in its own JSON. Every HTTP API of the project
// answers errors as RFC 9457 problem+json, these too: each server installs this as its
// `clientError` handler.

export interface ClientErrorProblem {
  type: string;
  title: string;
  status: number;
  detail: string;
}

type ParserError = Error & { code?: string };

/** The status and detail for an error of Node's HTTP parser. */
export function describeClientError(err: ParserError): { status: number; detail: string } {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        detail: 'the request line and headers are larger than the 16 KiB accepted (a query string that long belongs in a POST body)',
      };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return { status: 408, detail: 'the request did not arrive in time' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, detail: 'chunk extensions larger than accepted' };
    default:
      return { status: 400, detail: `the request is not valid HTTP/1.1 (${err.code ?? 'parse error'})` };
  }
}

/**
 * Answers a request Node could not parse with problem+json and closes the connection. `build`
 * makes the body (default `about:blank` with the HTTP status title); a server with its own
 * problem types passes its builder.
 */
export function answerClientError(
  err: ParserError,
  socket: Duplex,
  build: (status: number, detail: string) => ClientErrorProblem = (status, detail) => ({
    type: 'about:blank',
    title: http.STATUS_CODES[status] ?? 'Error',
    status,
    detail,
  }),
): void {
  // ECONNRESET and the like: the client has gone, nobody to answer.
  if (err.code === 'ECONNRESET' || !socket.writable || socket.destroyed) {
    socket.destroy();
    return;
  }
  const { status, detail } = describeClientError(err);
  const body = Buffer.from(JSON.stringify(build(status, detail)));
  const head =
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\n` +
    'Content-Type: application/problem+json\r\n' +
    'Cache-Control: no-store\r\n' +
    `Content-Length: ${body.length}\r\n` +
    'Connection: close\r\n\r\n';
  socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]));
}

/** Installs `answerClientError` on a Node HTTP server (replacing Node's plain-text answer). */
export function answerClientErrorsAsProblems(server: http.Server, build?: (status: number, detail: string) => ClientErrorProblem): void {
  server.on('clientError', (err: ParserError, socket: Duplex) => answerClientError(err, socket, build));
}
