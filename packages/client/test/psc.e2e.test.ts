// Pro Santé Connect through the SDK against the sandbox's PSC stand-in: CIBA as PSC expects it
// (formats-notes §6.2: `openid scope_all`, `acr_values=eidas1`, the IdNat as login_hint, a
// binding message), the token cache and its refresh (a new approval only when refresh fails),
// and the code + PKCE flow for web applications (RFC 7636) through the PSC login pages.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { approveOnSandboxEcps, MssClient, MssClientError, PscClient, TokenCache } from '@mss/client';
import { browse, CookieJar, formAction } from '@mss/oidc-kit/testing';
import { PSC_LPS, startSandbox, type TestSandbox } from './support/sandbox.ts';

const GP = '810000001056';
let s: TestSandbox;
let psc: PscClient;
before(async () => {
  s = await startSandbox();
  psc = await PscClient.connect({ issuer: s.env.pscIssuer, ...PSC_LPS });
});
after(() => s.stop());

const claims = (jwt: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

test('CIBA: request with a binding message, the person approves on the e-CPS, the poll returns her tokens', async () => {
  const request = await psc.requestApproval(GP, { bindingMessage: 'Test SDK 1' });
  assert.equal(request.interval, 1);
  assert.ok(request.expiresIn > 0);
  // What the e-CPS shows: the request, with our binding message and scope.
  const pending = (await (await fetch(`${new URL(s.env.pscIssuer).origin}/ecps/requests`)).json()) as {
    auth_req_id: string;
    binding_message?: string;
    scope: string;
  }[];
  const shown = pending.find((p) => p.auth_req_id === request.authReqId);
  assert.equal(shown?.binding_message, 'Test SDK 1');
  assert.match(shown?.scope ?? '', /\bscope_all\b/);
  await approveOnSandboxEcps(s.env, request.authReqId);
  const tokens = await psc.waitForApproval(request);
  const c = claims(tokens.accessToken);
  assert.equal(c.SubjectNameID, GP);
  assert.equal(c.acr, 'eidas1');
  assert.ok(tokens.refreshToken);
  assert.ok(tokens.expiresAt > Date.now());
});

test('CIBA errors are typed: an unknown IdNat, a refusal on the e-CPS', async () => {
  await assert.rejects(psc.requestApproval('810000009999'), (e: unknown) => e instanceof MssClientError && e.code === 'PSC_UNKNOWN_USER');
  const request = await psc.requestApproval(GP);
  const res = await fetch(`${new URL(s.env.pscIssuer).origin}/ecps/requests/${request.authReqId}/deny`, { method: 'POST' });
  assert.equal(res.status, 204);
  await assert.rejects(psc.waitForApproval(request), (e: unknown) => e instanceof MssClientError && e.code === 'PSC_DENIED');
});

test('a wrong client secret is PSC_CLIENT_REFUSED', async () => {
  const bad = await PscClient.connect({ issuer: s.env.pscIssuer, clientId: PSC_LPS.clientId, clientSecret: 'wrong' });
  await assert.rejects(bad.requestApproval(GP), (e: unknown) => e instanceof MssClientError && e.code === 'PSC_CLIENT_REFUSED');
});

test('token cache: reused while valid, refreshed near expiry without asking the person again', async () => {
  let approvals = 0;
  let now = Date.now();
  const cache = new TokenCache(psc, {
    now: () => now,
    onApprovalRequested: async (_idnat, r) => {
      approvals++;
      await approveOnSandboxEcps(s.env, r.authReqId);
    },
  });
  const first = await cache.accessToken(GP);
  assert.equal(cache.lastSource.get(GP), 'ciba');
  assert.equal(await cache.accessToken(GP), first);
  assert.equal(cache.lastSource.get(GP), 'cache');
  // Ten minutes later (the sandbox's tokens live 600 s): within the margin, so refreshed.
  now += 600_000;
  const refreshed = await cache.accessToken(GP);
  assert.equal(cache.lastSource.get(GP), 'refresh');
  assert.notEqual(refreshed, first);
  assert.equal(claims(refreshed).SubjectNameID, GP);
  assert.equal(approvals, 1, 'the person approved once');
  // Two callers at once share one request.
  cache.forget(GP);
  const [a, b] = await Promise.all([cache.accessToken(GP), cache.accessToken(GP)]);
  assert.equal(a, b);
  assert.equal(approvals, 2);
});

test('a refresh token PSC no longer honours leads to a new approval, not an error', async () => {
  let approvals = 0;
  let now = Date.now();
  const cache = new TokenCache(psc, {
    now: () => now,
    onApprovalRequested: async (_i, r) => {
      approvals++;
      await approveOnSandboxEcps(s.env, r.authReqId);
    },
  });
  const tokens = await cache.tokens(GP);
  cache.set(GP, { ...tokens, refreshToken: 'not-a-refresh-token' });
  now += 600_000;
  await cache.accessToken(GP);
  assert.equal(cache.lastSource.get(GP), 'ciba');
  assert.equal(approvals, 2);
});

test('web applications: authorization code + PKCE through the PSC login pages; a forged state is refused', async () => {
  const web = await PscClient.connect({ issuer: s.env.pscIssuer, clientId: 'mss-webmail' });
  const login = await web.startWebLogin({ redirectUri: 'http://127.0.0.1:9/webmail/callback' });
  assert.equal(login.url.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(login.url.searchParams.get('acr_values'), 'eidas1');
  assert.equal(login.url.searchParams.get('scope'), 'openid scope_all');
  assert.equal(login.url.searchParams.get('code_verifier'), null, 'the verifier never leaves the application');
  // The browser's part: the login page, the IdNat, the e-CPS approval, the redirect back.
  const jar = new CookieJar();
  const abs = (l: string) => new URL(l, s.env.pscIssuer).href;
  const first = await browse(jar, login.url.href);
  const page = await (await browse(jar, abs(first.headers.get('location') ?? ''))).text();
  const ecps = await (await browse(jar, abs(formAction(page, 'Continuer')), { form: { idnat: GP } })).text();
  let res = await browse(jar, abs(formAction(ecps, 'Approuver')), { form: {} });
  let callback = new URL(abs(res.headers.get('location') ?? ''));
  for (let hops = 0; callback.port !== '9' && hops < 5; hops++) {
    res = await browse(jar, callback.href);
    callback = new URL(abs(res.headers.get('location') ?? ''));
  }
  const forged = new URL(callback);
  forged.searchParams.set('state', 'forged');
  await assert.rejects(web.finishWebLogin(login, forged), (e: unknown) => e instanceof MssClientError && e.code === 'LOGIN_STATE_MISMATCH');
  const tokens = await web.finishWebLogin(login, callback);
  assert.equal(claims(tokens.accessToken).SubjectNameID, GP);
  assert.equal(claims(tokens.accessToken).azp, 'mss-webmail');
});

test('a person lists the mailboxes they may open: the secretary, her delegation on the GP’s PER (R-DEL-1)', async () => {
  const client = await MssClient.connect({
    environment: s.env,
    psc: PSC_LPS,
    tokens: { onApprovalRequested: (_i, r) => approveOnSandboxEcps(s.env, r.authReqId) },
  });
  const boxes = await client.person('810000001478').mailboxes();
  assert.deepEqual(
    boxes.map((b) => [b.address, b.role]),
    [['paul.martin@operateur-a.mssante.fr', 'delegate']],
  );
  const handles = await client.person('810000001395').openableMailboxes();
  assert.deepEqual(
    handles.map((h) => h.address),
    ['cabinet.infirmiers-des-lilas@operateur-a.mssante.fr'],
  );
});
