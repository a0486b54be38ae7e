// Small helpers for the stand-in's own pages and JSON API (the provider answers everything
// OAuth itself).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { MssError, systemErrorCode } from '@mss/runtime';

const FORM_LIMIT = 16 * 1024;

export class BodyTooLarge extends Error {}

export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > FORM_LIMIT) throw new BodyTooLarge('form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; frame-ancestors 'none'",
  });
  res.end(html);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** RFC 9457 problem details, as the operator's own API answers. */
export function sendProblem(res: ServerResponse, status: number, title: string, detail: string): void {
  res.writeHead(status, { 'content-type': 'application/problem+json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify({ type: 'about:blank', title, status, detail }));
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, 'cache-control': 'no-store', 'content-length': '0' });
  res.end();
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith('::ffff:') ? address.slice(7) : address;
  return a === '::1' || /^127\./.test(a);
}

/** Turns a failed listen() into the one line a user can act on (same wording as the sandbox's). */
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

/** A host as it appears in a URL: IPv6 literals need brackets. */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
