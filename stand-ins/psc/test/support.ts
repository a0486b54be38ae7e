// Shared by the stand-in's tests: a seeded store, a running PSC on a random loopback port, an
// independent OIDC client (openid-client), and a cookie jar for walking the login pages with
// plain fetch.

import * as oidc from 'openid-client';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { openTestStore } from '@mss/store/testing';
import type { Store } from '@mss/store';
import { seedDemo } from '@mss/seed';
import { silentLogger } from '@mss/runtime';
import { startPsc, type PscOptions, type RunningPsc } from '../src/index.ts';

export const GP = '810000001056';
export const SECRETARY = '810000001478';
export const HOSPITAL_ADMIN = '810000001551';
export const PATIENT_INS = '279035121518989';
export const LPS = { id: 'mss-lps-sandbox', secret: 'mss-lps-sandbox-secret' } as const;
export const WEBMAIL = { id: 'mss-webmail', redirect: 'http://127.0.0.1:8080/webmail/callback' } as const;
export const CIBA = 'urn:openid:params:grant-type:ciba';

export interface TestPsc {
  psc: RunningPsc;
  store: Store;
  dataDir: string;
  close(): Promise<void>;
}

export async function startTestPsc(options: Partial<PscOptions> = {}): Promise<TestPsc> {
  const { store, dataDir, cleanup } = await openTestStore();
  await seedDemo(store, 'operateur-a.mssante.fr');
  const psc = await startPsc({ store, logger: silentLogger(), host: '127.0.0.1', port: 0, dataDir, ...options });
  const t: TestPsc = {
    psc,
    store,
    dataDir,
    // A test may restart the stand-in: stop whichever instance is current.
    close: async () => {
      await t.psc.stop();
      await cleanup();
    },
  };
  return t;
}

/** openid-client configured from the realm's discovery document, as a vendor would. */
export async function lpsClient(psc: RunningPsc): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(psc.issuer), LPS.id, undefined, oidc.ClientSecretBasic(LPS.secret), {
    execute: [oidc.allowInsecureRequests],
  });
}

export async function webmailClient(psc: RunningPsc): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(psc.issuer), WEBMAIL.id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
}

export async function verifyAccessToken(psc: RunningPsc, token: string): Promise<{ payload: JWTPayload; kid: string | undefined }> {
  const jwks = createRemoteJWKSet(new URL(`${psc.issuer}/protocol/openid-connect/certs`), { cacheMaxAge: 0, cooldownDuration: 0 });
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer: psc.issuer,
    audience: 'mss-operator',
    typ: 'at+jwt',
    algorithms: ['RS256', 'ES256'],
  });
  return { payload, kid: protectedHeader.kid };
}

export async function jwksKids(psc: RunningPsc): Promise<string[]> {
  const res = await fetch(`${psc.issuer}/protocol/openid-connect/certs`);
  const body = (await res.json()) as { keys: { kid: string; d?: string }[] };
  return body.keys.map((k) => k.kid);
}

/** Raw CIBA calls, for the error cases openid-client turns into exceptions or timeouts. */
export async function cibaRequest(
  psc: RunningPsc,
  fields: Record<string, string>,
  client: { id: string; secret: string } = LPS,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${psc.issuer}/protocol/openid-connect/ext/ciba/auth`, {
    method: 'POST',
    headers: { authorization: basic(client.id, client.secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ scope: 'openid scope_all', acr_values: 'eidas1', ...fields }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function cibaPoll(
  psc: RunningPsc,
  authReqId: string,
  client: { id: string; secret: string } = LPS,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${psc.issuer}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { authorization: basic(client.id, client.secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: CIBA, auth_req_id: authReqId }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

export function decodeJwt(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export { CookieJar, browse, formAction } from '@mss/oidc-kit/testing';
