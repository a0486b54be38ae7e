// Multi-mailbox resolution (R-ANN-4): the resolver over the seeded store, then its HTTP endpoint
// (fetch, curl) and its FHIR form (PractitionerRole?_query=resolve-mailbox).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CURL, KEY, curlMissing, entries, mailboxes, persona, run, startHttpWorld, type HttpWorld } from './support/http-world.ts';
import { resolveMailbox, ResolutionError, type Resolution } from '../src/index.ts';

const D = 'operateur-a.mssante.fr';
const ANNE = '810000009999';
const SIRET = '12345678900011';
const TODAY = '2026-06-01';
const M = {
  hospital: `anne.multi.ch@${D}`,
  lyon: `anne.multi.lyon@${D}`,
  cab: `cabinet.multi.lyon@${D}`,
  anywhere: `anne.multi@${D}`,
  old: `anne.multi.paris@${D}`,
  secret: `anne.secret@${D}`,
};

let w: HttpWorld;

before(async () => {
  w = await startHttpWorld();
  // Dr Anne Multi: a hospital post, a liberal practice in Lyon (PER and CAB), a post at a SIRET
  // structure with no mailbox of its own, an ended Paris practice, and a mailbox tied to nothing.
  await w.store.directory.upsertPersons([
    {
      idnat: ANNE,
      kind: 'PS',
      id_type: 'RPPS',
      rpps: ANNE.slice(1),
      civility: 'MME',
      last_name: 'Multi',
      first_name: 'Anne',
      profession_code: '10',
      profession_label: 'Médecin',
      category_code: 'C',
      speciality_code: 'SM54',
      speciality_label: 'Médecine générale',
    },
  ]);
  await w.store.directory.upsertStructures([
    {
      idnat: `3${SIRET}`,
      id_type: 'SIRET',
      finess: null,
      siret: SIRET,
      name: 'Centre de santé du Vieux-Port',
      sector_code: 'SA05',
      street: '2 quai du Port',
      postal_code: '13002',
      city: 'Marseille',
      departement: '13',
    },
  ]);
  const sit = (
    n: string,
    structure: string | null,
    practice: string | null,
    street: string,
    postal: string,
    city: string,
    end: string | null = null,
  ) => ({
    id: `sit-${ANNE}-${n}`,
    person_idnat: ANNE,
    structure_idnat: structure,
    practice_name: practice,
    mode: (structure ? 'S' : 'L') as 'S' | 'L',
    role_label: null,
    street,
    postal_code: postal,
    city,
    departement: postal.slice(0, 2),
    start_date: '2015-01-01',
    end_date: end,
  });
  await w.store.directory.upsertSituations([
    sit('A', '1930000013', null, '10 rue de Paris', '93260', 'Les Lilas'),
    sit('B', null, 'Cabinet Multi', '5 place Bellecour', '69002', 'Lyon'),
    sit('C', `3${SIRET}`, null, '2 quai du Port', '13002', 'Marseille'),
    sit('D', null, 'Cabinet de Paris', '1 rue de Rivoli', '75001', 'Paris', '2020-12-31'),
  ]);
  await w.store.mailboxes.createMany([
    { address: M.hospital, type: 'PER', ownerIdnat: ANNE, situationId: `sit-${ANNE}-A` },
    { address: M.lyon, type: 'PER', ownerIdnat: ANNE, situationId: `sit-${ANNE}-B` },
    { address: M.cab, type: 'CAB', ownerIdnat: ANNE, situationId: `sit-${ANNE}-B`, description: 'Cabinet Multi' },
    { address: M.anywhere, type: 'PER', ownerIdnat: ANNE, situationId: null },
    { address: M.old, type: 'PER', ownerIdnat: ANNE, situationId: `sit-${ANNE}-D` },
    { address: M.secret, type: 'PER', ownerIdnat: ANNE, situationId: `sit-${ANNE}-A`, listeRouge: true },
  ]);
});
after(async () => {
  await w?.close();
});

const resolve = (professional: string, context: Parameters<typeof resolveMailbox>[2] = {}) =>
  resolveMailbox(w.data, professional, context, TODAY);
const addresses = (r: Resolution) => r.candidates.map((c) => c.address).sort();
const PUBLISHED = [M.hospital, M.lyon, M.cab, M.anywhere, M.old].sort();

