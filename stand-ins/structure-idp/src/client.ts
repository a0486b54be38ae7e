// A whole authorization-code login over HTTP, as a browser and the structure's software would do
// it (PKCE S256, the login form, the code exchange): for `mss structure-idp token` and tests.

import { createHash, randomBytes } from 'node:crypto';
import { MssError } from '@mss/runtime';
import { LPS_CLIENT_ID } from './server.ts';

export interface StructureTokenRequest {
  issuer: string;
  username: string;
  password: string;
  clientId?: string;
}

const REDIRECT_URI = 'http://127.0.0.1/callback';

/** Just enough of a cookie jar for one host: names and values. */
class Jar {
  readonly #cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq > 0) this.#cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export async function structureIdpToken(r: StructureTokenRequest): Promise<{ access_token: string; expires_in: number }> {
  const clientId = r.clientId ?? LPS_CLIENT_ID;
  const jar = new Jar();
  const go = async (url: string, init: RequestInit = {}): Promise<Response> => {
    let res: Response;
    try {
      res = await fetch(url, {
        ...init,
        redirect: 'manual',
        headers: { ...(init.headers as Record<string, string>), cookie: jar.header() },
      });
    } catch (err) {
      throw new MssError('STRUCTURE_IDP_UNREACHABLE', `cannot reach the structure's identity provider at ${r.issuer}`, { cause: err });
    }
    jar.take(res);
    return res;
  };
  const discovery = (await (await go(`${r.issuer}/.well-known/openid-configuration`)).json()) as {
    authorization_endpoint: string;
    token_endpoint: string;
  };
  const verifier = randomBytes(32).toString('base64url');
  const auth = new URL(discovery.authorization_endpoint);
  auth.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: REDIRECT_URI,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state: randomBytes(8).toString('hex'),
  }).toString();
  // Follow redirects by hand until the login form, post it, then follow to the redirect URI.
  let location = auth.toString();
  let code: string | undefined;
  for (let hops = 0; hops < 10 && code === undefined; hops++) {
    const res = await go(location);
    if (res.status === 200 && new URL(location).pathname.startsWith('/interaction/')) {
      await res.arrayBuffer();
      const login = await go(`${location}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: r.username, password: r.password }).toString(),
      });
      if (login.status === 401)
        throw new MssError('STRUCTURE_IDP_LOGIN', `the structure's identity provider refused ${r.username}'s login`);
      location = new URL(login.headers.get('location') ?? '', location).toString();
      continue;
    }
    const next = res.headers.get('location');
    await res.arrayBuffer();
    if (!next) throw new MssError('STRUCTURE_IDP_FLOW', `unexpected answer ${res.status} from the structure's identity provider`);
    const target = new URL(next, location);
    if (target.toString().startsWith(REDIRECT_URI)) code = target.searchParams.get('code') ?? undefined;
    location = target.toString();
  }
  if (!code) throw new MssError('STRUCTURE_IDP_FLOW', 'the structure identity provider gave no authorization code');
  const token = await go(discovery.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: clientId,
      code_verifier: verifier,
    }).toString(),
  });
  const body = (await token.json()) as { access_token?: string; expires_in?: number; error?: string };
  if (!body.access_token) throw new MssError('STRUCTURE_IDP_FLOW', `token request refused: ${body.error ?? token.status}`);
  return { access_token: body.access_token, expires_in: body.expires_in ?? 0 };
}
