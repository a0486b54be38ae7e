// The structure's identity provider issues real tokens through a whole authorization-code login
// (PKCE, the login form): RS256 JWTs for the operator, `sub` the structure's identifier of the
// person, verifiable with its published JWKS; a wrong password gets no token.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { silentLogger } from '@mss/runtime';
import { DEFAULT_STAFF, startStructureIdp, structureIdpToken, type RunningStructureIdp } from '../src/index.ts';

let idp: RunningStructureIdp;
before(async () => {
  idp = await startStructureIdp({
    logger: silentLogger(),
    host: '127.0.0.1',
    port: 0,
    finess: '930000013',
    name: 'Centre hospitalier des Lilas',
  });
});
after(() => idp.stop());

test('a staff member logs in and gets a JWT access token for the operator, verifiable with the JWKS', async () => {
  const jeanne = DEFAULT_STAFF[0]!;
  const { access_token, expires_in } = await structureIdpToken({ issuer: idp.issuer, username: jeanne.localId, password: jeanne.password });
  assert.ok(expires_in > 0);
  const discovery = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as { jwks_uri: string; issuer: string };
  assert.equal(discovery.issuer, idp.issuer);
  const { payload, protectedHeader } = await jwtVerify(access_token, createRemoteJWKSet(new URL(discovery.jwks_uri)), {
    issuer: idp.issuer,
    audience: 'mss-operator',
  });
  assert.equal(protectedHeader.alg, 'RS256');
  assert.equal(payload.sub, jeanne.localId);
  assert.equal(payload.azp, 'mss-lps-hopital');
});

test('a wrong password or an unknown identifier gets no token', async () => {
  await assert.rejects(structureIdpToken({ issuer: idp.issuer, username: 'secr-cardio-01', password: 'wrong' }), /refused/);
  await assert.rejects(structureIdpToken({ issuer: idp.issuer, username: 'nobody', password: 'x' }), /refused/);
});

test('a login page of an interaction that is over, or of none, says "Session expirée" (400) and where to start again', async () => {
  const res = await fetch(`${idp.issuer}/interaction/no-such-interaction`);
  assert.equal(res.status, 400);
  const page = await res.text();
  assert.match(page, /<title>Session expirée<\/title>/);
  assert.match(page, /Cette demande de connexion a expiré ou n&#39;existe pas\. Relancez-la depuis votre logiciel\./);
});
