// The portal's rules through its JSON API over real HTTP (domain reference §7, R-ENR-1): a
// request, the refusals (unknown professional, duplicate, someone else's request, an end date in
// the past) and that they lose nothing, validation (a unique RPPS with its Luhn key, the person
// and situation in the Annuaire's FHIR API, the number made known after the delay), the e-CPS
// (PSC knows her only after activation), the end of the situation, and every step recorded.
// Titulars use real PSC access tokens (CIBA against the PSC stand-in).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { checkRpps } from '@mss/domain';
import { cibaToken } from '@mss/psc';
import { AnnuaireRepos, SANDBOX_API_KEY } from '@mss/annuaire';
import { FIRST_SEQUENCE } from '../src/index.ts';
import { GP, GP_PRACTICE, NURSE, api, startWorld, type World } from './support/world.ts';

const SANTONI = { civility: 'MME', lastName: 'SANTONI', firstNames: 'Marie-Ange', birthDate: '1985-06-30', kind: 'SECRETARY' };

describe('RPPS+ portal API', { timeout: 240_000 }, () => {
  let w: World;
  let gpToken: string;
  let nurseToken: string;
  before(async () => {
    w = await startWorld();
    gpToken = (await cibaToken({ pscUrl: w.psc.url, idnat: GP })).access_token;
    nurseToken = (await cibaToken({ pscUrl: w.psc.url, idnat: NURSE })).access_token;
  });
  after(async () => {
    await w?.close();
  });

  const requestCount = async () => (await w.ownDb.selectFrom('rpps_plus_requests').select('id').execute()).length;

  test('professionals are found by family name and by RPPS, with their current practices', async () => {
    const byName = await api(w, 'GET', '/professionnels?q=martin');
    assert.equal(byName.status, 200);
    const paul = (byName.body as unknown as { idnat: string; practices: { id: string; name: string }[] }[]).find((p) => p.idnat === GP);
    assert.ok(paul, 'Dr Paul Martin found by name');
    assert.deepEqual(
      paul.practices.map((p) => [p.id, p.name]),
      [[GP_PRACTICE, 'Cabinet du Dr Martin']],
    );
    const byRpps = await api(w, 'GET', `/professionnels?q=${GP.slice(1)}`);
    assert.deepEqual(
      (byRpps.body as unknown as { idnat: string }[]).map((p) => p.idnat),
      [GP],
    );
    // A secretary is not a professional one may be employed by.
    const secretary = await api(w, 'GET', '/professionnels?q=810000001478');
    assert.deepEqual(secretary.body, []);
  });

  test('bad requests are refused with the reason in French, and nothing is recorded', async () => {
    const before = await requestCount();
    // A valid RPPS (Luhn) that the directory does not know.
    const unknown = await api(w, 'POST', '/demandes', { body: { ...SANTONI, employer: '19999999998' } });
    assert.equal(unknown.status, 404);
    assert.match(unknown.type, /^application\/problem\+json/);
    assert.equal(unknown.body.type, '/problems/rpps-plus/unknown-professional');
    assert.match(unknown.body.detail ?? '', /Aucun professionnel de santé n’est enregistré avec le numéro RPPS 19999999998/);
    const malformed = await api(w, 'POST', '/demandes', { body: { ...SANTONI, employer: 'Martin' } });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.type, '/problems/rpps-plus/invalid-input');
    const noName = await api(w, 'POST', '/demandes', { body: { ...SANTONI, lastName: '', employer: GP } });
    assert.equal(noName.status, 400);
    assert.match(noName.body.detail ?? '', /nom de naissance est obligatoire/);
    const future = await api(w, 'POST', '/demandes', { body: { ...SANTONI, birthDate: '2999-01-01', employer: GP } });
    assert.equal(future.status, 400);
    const notJson = await fetch(`${w.url}/api/v1/demandes`, { method: 'POST', body: '{' });
    assert.equal(notJson.status, 400);
    assert.equal(await requestCount(), before);
  });

  test('a request, a duplicate refused, a validation by someone else refused, then the employer validates (R-ENR-1)', async () => {
    const made = await api(w, 'POST', '/demandes', { body: { ...SANTONI, employer: GP.slice(1) } });
    assert.equal(made.status, 201);
    assert.equal(made.body.status, 'pending');
    assert.equal(made.body.practiceName, 'Cabinet du Dr Martin');
    const id = made.body.id as number;

    const duplicate = await api(w, 'POST', '/demandes', { body: { ...SANTONI, employer: GP } });
    assert.equal(duplicate.status, 409);
    assert.equal(duplicate.body.type, '/problems/rpps-plus/duplicate-request');
    assert.match(duplicate.body.detail ?? '', new RegExp(`demande en attente auprès de Paul Martin \\(demande n° ${id}\\)`));

    // §7: only the employer named in the request decides.
    const other = await api(w, 'POST', `/demandes/${id}/validation`, { token: nurseToken });
    assert.equal(other.status, 403);
    assert.equal(other.body.type, '/problems/rpps-plus/not-your-request');
    const refusedToo = await api(w, 'POST', `/demandes/${id}/refus`, { token: nurseToken, body: { reason: 'non' } });
    assert.equal(refusedToo.status, 403);
    const noToken = await api(w, 'POST', `/demandes/${id}/validation`);
    assert.equal(noToken.status, 401);
    const forged = await api(w, 'POST', `/demandes/${id}/validation`, { token: `${gpToken.slice(0, -4)}AAAA` });
    assert.equal(forged.status, 401);
    assert.equal((await api(w, 'GET', `/demandes/${id}`)).body.status, 'pending', 'still pending: nothing lost');

    const listed = await api(w, 'GET', '/titulaire/demandes', { token: gpToken });
    assert.deepEqual(
      (listed.body as unknown as { id: number; status: string }[]).filter((r) => r.id === id).map((r) => r.status),
      ['pending'],
    );
    assert.deepEqual(await api(w, 'GET', '/titulaire/demandes', { token: nurseToken }).then((r) => r.body), []);

    const validated = await api(w, 'POST', `/demandes/${id}/validation`, { token: gpToken });
    assert.equal(validated.status, 200);
    assert.equal(validated.body.status, 'validated');
    const rpps = validated.body.rpps as string;
    assert.ok(checkRpps(rpps).ok, `RPPS ${rpps} has a valid Luhn key (R-ID-1)`);
    assert.ok(Number(rpps.slice(0, 10)) >= FIRST_SEQUENCE, 'from the portal’s own range');
    const idnat = `8${rpps}`;
    assert.equal(validated.body.idnat, idnat);

    const again = await api(w, 'POST', `/demandes/${id}/validation`, { token: gpToken });
    assert.equal(again.status, 409);
    assert.equal(again.body.type, '/problems/rpps-plus/not-pending');

    // The Annuaire knows her and her situation at the GP's practice…
    const person = await w.annuaire.directory.person(idnat);
    assert.equal(person?.kind, 'SECRETARY');
    assert.equal(person?.last_name, 'SANTONI');
    const situations = await w.annuaire.directory.situationsOf(idnat, new Date().toISOString().slice(0, 10));
    assert.equal(situations.length, 1);
    assert.equal(situations[0]?.practice_name, 'Cabinet du Dr Martin');
    assert.equal(situations[0]?.street, '27 boulevard de la Liberté');
    assert.equal(situations[0]?.employer_idnat, GP, 'R-DEL-5: her situation names her employer');
    // …in its change feed, for the operators that follow it (R-ENR-1)…
    const changes = await new AnnuaireRepos(w.annuaire).feed.changesAfter(0, 10_000);
    assert.ok(
      changes.some((c) => c.resource_id.includes(rpps)),
      'the new person is in the change feed',
    );
    // …and so does its FHIR API.
    const fhir = await fetch(`${w.directory.fhirBase}/Practitioner?identifier=${idnat}`, {
      headers: { 'ESANTE-API-KEY': SANDBOX_API_KEY },
    });
    const bundle = (await fhir.json()) as {
      total?: number;
      entry?: { resource: { resourceType: string; name?: { family?: string }[] } }[];
    };
    const practitioner = bundle.entry?.find((e) => e.resource.resourceType === 'Practitioner');
    assert.equal(practitioner?.resource.name?.[0]?.family, 'SANTONI');

    // The applicant learns her number only after the delay (60 s on the portal's clock here).
    const early = await api(w, 'GET', `/demandes/${id}`);
    assert.equal(early.body.idnat, null);
    const tooEarly = await api(w, 'POST', `/demandes/${id}/activation-ecps`);
    assert.equal(tooEarly.status, 409);
    assert.equal(tooEarly.body.type, '/problems/rpps-plus/rpps-not-yet-known');
    w.advance(61_000);
    assert.equal((await api(w, 'GET', `/demandes/${id}`)).body.idnat, idnat);

    // e-CPS: PSC does not know her before activation and its delay, then gives her tokens.
    await assert.rejects(cibaToken({ pscUrl: w.psc.url, idnat }), { code: 'PSC_UNKNOWN_USER' });
    const activation = await api(w, 'POST', `/demandes/${id}/activation-ecps`);
    assert.equal(activation.status, 200);
    assert.ok(activation.body.ecpsActiveAt);
    await assert.rejects(cibaToken({ pscUrl: w.psc.url, idnat }), { code: 'PSC_UNKNOWN_USER' });
    w.advance(61_000);
    const token = await cibaToken({ pscUrl: w.psc.url, idnat });
    const claims = JSON.parse(Buffer.from(token.access_token.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>;
    assert.equal(claims.SubjectNameID, idnat);

    // End date: in the past refused, nothing changed; a future one set; then ended now.
    const past = await api(w, 'POST', `/demandes/${id}/fin`, { token: gpToken, body: { endDate: '2020-01-01' } });
    assert.equal(past.status, 400);
    assert.equal(past.body.type, '/problems/rpps-plus/end-date-in-past');
    assert.equal((await w.annuaire.directory.situation(`rpps-plus-${id}`))?.end_date, null);
    const notHis = await api(w, 'POST', `/demandes/${id}/fin`, { token: nurseToken, body: {} });
    assert.equal(notHis.status, 403);
    const future = await api(w, 'POST', `/demandes/${id}/fin`, { token: gpToken, body: { endDate: '2099-12-31' } });
    assert.equal(future.status, 200);
    assert.equal((await w.annuaire.directory.situation(`rpps-plus-${id}`))?.end_date, '2099-12-31');
    const now = await api(w, 'POST', `/demandes/${id}/fin`, { token: gpToken, body: {} });
    assert.equal(now.status, 200);
    const today = w.portal.portal.today();
    assert.equal((await w.annuaire.directory.situation(`rpps-plus-${id}`))?.end_date, today);
    assert.deepEqual(await w.annuaire.directory.situationsOf(idnat, today), [], 'no situation in force any more');
    const twice = await api(w, 'POST', `/demandes/${id}/fin`, { token: gpToken, body: {} });
    assert.equal(twice.status, 409);
    assert.equal(twice.body.type, '/problems/rpps-plus/situation-ended');

    // Every step, who and what, as the titular sees it.
    const seen = await api(w, 'GET', `/demandes/${id}`, { token: gpToken });
    const events = seen.body.events as { actor: string; action: string }[];
    assert.deepEqual(
      events.map((e) => [e.action, e.actor]),
      [
        ['requested', 'api:Marie-Ange SANTONI'],
        ['validated', GP],
        ['rpps-assigned', 'portail'],
        ['ecps-requested', 'api:Marie-Ange SANTONI'],
        ['end-date-set', GP],
        ['ended', GP],
      ],
    );
    // The steps are append-only, in the database itself.
    await assert.rejects(w.ownDb.deleteFrom('rpps_plus_events').execute(), /append-only/);
  });

  test('a refusal with its reason; the titular enters a secretary directly (her own RPPS, unique)', async () => {
    const made = await api(w, 'POST', '/demandes', {
      body: { civility: 'M', lastName: 'BENALI', firstNames: 'Karim', birthDate: '1990-05-17', kind: 'MEDICAL_ASSISTANT', employer: GP },
    });
    assert.equal(made.status, 201);
    const id = made.body.id as number;
    const refused = await api(w, 'POST', `/demandes/${id}/refus`, { token: gpToken, body: { reason: 'Inconnu au cabinet' } });
    assert.equal(refused.status, 200);
    assert.equal(refused.body.status, 'refused');
    assert.equal((await api(w, 'GET', `/demandes/${id}`)).body.refusalReason, 'Inconnu au cabinet');
    const late = await api(w, 'POST', `/demandes/${id}/validation`, { token: gpToken });
    assert.equal(late.status, 409);

    const direct = await api(w, 'POST', '/titulaire/personnes', {
      token: gpToken,
      body: { civility: 'MME', lastName: 'MOREAU', firstNames: 'Léa', birthDate: '1995-02-11', kind: 'SECRETARY' },
    });
    assert.equal(direct.status, 201);
    assert.equal(direct.body.status, 'validated');
    assert.equal(direct.body.origin, 'titular');
    const rppsNumbers = (await w.ownDb.selectFrom('rpps_plus_numbers').select('rpps').execute()).map((r) => r.rpps);
    assert.equal(new Set(rppsNumbers).size, rppsNumbers.length);
    assert.ok(rppsNumbers.includes(direct.body.rpps as string));
    const duplicate = await api(w, 'POST', '/titulaire/personnes', {
      token: gpToken,
      body: { civility: 'MME', lastName: 'MOREAU', firstNames: 'Léa', birthDate: '1995-02-11', kind: 'SECRETARY' },
    });
    assert.equal(duplicate.status, 409);
    assert.equal(duplicate.body.type, '/problems/rpps-plus/duplicate-request');
  });
});
