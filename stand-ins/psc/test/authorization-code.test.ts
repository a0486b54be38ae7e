import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import {
  CookieJar,
  GP,
  PATIENT_INS,
  SECRETARY,
  WEBMAIL,
  browse,
  formAction,
  startTestPsc,
  verifyAccessToken,
  webmailClient,
  type TestPsc,
} from './support.ts';

interface Started {
  jar: CookieJar;
  loginUrl: string;
  loginPage: string;
  verifier: string;
  state: string;
  nonce: string;
}

describe('psc authorization code + PKCE through the login pages', () => {
  let t: TestPsc;
  let client: oidc.Configuration;
  before(async () => {
    t = await startTestPsc();
    client = await webmailClient(t.psc);
  });
  after(async () => {
    await t.close();
  });

  const abs = (location: string) => new URL(location, t.psc.url).href;

  test('a login page of an interaction that is over, or of none, says "Session expirée" (400) and where to start again', async () => {
    const res = await fetch(abs('/auth/realms/esante-wallet/login-actions/no-such-interaction'));
    assert.equal(res.status, 400);
    const page = await res.text();
    assert.match(page, /<h1>Session expirée<\/h1>/);
    assert.match(page, /a expiré ou n&#39;existe pas\. Relancez la connexion depuis votre application\./);
  });

  async function start(redirectUri: string = WEBMAIL.redirect): Promise<Started> {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(client, {
      redirect_uri: redirectUri,
      scope: 'openid scope_all',
      acr_values: 'eidas1',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const jar = new CookieJar();
    const first = await browse(jar, url.href);
    assert.equal(first.status, 303);
    const loginUrl = abs(first.headers.get('location') ?? '');
    assert.match(loginUrl, /\/auth\/realms\/esante-wallet\/login-actions\/[\w-]+$/);
    const page = await browse(jar, loginUrl);
    assert.equal(page.status, 200);
    return { jar, loginUrl, loginPage: await page.text(), verifier, state, nonce };
  }

  /** Login → e-CPS page → approve → back through the provider to the redirect URI. */
  async function login(s: Started, idnat: string): Promise<URL> {
    const ecps = await browse(s.jar, abs(formAction(s.loginPage, 'Continuer')), { form: { idnat } });
    assert.equal(ecps.status, 200);
    const ecpsHtml = await ecps.text();
    assert.match(ecpsHtml, /Approuver/);
    const res = await browse(s.jar, abs(formAction(ecpsHtml, 'Approuver')), { form: {} });
    return follow(s.jar, res);
  }

  /** Follows the provider's own redirects; stops at the first one that leaves it (the client's). */
  async function follow(jar: CookieJar, first: Response): Promise<URL> {
    let res = first;
    for (let hops = 0; hops < 5; hops++) {
      assert.equal(res.status, 303, `hop ${hops}: ${res.status}`);
      const location = new URL(abs(res.headers.get('location') ?? ''));
      if (location.origin !== t.psc.url) return location;
      // Consent is implied for first-party clients: no consent page on the way back.
      assert.doesNotMatch(location.pathname, /\/login-actions\//, 'unexpected interaction after the e-CPS step');
      res = await browse(jar, location.href);
    }
    throw new Error('too many redirects');
  }

  test('the login page lists the demo professionals, not patients nor the synthetic directory', async () => {
    const s = await start();
    assert.match(s.loginPage, /Paul Martin/);
    assert.match(s.loginPage, new RegExp(GP));
    assert.match(s.loginPage, new RegExp(SECRETARY));
    assert.match(s.loginPage, /Nathalie Girard/);
    assert.doesNotMatch(s.loginPage, new RegExp(PATIENT_INS));
    assert.match(s.loginPage, /name="idnat"/);
  });

  test('code + PKCE end to end; tokens for the chosen person', async () => {
    const s = await start();
    const callback = await login(s, GP);
    assert.equal(callback.origin + callback.pathname, WEBMAIL.redirect);
    assert.equal(callback.searchParams.get('state'), s.state);
    assert.ok(callback.searchParams.get('code'));

    const tokens = await oidc.authorizationCodeGrant(client, callback, {
      pkceCodeVerifier: s.verifier,
      expectedState: s.state,
      expectedNonce: s.nonce,
      idTokenExpected: true,
    });
    const { payload } = await verifyAccessToken(t.psc, tokens.access_token);
    assert.equal(payload.SubjectNameID, GP);
    assert.equal(payload.azp, WEBMAIL.id);
    assert.equal(payload.acr, 'eidas1');
    assert.equal(tokens.claims()?.acr, 'eidas1');
    assert.equal(tokens.claims()?.SubjectNameID, GP);
    assert.equal(typeof tokens.refresh_token, 'string');
    const info = await oidc.fetchUserInfo(client, tokens.access_token, String(payload.sub));
    assert.equal(info.family_name, 'Martin');
  });

  test('the webmail redirect works on any loopback port (the sandbox moves with --port-base)', async () => {
    const moved = 'http://127.0.0.1:18080/webmail/callback';
    const s = await start(moved);
    const callback = await login(s, SECRETARY);
    assert.equal(callback.origin + callback.pathname, moved);
    const tokens = await oidc.authorizationCodeGrant(
      client,
      callback,
      { pkceCodeVerifier: s.verifier, expectedState: s.state, expectedNonce: s.nonce },
      { redirect_uri: moved },
    );
    assert.equal((await verifyAccessToken(t.psc, tokens.access_token)).payload.SubjectNameID, SECRETARY);
  });

  test('a redirect URI on another host is refused', async () => {
    const url = oidc.buildAuthorizationUrl(client, {
      redirect_uri: 'http://evil.example/webmail/callback',
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const res = await browse(new CookieJar(), url.href);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /redirect_uri/);
  });

  test('PKCE is required', async () => {
    const url = oidc.buildAuthorizationUrl(client, { redirect_uri: WEBMAIL.redirect, scope: 'openid' });
    const res = await browse(new CookieJar(), url.href);
    assert.equal(res.status, 303);
    const back = new URL(res.headers.get('location') ?? '');
    assert.equal(back.searchParams.get('error'), 'invalid_request');
    assert.match(back.searchParams.get('error_description') ?? '', /PKCE/);
  });

  test('the wrong code verifier is refused at the token endpoint', async () => {
    const s = await start();
    const callback = await login(s, GP);
    await assert.rejects(
      oidc.authorizationCodeGrant(client, callback, {
        pkceCodeVerifier: oidc.randomPKCECodeVerifier(),
        expectedState: s.state,
        expectedNonce: s.nonce,
      }),
      (err: unknown) => (err as { error?: string }).error === 'invalid_grant',
    );
  });

  test('unknown IdNat and patient are refused on the login page', async () => {
    const s = await start();
    const action = abs(formAction(s.loginPage, 'Continuer'));
    const unknown = await browse(s.jar, action, { form: { idnat: '810099999996' } });
    assert.equal(unknown.status, 400);
    assert.match(await unknown.text(), /not known to Pro Santé Connect/);
    const patient = await browse(s.jar, action, { form: { idnat: PATIENT_INS } });
    assert.equal(patient.status, 400);
    assert.match(await patient.text(), /role="alert"/);
  });

  test('refusing on the e-CPS returns access_denied to the client', async () => {
    const s = await start();
    const ecps = await browse(s.jar, abs(formAction(s.loginPage, 'Continuer')), { form: { idnat: GP } });
    const back = await follow(s.jar, await browse(s.jar, abs(formAction(await ecps.text(), 'Refuser')), { form: {} }));
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('state'), s.state);
  });

  test('a second authorization in the same browser needs no new login (SSO session)', async () => {
    const s = await start();
    await login(s, GP);
    const url = oidc.buildAuthorizationUrl(client, {
      redirect_uri: WEBMAIL.redirect,
      scope: 'openid scope_all',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: 'again',
    });
    const res = await browse(s.jar, url.href);
    assert.equal(res.status, 303);
    const back = new URL(abs(res.headers.get('location') ?? ''));
    assert.equal(back.origin + back.pathname, WEBMAIL.redirect);
    assert.ok(back.searchParams.get('code'));
  });

  test('logout ends the SSO session: the next authorization asks for a login again', async () => {
    const s = await start();
    await login(s, GP);
    const page = await browse(s.jar, `${t.psc.issuer}/protocol/openid-connect/logout`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /Se déconnecter de Pro Santé Connect/);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const confirm = await browse(s.jar, `${t.psc.issuer}/protocol/openid-connect/logout/confirm`, { form: { xsrf, logout: 'yes' } });
    assert.equal(confirm.status, 303);
    const done = await browse(s.jar, abs(confirm.headers.get('location') ?? ''));
    assert.match(await done.text(), /déconnecté/);
    const url = oidc.buildAuthorizationUrl(client, {
      redirect_uri: WEBMAIL.redirect,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const again = await browse(s.jar, url.href);
    assert.match(again.headers.get('location') ?? '', /\/login-actions\//);
  });

  test('prompt=consent is answered without a page (first-party client)', async () => {
    const s = await start();
    await login(s, GP);
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(client, {
      redirect_uri: WEBMAIL.redirect,
      scope: 'openid scope_all',
      prompt: 'consent',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'consent',
    });
    let res = await browse(s.jar, url.href);
    const hops: string[] = [];
    while (res.status === 303 && new URL(abs(res.headers.get('location') ?? '')).origin === t.psc.url) {
      hops.push(new URL(abs(res.headers.get('location') ?? '')).pathname);
      res = await browse(s.jar, abs(res.headers.get('location') ?? ''));
    }
    assert.ok(
      hops.some((h) => h.includes('/login-actions/')),
      hops.join(' '),
    );
    const back = new URL(res.headers.get('location') ?? '');
    const tokens = await oidc.authorizationCodeGrant(client, back, { pkceCodeVerifier: verifier, expectedState: 'consent' });
    assert.equal((await verifyAccessToken(t.psc, tokens.access_token)).payload.SubjectNameID, GP);
  });
});
