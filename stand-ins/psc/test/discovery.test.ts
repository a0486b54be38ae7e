import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestPsc, type TestPsc } from './support.ts';

describe('psc discovery and keys (formats-notes §6.1)', () => {
  let t: TestPsc;
  before(async () => {
    t = await startTestPsc();
  });
  after(async () => {
    await t.close();
  });

  test('the issuer is the esante-wallet realm of the stand-in', () => {
    assert.match(t.psc.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(t.psc.issuer, `${t.psc.url}/auth/realms/esante-wallet`);
  });

  test("the standard and PSC's own discovery paths serve the same document", async () => {
    const std = await fetch(`${t.psc.issuer}/.well-known/openid-configuration`);
    const wallet = await fetch(`${t.psc.issuer}/.well-known/wallet-openid-configuration`);
    assert.equal(std.status, 200);
    assert.equal(wallet.status, 200);
    assert.deepEqual(await wallet.json(), await std.json());
  });

  test('endpoints follow the Keycloak layout; PSC scopes and acr are advertised', async () => {
    const d = (await (await fetch(`${t.psc.issuer}/.well-known/wallet-openid-configuration`)).json()) as Record<string, unknown>;
    const oc = `${t.psc.issuer}/protocol/openid-connect`;
    assert.equal(d.issuer, t.psc.issuer);
    assert.equal(d.authorization_endpoint, `${oc}/auth`);
    assert.equal(d.token_endpoint, `${oc}/token`);
    assert.equal(d.userinfo_endpoint, `${oc}/userinfo`);
    assert.equal(d.jwks_uri, `${oc}/certs`);
    assert.equal(d.introspection_endpoint, `${oc}/token/introspect`);
    assert.equal(d.revocation_endpoint, `${oc}/revoke`);
    assert.equal(d.end_session_endpoint, `${oc}/logout`);
    assert.equal(d.backchannel_authentication_endpoint, `${oc}/ext/ciba/auth`);
    assert.deepEqual(d.backchannel_token_delivery_modes_supported, ['poll']);
    assert.equal(d.backchannel_user_code_parameter_supported, false);
    assert.ok((d.grant_types_supported as string[]).includes('urn:openid:params:grant-type:ciba'));
    assert.ok((d.scopes_supported as string[]).includes('openid'));
    assert.ok((d.scopes_supported as string[]).includes('scope_all'));
    assert.ok((d.acr_values_supported as string[]).includes('eidas1'));
    assert.ok((d.claims_supported as string[]).includes('SubjectNameID'));
    assert.deepEqual(d.code_challenge_methods_supported, ['S256']);
  });

  test('the JWKS publishes the public signing key only', async () => {
    const res = await fetch(`${t.psc.issuer}/protocol/openid-connect/certs`);
    assert.equal(res.status, 200);
    const { keys } = (await res.json()) as { keys: Record<string, unknown>[] };
    assert.equal(keys.length, 1);
    const [k] = keys as [Record<string, unknown>];
    assert.equal(k.kty, 'RSA');
    assert.equal(k.alg, 'RS256');
    assert.equal(k.use, 'sig');
    assert.equal(typeof k.kid, 'string');
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(k[secret], undefined, `private member ${secret} published`);
  });

  test('unknown paths answer problem+json 404', async () => {
    const res = await fetch(`${t.psc.url}/nothing-here`);
    assert.equal(res.status, 404);
    assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
  });
});