describe('resolveMailbox', () => {
  test('a structure by FINESS or by IdNat: the mailbox attached to that situation', async () => {
    for (const structure of ['930000013', '1930000013']) {
      const r = await resolve(ANNE, { structure });
      assert.equal(r.outcome, 'matched');
      assert.equal(r.mailbox?.address, M.hospital);
      assert.equal(r.mailbox?.situation?.structure?.name, 'Centre hospitalier des Lilas');
      assert.match(r.reason, /attached to the situation d'exercice "Centre hospitalier des Lilas"/);
      assert.deepEqual(addresses(r), PUBLISHED, 'the liste rouge mailbox is never a candidate');
    }
  });

  test("a postal code or a city: the practice's PER before its CAB, both marked as fitting", async () => {
    for (const context of [{ postalCode: '69002' }, { city: 'lyon' }, { city: 'LYON', postalCode: '69002' }]) {
      const r = await resolve(ANNE, context);
      assert.equal(r.outcome, 'matched', JSON.stringify(context));
      assert.equal(r.mailbox?.address, M.lyon);
      assert.deepEqual(
        r.candidates.filter((c) => c.matched).map((c) => c.address),
        [M.lyon, M.cab],
      );
      assert.match(r.reason, /2 fit; a PER comes before a CAB/);
    }
    assert.equal((await resolve(ANNE, { city: 'Lyon', postalCode: '13002' })).outcome, 'no-match', 'every field given must fit');
  });

  test('a situation that fits but has no mailbox of its own: the mailbox tied to no situation (R-ANN-1)', async () => {
    for (const structure of [SIRET, `3${SIRET}`]) {
      const r = await resolve(ANNE, { structure });
      assert.equal(r.outcome, 'matched');
      assert.equal(r.mailbox?.address, M.anywhere);
      assert.equal(r.mailbox?.situation, null);
      assert.match(r.reason, /R-ANN-1/);
    }
  });

  test('no fit: no choice, every published mailbox with its context', async () => {
    const r = await resolve(ANNE, { postalCode: '75001' });
    assert.equal(r.outcome, 'no-match', 'an ended situation never fits');
    assert.equal(r.mailbox, null);
    assert.deepEqual(addresses(r), PUBLISHED);
    const old = r.candidates.find((c) => c.address === M.old)!;
    assert.equal(old.situation?.active, false);
    assert.equal(old.situation?.postalCode, '75001');
    assert.ok(r.candidates.every((c) => !c.matched));
    assert.equal((await resolve(ANNE, { structure: '130010010' })).outcome, 'no-match');
    const none = await resolve(ANNE);
    assert.equal(none.outcome, 'no-match');
    assert.match(none.reason, /no context given/);
  });

  test('a single mailbox and no context; a person with none; the RPPS alone', async () => {
    const gp = persona(w, 'gp');
    const only = await resolve(gp.idnat);
    assert.equal(only.outcome, 'only-mailbox');
    assert.equal(only.mailbox?.address, gp.mailboxes[0]);
    assert.equal((await resolve(gp.idnat.slice(1))).mailbox?.address, gp.mailboxes[0]);
    const elsewhere = await resolve(gp.idnat, { structure: '930000013' });
    assert.equal(elsewhere.outcome, 'no-match');
    assert.deepEqual(addresses(elsewhere), gp.mailboxes);
    // A cotitulaire: the CAB is shown on its owner only (R-CAB-6), so nothing to give.
    const marc = await resolve(persona(w, 'cab-cotitulaire').idnat, { postalCode: '93260' });
    assert.equal(marc.outcome, 'no-mailbox');
    assert.deepEqual(marc.candidates, []);
    assert.equal(
      (await resolve(persona(w, 'cab-owner').idnat, { city: 'Les Lilas' })).mailbox?.address,
      persona(w, 'cab-owner').mailboxes[0],
    );
  });

  test('errors: unknown professional 404, malformed identifiers 400', async () => {
    await assert.rejects(resolve('899999999999'), (e: unknown) => e instanceof ResolutionError && e.status === 404);
    await assert.rejects(resolve('abc'), (e: unknown) => e instanceof ResolutionError && e.status === 400);
    await assert.rejects(resolve(ANNE, { structure: '12' }), (e: unknown) => e instanceof ResolutionError && e.status === 400);
    await assert.rejects(resolve(ANNE, { postalCode: 'Lyon' }), (e: unknown) => e instanceof ResolutionError && e.status === 400);
  });
});

describe('GET /resolve', () => {
  const get = (query: string, key: string | null = KEY) =>
    fetch(`${w.http.url}/resolve?${query}`, { headers: key ? { 'ESANTE-API-KEY': key } : {} });

  test('JSON with the mailbox, the reason and the candidates', async () => {
    const res = await get(`professional=${ANNE}&structure=930000013`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await res.json()) as any;
    assert.equal(body.outcome, 'matched');
    assert.equal(body.mailbox.address, M.hospital);
    assert.equal(body.professional.idnat, ANNE);
    assert.equal(body.context.structure, '1930000013');
    assert.equal(body.candidates.length, 5);
  });

  test('errors as problem+json: 401, 400, 404', async () => {
    assert.equal((await get(`professional=${ANNE}`, null)).status, 401);
    const missing = await get('structure=930000013');
    assert.equal(missing.status, 400);
    assert.match(missing.headers.get('content-type') ?? '', /problem\+json/);
    assert.match(((await missing.json()) as any).detail, /professional is required/);
    assert.equal((await get(`professional=${ANNE}&colour=blue`)).status, 400);
    assert.equal((await get('professional=899999999999')).status, 404);
  });

  test('curl', async (t) => {
    if (curlMissing) return t.skip(curlMissing);
    const r = await run(CURL, [
      '-sS',
      '-G',
      '-H',
      `ESANTE-API-KEY: ${KEY}`,
      '--data-urlencode',
      `professional=${ANNE.slice(1)}`,
      '--data-urlencode',
      'city=Lyon',
      `${w.http.url}/resolve`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const body = JSON.parse(r.stdout);
    assert.equal(body.mailbox.address, M.lyon);
    assert.equal(body.outcome, 'matched');
  });
});

describe('PractitionerRole?_query=resolve-mailbox', () => {
  test('the fitting role, the chosen mailbox ranked 1, the practitioner included, the reason as an outcome entry', async () => {
    const r = await w.fhir(`/PractitionerRole?_query=resolve-mailbox&professional=${ANNE}&postal-code=69002`);
    assert.equal(r.status, 200);
    const b = r.body;
    assert.equal(b.type, 'searchset');
    assert.deepEqual(
      entries(b).map((x: any) => x.id),
      [`sit-${ANNE}-B`],
    );
    const role = entries(b)[0];
    const ranks = Object.fromEntries(role.telecom.map((t: any) => [t.value, t.rank]));
    assert.deepEqual(ranks, { [M.lyon]: 1, [M.cab]: 2, [M.anywhere]: 2 });
    assert.deepEqual(
      entries(b, 'include').map((x: any) => x.id),
      [ANNE],
    );
    assert.deepEqual(mailboxes(entries(b, 'include')[0]).sort(), PUBLISHED);
    const oo = entries(b, 'outcome')[0];
    assert.equal(oo.resourceType, 'OperationOutcome');
    assert.match(oo.issue[0].diagnostics, /^matched: anne\.multi\.lyon@/);
  });

  test('no fit: every active role of the person, and why', async () => {
    const b = (await w.fhir(`/PractitionerRole?_query=resolve-mailbox&professional=${ANNE}&city=Bordeaux`)).body;
    assert.deepEqual(
      entries(b)
        .map((x: any) => x.id)
        .sort(),
      [`sit-${ANNE}-A`, `sit-${ANNE}-B`, `sit-${ANNE}-C`],
    );
    assert.match(entries(b, 'outcome')[0].issue[0].diagnostics, /^no-match/);
  });

  test('errors', async () => {
    assert.equal((await w.fhir('/PractitionerRole?_query=resolve-mailbox')).status, 400);
    assert.equal((await w.fhir('/PractitionerRole?_query=resolve-mailbox&professional=899999999999')).status, 404);
    assert.equal((await w.fhir(`/PractitionerRole?_query=resolve-mailbox&professional=${ANNE}&family=x`)).status, 400);
    assert.equal((await w.fhir(`/Practitioner?_query=resolve-mailbox&professional=${ANNE}`)).status, 400);
  });
});
