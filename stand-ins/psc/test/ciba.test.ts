import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { approveRequest, denyRequest } from '../src/index.ts';
import {
  GP,
  HOSPITAL_ADMIN,
  LPS,
  PATIENT_INS,
  SECRETARY,
  cibaPoll,
  cibaRequest,
  lpsClient,
  sleep,
  startTestPsc,
  verifyAccessToken,
  type TestPsc,
} from './support.ts';

interface PendingJson {
  auth_req_id: string;
  idnat: string;
  given_name: string;
  family_name: string;
  client_id: string;
  binding_message?: string;
}

async function pending(t: TestPsc, idnat?: string): Promise<PendingJson[]> {
  const res = await fetch(`${t.psc.url}/ecps/requests${idnat ? `?idnat=${idnat}` : ''}`);
  assert.equal(res.status, 200);
  return (await res.json()) as PendingJson[];
}

describe('psc CIBA in poll mode (CIBA Core, formats-notes §6.2)', () => {
  let t: TestPsc;
  let client: oidc.Configuration;
  before(async () => {
    t = await startTestPsc();
    client = await lpsClient(t.psc);
  });
  after(async () => {
    await t.close();
  });

  test('pending on the e-CPS, approved, then tokens PSC-shaped and verifiable', async () => {
    const ack = await oidc.initiateBackchannelAuthentication(client, {
      scope: 'openid scope_all',
      acr_values: 'eidas1',
      login_hint: GP,
      binding_message: 'LPS-4711',
    });
    assert.equal(typeof ack.auth_req_id, 'string');
    assert.equal(ack.expires_in, 120);
    assert.equal(ack.interval, 1);

    const waiting = await pending(t, GP);
    assert.equal(waiting.length, 1);
    assert.deepEqual(
      {
        id: waiting[0]?.auth_req_id,
        given: waiting[0]?.given_name,
        family: waiting[0]?.family_name,
        client: waiting[0]?.client_id,
        msg: waiting[0]?.binding_message,
      },
      { id: ack.auth_req_id, given: 'Paul', family: 'Martin', client: LPS.id, msg: 'LPS-4711' },
    );
    const phone = await (await fetch(`${t.psc.url}/ecps`)).text();
    assert.match(phone, /Paul<\/strong>|Paul Martin/);
    assert.match(phone, /LPS-4711/);
    assert.match(phone, new RegExp(`/ecps/requests/${ack.auth_req_id}/approve`));

    const early = await cibaPoll(t.psc, ack.auth_req_id);
    assert.equal(early.status, 400);
    assert.equal(early.body.error, 'authorization_pending');

    await approveRequest(t.psc.url, ack.auth_req_id);
    assert.equal((await pending(t, GP)).length, 0);

    const tokens = await oidc.pollBackchannelAuthenticationGrant(client, ack);
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.equal(tokens.expires_in, 600);
    assert.equal(typeof tokens.refresh_token, 'string');
    assert.equal(typeof tokens.id_token, 'string');

    const { payload } = await verifyAccessToken(t.psc, tokens.access_token);
    assert.equal(payload.SubjectNameID, GP);
    assert.equal(payload.preferred_username, GP);
    assert.equal(payload.aud, 'mss-operator');
    assert.equal(payload.azp, LPS.id);
    assert.equal(payload.client_id, LPS.id);
    assert.equal(payload.acr, 'eidas1');
    assert.match(String(payload.sub), new RegExp(`^f:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}:${GP}$`));
    assert.equal((payload.exp as number) - (payload.iat as number), 600);
    assert.deepEqual(String(payload.scope).split(' ').sort(), ['openid', 'scope_all']);

    const idClaims = tokens.claims();
    assert.equal(idClaims?.sub, payload.sub);
    assert.equal(idClaims?.acr, 'eidas1');
    assert.equal(idClaims?.aud, LPS.id);
    assert.equal(idClaims?.SubjectNameID, GP);

    const info = await oidc.fetchUserInfo(client, tokens.access_token, String(payload.sub));
    assert.equal(info.SubjectNameID, GP);
    assert.equal(info.preferred_username, GP);
    assert.equal(info.given_name, 'Paul');
    assert.equal(info.family_name, 'Martin');
    const ref = info.SubjectRefPro as { codeCivilite: string; exercices: Record<string, unknown>[] };
    assert.equal(ref.codeCivilite, 'M');
    const [ex] = ref.exercices as [Record<string, unknown>];
    assert.equal(ex.codeProfession, '10');
    assert.equal(ex.codeCategorieProfessionnelle, 'C');
    assert.equal(ex.codeSavoirFaire, 'SM54');
    assert.equal(ex.nomDexercice, 'Martin');
    assert.equal(ex.prenomDexercice, 'Paul');
    const [act] = ex.activities as [Record<string, unknown>];
    assert.equal(act.codeModeExercice, 'L');
    assert.equal(act.raisonSocialeSite, 'Cabinet du Dr Martin');
    assert.equal(act.codePostal, '93260');
    assert.equal(act.codeDepartement, '93');
    assert.equal(act.libelleVoie, 'boulevard de la Liberté');
  });

  test('a salaried doctor: the activity carries the structure (FINESS, sector)', async () => {
    const ack = await oidc.initiateBackchannelAuthentication(client, { scope: 'openid scope_all', login_hint: HOSPITAL_ADMIN });
    await approveRequest(t.psc.url, ack.auth_req_id);
    const tokens = await oidc.pollBackchannelAuthenticationGrant(client, ack);
    const info = await oidc.fetchUserInfo(client, tokens.access_token, oidc.skipSubjectCheck);
    const [ex] = (info.SubjectRefPro as { exercices: Record<string, unknown>[] }).exercices as [Record<string, unknown>];
    const [act] = ex.activities as [Record<string, unknown>];
    assert.equal(act.codeModeExercice, 'S');
    assert.equal(act.numeroFinessSite, '930000013');
    assert.equal(act.raisonSocialeSite, 'Centre hospitalier des Lilas');
    assert.equal(act.codeSecteurDactivite, 'SA01');
    assert.equal(info.SubjectOrganizationID, '1930000013');
    assert.equal(info.Secteur_Activite, 'SA01^1.2.250.1.71.4.2.4');
  });

  test('a secretary registered through RPPS+ is a PSC user too', async () => {
    const ack = await oidc.initiateBackchannelAuthentication(client, { scope: 'openid scope_all', login_hint: SECRETARY });
    await approveRequest(t.psc.url, ack.auth_req_id);
    const tokens = await oidc.pollBackchannelAuthenticationGrant(client, ack);
    const { payload } = await verifyAccessToken(t.psc, tokens.access_token);
    assert.equal(payload.SubjectNameID, SECRETARY);
  });

  test('denied on the e-CPS: access_denied', async () => {
    const ack = await oidc.initiateBackchannelAuthentication(client, { scope: 'openid scope_all', login_hint: GP });
    await denyRequest(t.psc.url, ack.auth_req_id);
    await assert.rejects(
      oidc.pollBackchannelAuthenticationGrant(client, ack),
      (err: unknown) => (err as { error?: string }).error === 'access_denied',
    );
  });

  test('a decision on an unknown or decided request is a 404 problem', async () => {
    const missing = await fetch(`${t.psc.url}/ecps/requests/nope/approve`, { method: 'POST' });
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get('content-type') ?? '', /application\/problem\+json/);
    const ack = await cibaRequest(t.psc, { login_hint: GP });
    const id = String(ack.body.auth_req_id);
    await approveRequest(t.psc.url, id);
    await assert.rejects(denyRequest(t.psc.url, id), { name: 'MssError', code: 'PSC_REQUEST_NOT_FOUND' });
  });

  test('requested_expiry is honoured, then expired_token', async () => {
    const ack = await cibaRequest(t.psc, { login_hint: GP, requested_expiry: '1' });
    assert.equal(ack.status, 200);
    assert.equal(ack.body.expires_in, 1);
    await sleep(1300);
    const late = await cibaPoll(t.psc, String(ack.body.auth_req_id));
    assert.equal(late.status, 400);
    assert.equal(late.body.error, 'expired_token');
    const res = await fetch(`${t.psc.url}/ecps/requests/${String(ack.body.auth_req_id)}/approve`, { method: 'POST' });
    assert.equal(res.status, 404);
  });

  test('requested_expiry above the maximum is capped at 600 s', async () => {
    const ack = await cibaRequest(t.psc, { login_hint: GP, requested_expiry: '100000' });
    assert.equal(ack.body.expires_in, 600);
  });

  test('polling faster than the interval: slow_down', async () => {
    const ack = await cibaRequest(t.psc, { login_hint: GP });
    const id = String(ack.body.auth_req_id);
    assert.equal((await cibaPoll(t.psc, id)).body.error, 'authorization_pending');
    const fast = await cibaPoll(t.psc, id);
    assert.equal(fast.status, 400);
    assert.equal(fast.body.error, 'slow_down');
    await approveRequest(t.psc.url, id);
    const done = await cibaPoll(t.psc, id);
    assert.equal(done.status, 200);
    assert.equal(typeof done.body.access_token, 'string');
  });

  test('unknown login_hint: unknown_user_id', async () => {
    const unknown = await cibaRequest(t.psc, { login_hint: '810099999996' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error, 'unknown_user_id');
    const garbage = await cibaRequest(t.psc, { login_hint: 'not-an-idnat' });
    assert.equal(garbage.body.error, 'unknown_user_id');
  });

  test('a patient is not a PSC user', async () => {
    const res = await cibaRequest(t.psc, { login_hint: PATIENT_INS });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'unknown_user_id');
  });

  test('a wrong client secret is refused; the webmail (no CIBA grant) is refused', async () => {
    const bad = await cibaRequest(t.psc, { login_hint: GP }, { id: LPS.id, secret: 'wrong' });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error, 'invalid_client');
    const webmail = await fetch(`${t.psc.issuer}/protocol/openid-connect/ext/ciba/auth`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: 'mss-webmail', scope: 'openid', login_hint: GP }),
    });
    assert.equal(webmail.status, 400);
    const refused = (await webmail.json()) as { error: string; error_description: string };
    assert.equal(refused.error, 'invalid_request');
    assert.match(refused.error_description, /ciba is not allowed for this client/);
  });

  test('a binding_message that cannot be shown is refused', async () => {
    const res = await cibaRequest(t.psc, { login_hint: GP, binding_message: 'x'.repeat(200) });
    assert.equal(res.body.error, 'invalid_binding_message');
  });
});
