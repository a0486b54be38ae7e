import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { cibaToken } from '../src/index.ts';
import { GP, LPS, basic, decodeJwt, lpsClient, sleep, startTestPsc, verifyAccessToken, type TestPsc } from './support.ts';

async function userinfoStatus(t: TestPsc, accessToken: string): Promise<number> {
  const res = await fetch(`${t.psc.issuer}/protocol/openid-connect/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
  await res.body?.cancel();
  return res.status;
}

describe('psc refresh, introspection, revocation', () => {
  let t: TestPsc;
  let client: oidc.Configuration;
  before(async () => {
    t = await startTestPsc();
    client = await lpsClient(t.psc);
  });
  after(async () => {
    await t.close();
  });

  test('refresh_token grant: a new access token for the same person', async () => {
    const first = await cibaToken({ pscUrl: t.psc.url, idnat: GP });
    assert.ok(first.refresh_token);
    const refreshed = await oidc.refreshTokenGrant(client, first.refresh_token);
    assert.notEqual(refreshed.access_token, first.access_token);
    const { payload } = await verifyAccessToken(t.psc, refreshed.access_token);
    assert.equal(payload.SubjectNameID, GP);
    assert.equal(payload.azp, LPS.id);
    assert.equal(payload.acr, 'eidas1');
    assert.equal(typeof refreshed.refresh_expires_in, 'number');
  });

  test('introspection of an access token carries SubjectNameID; of a refresh token, not', async () => {
    const tokens = await cibaToken({ pscUrl: t.psc.url, idnat: GP });
    const at = await oidc.tokenIntrospection(client, tokens.access_token);
    assert.equal(at.active, true);
    assert.equal(at.SubjectNameID, GP);
    assert.equal(at.client_id, LPS.id);
    assert.equal(at.aud, 'mss-operator');
    assert.equal(at.token_type, 'Bearer');
    assert.equal(at.iss, t.psc.issuer);
    assert.equal(typeof at.exp, 'number');

    const rt = await oidc.tokenIntrospection(client, tokens.refresh_token as string);
    assert.equal(rt.active, true);
    assert.equal(rt.SubjectNameID, undefined);
    assert.equal(rt.sub, decodeJwt(tokens.access_token).sub);

    const junk = await oidc.tokenIntrospection(client, 'not-a-token');
    assert.equal(junk.active, false);
  });

  test('introspection needs client authentication', async () => {
    const tokens = await cibaToken({ pscUrl: t.psc.url, idnat: GP });
    const res = await fetch(`${t.psc.issuer}/protocol/openid-connect/token/introspect`, {
      method: 'POST',
      headers: { authorization: basic(LPS.id, 'wrong'), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.access_token }),
    });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { error: string }).error, 'invalid_client');
  });

  test('revoking the access token: inactive at introspection and userinfo', async () => {
    const tokens = await cibaToken({ pscUrl: t.psc.url, idnat: GP });
    assert.equal(await userinfoStatus(t, tokens.access_token), 200);
    await oidc.tokenRevocation(client, tokens.access_token);
    assert.equal((await oidc.tokenIntrospection(client, tokens.access_token)).active, false);
    assert.equal(await userinfoStatus(t, tokens.access_token), 401);
    // Revoking an access token leaves the grant: the refresh token still works.
    await oidc.refreshTokenGrant(client, tokens.refresh_token as string);
  });

  test('revoking the refresh token ends the grant, and its access tokens with it', async () => {
    const tokens = await cibaToken({ pscUrl: t.psc.url, idnat: GP });
    await oidc.tokenRevocation(client, tokens.refresh_token as string);
    await assert.rejects(
      oidc.refreshTokenGrant(client, tokens.refresh_token as string),
      (err: unknown) => (err as { error?: string }).error === 'invalid_grant',
    );
    assert.equal((await oidc.tokenIntrospection(client, tokens.access_token)).active, false);
    assert.equal(await userinfoStatus(t, tokens.access_token), 401);
  });

  test("another client can neither revoke nor, if public, introspect a client's token", async () => {
    const tokens = await cibaToken({ pscUrl: t.psc.url, idnat: GP, clientId: 'mss-bench', clientSecret: 'mss-bench-secret' });
    const res = await fetch(`${t.psc.issuer}/protocol/openid-connect/revoke`, {
      method: 'POST',
      headers: { authorization: basic(LPS.id, LPS.secret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.access_token }),
    });
    assert.equal(res.status, 400);
    assert.equal((await oidc.tokenIntrospection(client, tokens.access_token)).active, true);
    const asPublic = await fetch(`${t.psc.issuer}/protocol/openid-connect/token/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.access_token, client_id: 'mss-webmail' }),
    });
    assert.deepEqual(await asPublic.json(), { active: false });
  });

  test('userinfo refuses a token that is not ours', async () => {
    const tokens = await cibaToken({ pscUrl: t.psc.url, idnat: GP });
    const [h, p] = tokens.access_token.split('.');
    const forged = `${h}.${p}.${Buffer.from('not the signature').toString('base64url')}`;
    const res = await fetch(`${t.psc.issuer}/protocol/openid-connect/userinfo`, { headers: { authorization: `Bearer ${forged}` } });
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /invalid_token/);
  });
});

describe('psc token lifetimes follow accessTokenTtlSeconds', () => {
  let t: TestPsc;
  before(async () => {
    t = await startTestPsc({ accessTokenTtlSeconds: 2 });
  });
  after(async () => {
    await t.close();
  });

  test('exp - iat is the configured TTL; expired tokens are inactive', async () => {
    // The client first: iat is whole seconds, so the token may have only just over 1 s left when
    // it arrives; nothing slow may come between it and the first introspection.
    const client = await lpsClient(t.psc);
    const tokens = await cibaToken({ pscUrl: t.psc.url, idnat: GP });
    assert.equal(tokens.expires_in, 2);
    const at = decodeJwt(tokens.access_token);
    assert.equal((at.exp as number) - (at.iat as number), 2);
    const id = decodeJwt(tokens.id_token as string);
    assert.equal((id.exp as number) - (id.iat as number), 2);
    assert.equal((await oidc.tokenIntrospection(client, tokens.access_token)).active, true);
    await sleep(3100);
    assert.equal((await oidc.tokenIntrospection(client, tokens.access_token)).active, false);
    assert.equal(await userinfoStatus(t, tokens.access_token), 401);
  });
});
