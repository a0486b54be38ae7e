// Shared by the stand-in's tests: a running FranceConnect on a random loopback port, the two
// sandbox services as independent OIDC clients (openid-client), and a walk through the
// simulated identity provider's pages with plain fetch and a cookie jar.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as oidc from 'openid-client';
import { silentLogger } from '@mss/runtime';
import { CookieJar, browse, formAction } from '@mss/oidc-kit/testing';
import { startFranceConnect, type FranceConnectOptions, type RunningFranceConnect } from '../src/index.ts';

export const MES = { id: 'mes-sandbox', secret: 'mes-sandbox-secret', redirect: 'http://127.0.0.1:8090/connexion/retour' } as const;
export const RPPS_PLUS = {
  id: 'rpps-plus-sandbox',
  secret: 'rpps-plus-sandbox-secret',
  redirect: 'http://127.0.0.1:8091/franceconnect/retour',
} as const;
export const PATIENT = '279035121518989';

export interface TestFranceConnect {
  fc: RunningFranceConnect;
  dataDir: string;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestFranceConnect(options: Partial<FranceConnectOptions> = {}): Promise<TestFranceConnect> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mss-fc-'));
  const start = () => startFranceConnect({ logger: silentLogger(), host: '127.0.0.1', port: 0, dataDir, ...options });
  const t: TestFranceConnect = {
    fc: await start(),
    dataDir,
    restart: async () => {
      await t.fc.stop();
      t.fc = await start();
    },
    close: async () => {
      await t.fc.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}

export async function client(fc: RunningFranceConnect, c: { id: string; secret: string } = MES): Promise<oidc.Configuration> {
  return oidc.discovery(
    new URL(fc.issuer),
    c.id,
    { userinfo_signed_response_alg: 'ES256', id_token_signed_response_alg: 'ES256' },
    oidc.ClientSecretBasic(c.secret),
    {
      execute: [oidc.allowInsecureRequests],
    },
  );
}

export interface Started {
  jar: CookieJar;
  interactionUrl: string;
  page: string;
  verifier: string;
  state: string;
  nonce: string;
  authorizationUrl: URL;
}

/** /authorize as a service sends the citizen there, up to the simulated identity provider's page. */
export async function startLogin(
  fc: RunningFranceConnect,
  config: oidc.Configuration,
  redirectUri: string,
  scope = 'openid identite_pivot',
): Promise<Started> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const authorizationUrl = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    acr_values: 'eidas1',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });
  const jar = new CookieJar();
  const first = await browse(jar, authorizationUrl.href);
  assert.equal(first.status, 303);
  const interactionUrl = new URL(first.headers.get('location') ?? '', fc.url).href;
  assert.match(interactionUrl, /\/api\/v2\/interaction\/[\w-]+$/);
  const res = await browse(jar, interactionUrl);
  assert.equal(res.status, 200);
  return { jar, interactionUrl, page: await res.text(), verifier, state, nonce, authorizationUrl };
}

/** Follows the provider's redirects; stops at the first one that leaves it (the service's). */
export async function follow(fc: RunningFranceConnect, jar: CookieJar, first: Response): Promise<URL> {
  let res = first;
  for (let hops = 0; hops < 5; hops++) {
    assert.equal(res.status, 303, `hop ${hops}: ${res.status}`);
    const location = new URL(res.headers.get('location') ?? '', fc.url);
    if (location.origin !== fc.url) return location;
    res = await browse(jar, location.href);
  }
  throw new Error('too many redirects');
}

/** Picks a citizen, reads the transmission page, continues: the URL the service is sent back to. */
export async function loginAs(fc: RunningFranceConnect, s: Started, citizen: string): Promise<{ callback: URL; confirmPage: string }> {
  const abs = (a: string) => new URL(a, fc.url).href;
  const confirm = await browse(s.jar, abs(formAction(s.page, citizen)), { form: { citizen } });
  assert.equal(confirm.status, 200);
  const confirmPage = await confirm.text();
  const res = await browse(s.jar, abs(formAction(confirmPage, 'Continuer sur')), { form: { citizen } });
  return { callback: await follow(fc, s.jar, res), confirmPage };
}

export { CookieJar, browse, formAction };
