// Cookies and form tokens of the project's server-rendered web pages (Mon Espace Santé's patient
// mailbox, the operator's webmail): the browser holds only a random id in an HttpOnly cookie;
// every form carries the session's CSRF token, compared in constant time.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A fresh 256-bit random token (session id, CSRF token), URL-safe. */
export const randomToken = (): string => randomBytes(32).toString('base64url');

/** The value of one cookie in a request's Cookie header. */
export function cookie(req: Pick<IncomingMessage, 'headers'>, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export interface CookieOptions {
  secure: boolean;
  maxAgeSeconds?: number;
  /** Default `/`. */
  path?: string;
  /** Default Lax: the way back from an identity provider is a top-level GET from another site. */
  sameSite?: 'Lax' | 'Strict';
}

/** Set-Cookie for our cookies: HttpOnly always, SameSite, Secure when asked. */
export function setCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [`${name}=${value}`, `Path=${options.path ?? '/'}`, 'HttpOnly', `SameSite=${options.sameSite ?? 'Lax'}`];
  if (options.secure) parts.push('Secure');
  if (options.maxAgeSeconds !== undefined) parts.push(`Max-Age=${options.maxAgeSeconds}`);
  return parts.join('; ');
}

export function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
