import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { TokenError, principalOf, type AccessControl, type Principal, type TokenValidator } from '@mss/access';
import { ApiError } from './problems.ts';

export interface Authenticator {
  validator: TokenValidator | undefined;
  adminPassword: string | undefined;
  access: AccessControl;
}

export interface Authenticated {
  principal: Principal;
  clientId: string | null;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The operator administrator's credentials (user `admin`), compared in constant time. */
export function adminCredentialsMatch(adminPassword: string | undefined, user: string, password: string): boolean {
  return adminPassword !== undefined && adminPassword !== '' && user === 'admin' && same(password, adminPassword);
}

/**
 * Who is calling: a person through a Pro Santé Connect access token (Bearer), a structure's staff
 * member through a token of that structure's identity provider (Bearer, issue #20 rule 6), or the
 * operator's administrator (Basic, user `admin`). Anything else is 401; a refused token is audited.
 */
export async function authenticate(auth: Authenticator, req: FastifyRequest): Promise<Authenticated> {
  const header = req.headers.authorization ?? '';
  const [scheme, value = ''] = header.split(/\s+/, 2) as [string, string?];
  if (/^bearer$/i.test(scheme) && value) {
    if (!auth.validator) throw new ApiError('unauthenticated', 'token authentication is not configured');
    try {
      const t = await auth.validator.validate(value);
      return { principal: principalOf(t), clientId: t.clientId ?? null };
    } catch (err) {
      const code = err instanceof TokenError ? err.code : 'error';
      await auth.access.recordTokenFailure({ mailbox: null, channel: 'admin-api', code });
      throw new ApiError('unauthenticated', `access token refused (${code})`);
    }
  }
  if (/^basic$/i.test(scheme) && value && auth.adminPassword) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const sep = decoded.indexOf(':');
    if (sep > 0 && adminCredentialsMatch(auth.adminPassword, decoded.slice(0, sep), decoded.slice(sep + 1))) {
      return { principal: { kind: 'operator-admin', name: 'admin' }, clientId: null };
    }
    await auth.access.recordTokenFailure({ mailbox: null, channel: 'admin-api', code: 'bad-admin-credentials' });
    throw new ApiError('unauthenticated', 'administrator credentials refused');
  }
  throw new ApiError(
    'unauthenticated',
    'send a Pro Santé Connect access token (Authorization: Bearer …) or the administrator credentials (Basic)',
  );
}
