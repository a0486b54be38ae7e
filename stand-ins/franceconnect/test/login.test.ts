import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { CANCELLED_DESCRIPTION, DEMO_CITIZENS, REFUSED_DESCRIPTION, traitsFromIns } from '../src/index.ts';
import {
  MES,
  PATIENT,
  RPPS_PLUS,
  browse,
  client,
  follow,
  formAction,
  loginAs,
  startLogin,
  startTestFranceConnect,
  type TestFranceConnect,
} from './support.ts';

describe('franceconnect: authorization code + PKCE through the simulated identity provider', () => {
  let t: TestFranceConnect;
  let mes: oidc.Configuration;
  before(async () => {
    t = await startTestFranceConnect();
    mes = await client(t.fc);
  });
  after(async () => {
    await t.close();
  });

  test('discovery: v2 layout, ES256, FranceConnect scopes, pairwise subjects', async () => {
    const res = await fetch(`${t.fc.issuer}/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    const d = (await res.json()) as Record<string, unknown>;
    assert.equal(d.issuer, `${t.fc.url}/api/v2`);
    assert.equal(d.authorization_endpoint, `${t.fc.url}/api/v2/authorize`);
    assert.equal(d.token_endpoint, `${t.fc.url}/api/v2/token`);
    assert.equal(d.userinfo_endpoint, `${t.fc.url}/api/v2/userinfo`);
    assert.equal(d.jwks_uri, `${t.fc.url}/api/v2/jwks`);
    assert.equal(d.end_session_endpoint, `${t.fc.url}/api/v2/session/end`);
    assert.ok((d.id_token_signing_alg_values_supported as string[]).includes('ES256'));
    assert.ok((d.userinfo_signing_alg_values_supported as string[]).includes('ES256'));
    for (const scope of ['openid', 'identite_pivot', 'birth', 'profile', 'given_name', 'birthcountry', 'preferred_username'])
      assert.ok((d.scopes_supported as string[]).includes(scope), scope);
    assert.ok((d.subject_types_supported as string[]).includes('pairwise'));
    assert.deepEqual(d.acr_values_supported, ['eidas1']);
    const jwks = (await (await fetch(d.jwks_uri as string)).json()) as { keys: { kty: string; crv?: string; d?: string }[] };
    assert.equal(jwks.keys[0]?.kty, 'EC');
    assert.equal(jwks.keys[0]?.crv, 'P-256');
    assert.equal(jwks.keys[0]?.d, undefined, 'no private member published');
  });

  test('the demo patient logs in: identité pivot in a signed userinfo, sub of 64 hex digits and v1', async () => {
    const s = await startLogin(t.fc, mes, MES.redirect);
    assert.match(s.page, /Je me connecte à Mon Espace Santé avec FranceConnect/);
    assert.match(s.page, /Dominique Marie PAT-TROIS/);
    assert.match(s.page, /née le 21\/03\/1979 à 51215/);
    const { callback, confirmPage } = await loginAs(t.fc, s, PATIENT);
    // The citizen is told what goes to the service, in French.
    for (const label of ['Prénoms', 'Nom de naissance', 'Date de naissance', 'Sexe', 'Lieu de naissance', 'Pays de naissance'])
      assert.match(confirmPage, new RegExp(label));
    assert.match(confirmPage, /Féminin/);
    assert.equal(`${callback.origin}${callback.pathname}`, MES.redirect);
    const tokens = await oidc.authorizationCodeGrant(mes, callback, {
      pkceCodeVerifier: s.verifier,
      expectedState: s.state,
      expectedNonce: s.nonce,
    });
    assert.equal(decodeProtectedHeader(tokens.id_token ?? '').alg, 'ES256');
    const id = tokens.claims();
    assert.ok(id);
    assert.match(id.sub, /^[0-9a-f]{64}v1$/);
    assert.equal(id.acr, 'eidas1');
    // openid-client checks the userinfo JWT's signature (ES256), issuer and audience.
    const info = await oidc.fetchUserInfo(mes, tokens.access_token, id.sub);
    const { iat: _iat, exp: _exp, ...claims } = info;
    assert.deepEqual(claims, {
      sub: id.sub,
      given_name: 'Dominique Marie',
      family_name: 'PAT-TROIS',
      birthdate: '1979-03-21',
      gender: 'female',
      birthplace: '51215',
      birthcountry: '99100',
      iss: t.fc.issuer,
      aud: MES.id,
    });
  });

  test('the userinfo answer is a JWT (application/jwt), as v2 requires services to verify', async () => {
    const s = await startLogin(t.fc, mes, MES.redirect);
    const { callback } = await loginAs(t.fc, s, PATIENT);
    const tokens = await oidc.authorizationCodeGrant(mes, callback, {
      pkceCodeVerifier: s.verifier,
      expectedState: s.state,
      expectedNonce: s.nonce,
    });
    const res = await fetch(`${t.fc.issuer}/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/jwt/);
    const body = await res.text();
    assert.equal(decodeProtectedHeader(body).alg, 'ES256');
    assert.equal(decodeJwt(body).family_name, 'PAT-TROIS');
  });

  test('scopes limit the claims: openid given_name releases the first names only', async () => {
    const s = await startLogin(t.fc, mes, MES.redirect, 'openid given_name');
    const { callback, confirmPage } = await loginAs(t.fc, s, PATIENT);
    assert.match(confirmPage, /Prénoms/);
    assert.doesNotMatch(confirmPage, /Date de naissance/);
    const tokens = await oidc.authorizationCodeGrant(mes, callback, {
      pkceCodeVerifier: s.verifier,
      expectedState: s.state,
      expectedNonce: s.nonce,
    });
    const info = await oidc.fetchUserInfo(mes, tokens.access_token, oidc.skipSubjectCheck);
    assert.equal(info.given_name, 'Dominique Marie');
    assert.equal(info.family_name, undefined);
    assert.equal(info.birthdate, undefined);
  });

  test('preferred_username is the usage name, released by its own scope', async () => {
    const s = await startLogin(t.fc, mes, MES.redirect, 'openid identite_pivot preferred_username');
    const { callback } = await loginAs(t.fc, s, '285062A00412322');
    const tokens = await oidc.authorizationCodeGrant(mes, callback, {
      pkceCodeVerifier: s.verifier,
      expectedState: s.state,
      expectedNonce: s.nonce,
    });
    const info = await oidc.fetchUserInfo(mes, tokens.access_token, oidc.skipSubjectCheck);
    assert.equal(info.family_name, 'SANTONI');
    assert.equal(info.preferred_username, 'LEANDRI');
    assert.equal(info.birthplace, '2A004');
  });

  test('sub is pairwise: another service gets another sub for the same citizen; stable across a restart', async () => {
    const subAt = async (config: oidc.Configuration, redirect: string) => {
      const s = await startLogin(t.fc, config, redirect);
      const { callback } = await loginAs(t.fc, s, PATIENT);
      const tokens = await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: s.verifier,
        expectedState: s.state,
        expectedNonce: s.nonce,
      });
      return tokens.claims()?.sub;
    };
    const atMes = await subAt(mes, MES.redirect);
    const rpps = await client(t.fc, RPPS_PLUS);
    const atRpps = await subAt(rpps, RPPS_PLUS.redirect);
    assert.ok(atMes && atRpps);
    assert.notEqual(atMes, atRpps);
    assert.equal(await subAt(mes, MES.redirect), atMes);
    await t.restart();
    mes = await client(t.fc);
    assert.equal(await subAt(mes, MES.redirect), atMes, 'same sub after a restart (persisted secret)');
  });

  test('cancelling goes back to the service with access_denied and the state', async () => {
    const s = await startLogin(t.fc, mes, MES.redirect);
    const res = await browse(s.jar, new URL(formAction(s.page, 'Annuler et revenir'), t.fc.url).href, { form: {} });
    const back = await follow(t.fc, s.jar, res);
    assert.equal(`${back.origin}${back.pathname}`, MES.redirect);
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('error_description'), CANCELLED_DESCRIPTION);
    assert.equal(back.searchParams.get('state'), s.state);
    assert.equal(back.searchParams.get('code'), null);
  });

  test('cancelling on the transmission page also goes back with access_denied', async () => {
    const s = await startLogin(t.fc, mes, MES.redirect);
    const confirm = await browse(s.jar, new URL(formAction(s.page, PATIENT), t.fc.url).href, { form: { citizen: PATIENT } });
    const res = await browse(s.jar, new URL(formAction(await confirm.text(), 'Annuler et revenir'), t.fc.url).href, { form: {} });
    const back = await follow(t.fc, s.jar, res);
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('error_description'), CANCELLED_DESCRIPTION);
  });

  test("the identity provider's refusal goes back with access_denied and says so", async () => {
    const s = await startLogin(t.fc, mes, MES.redirect);
    const res = await browse(s.jar, new URL(formAction(s.page, 'Simuler un refus'), t.fc.url).href, { form: {} });
    const back = await follow(t.fc, s.jar, res);
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('error_description'), REFUSED_DESCRIPTION);
  });

  test('an unknown account is refused on the page, in French, and nothing goes back', async () => {
    const s = await startLogin(t.fc, mes, MES.redirect);
    const res = await browse(s.jar, new URL(formAction(s.page, PATIENT), t.fc.url).href, { form: { citizen: '199999999999999' } });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /Ce compte de test est inconnu/);
  });

  test('v2 mandatory parameters: no nonce, no state, a wrong acr_values, no PKCE → invalid_request at the service', async () => {
    const base = {
      client_id: MES.id,
      redirect_uri: MES.redirect,
      response_type: 'code',
      scope: 'openid identite_pivot',
      acr_values: 'eidas1',
      state: 'state-state-state-state',
      nonce: 'nonce-nonce-nonce-nonce',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    };
    const cases: [string, Record<string, string | undefined>, RegExp][] = [
      ['nonce', { nonce: undefined }, /nonce is required/],
      ['state', { state: undefined }, /state is required/],
      ['acr_values', { acr_values: 'eidas3' }, /acr_values must include eidas1/],
      ['pkce', { code_challenge: undefined, code_challenge_method: undefined }, /requires PKCE/],
    ];
    for (const [what, change, description] of cases) {
      const params = Object.fromEntries(Object.entries({ ...base, ...change }).filter(([, v]) => v !== undefined)) as Record<
        string,
        string
      >;
      const res = await fetch(`${t.fc.issuer}/authorize?${new URLSearchParams(params)}`, { redirect: 'manual' });
      assert.equal(res.status, 303, what);
      const back = new URL(res.headers.get('location') ?? '');
      assert.equal(`${back.origin}${back.pathname}`, MES.redirect, what);
      assert.equal(back.searchParams.get('error'), 'invalid_request', what);
      assert.match(back.searchParams.get('error_description') ?? '', description, what);
    }
  });

  test('a redirect_uri the service did not register gets an error page, not a redirect', async () => {
    const url = oidc.buildAuthorizationUrl(mes, {
      redirect_uri: 'http://evil.example/cb',
      scope: 'openid',
      acr_values: 'eidas1',
      state: 'state-state-state-state',
      nonce: 'nonce-nonce-nonce-nonce',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const res = await fetch(url, { redirect: 'manual' });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /redirect_uri/);
  });
});

test('the built-in citizens agree with their INS (sex, birth month and year, birth place)', () => {
  for (const c of DEMO_CITIZENS) {
    const t = traitsFromIns(c.id);
    assert.equal(t.gender, c.gender, c.id);
    assert.equal(`${t.year2}-${t.month}`, c.birthdate.slice(2, 7), c.id);
    assert.equal(t.birthcountry, c.birthcountry, c.id);
    assert.equal(t.birthplace, c.birthplace, c.id);
  }
});
