// The address filters of the Annuaire's FHIR API, as the ANS guide names them (Organization
// §4.6: `address-postalcode`, `address-city`; a postal code prefix is a département, e.g.
// `address-postalcode=78`), on Practitioner, PractitionerRole and Organization: each result set
// checked against the store, through every page (bounded by _count like every search), with
// fetch and with curl.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { CURL, curlMissing, entries, run, startHttpWorld, KEY, type HttpWorld } from './support/http-world.ts';

let w: HttpWorld;
before(async () => {
  w = await startHttpWorld({ professionals: 300 });
});
after(async () => {
  await w?.close();
});

/** Every match of a search, following `next` links, with the number of pages. */
async function all(path: string): Promise<{ ids: string[]; pages: number }> {
  let url: string | undefined = path;
  const ids: string[] = [];
  let pages = 0;
  while (url) {
    const r = await w.fhir(url);
    assert.equal(r.status, 200, `${url}: ${JSON.stringify(r.body)}`);
    ids.push(...entries(r.body).map((e: any) => e.id));
    pages++;
    url = r.body.link.find((l: any) => l.relation === 'next')?.url;
  }
  return { ids, pages };
}

const rows = async <T>(query: ReturnType<typeof sql<T>>) => (await query.execute(w.store.kysely)).rows;
const sorted = (xs: string[]) => [...xs].sort();
/** Case and accents ignored, as the API compares names. */
const foldName = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
/** The Practitioner id of an IdNat (`/` written `.`, as the API does). */
const practitionerId = (idnat: string) => idnat.replace(/\//g, '.');

test('Organization?address-postalcode=93 is the département; with address-city, the commune (ANS guide §4.6)', async () => {
  const expected = await rows(sql<{ idnat: string }>`select idnat from structures where postal_code like '93%'`);
  assert.ok(expected.length > 0, 'the synthetic directory has structures in 93');
  const found = await all('/Organization?address-postalcode=93&_count=7');
  assert.deepEqual(sorted(found.ids), sorted(expected.map((r) => r.idnat)));
  assert.equal(new Set(found.ids).size, found.ids.length, 'no structure twice across pages');

  // The hospital persona: FINESS 930000013, Les Lilas (93260). City: case and accents ignored.
  const lilas = await all('/Organization?address-postalcode=93260&address-city=les%20LILAS');
  assert.ok(lilas.ids.includes('1930000013'), JSON.stringify(lilas.ids));
  const other = await all('/Organization?address-postalcode=75&address-city=les%20lilas');
  assert.deepEqual(other.ids, []);
});

test('PractitionerRole: the situation’s own postal code and commune; :exact and :contains', async () => {
  const [one] = await rows(sql<{ postal_code: string; city: string }>`select postal_code, city from situations order by id limit 1`);
  assert.ok(one);
  const byCode = await rows(sql<{ id: string }>`select id from situations where postal_code = ${one.postal_code}`);
  assert.deepEqual(
    sorted((await all(`/PractitionerRole?address-postalcode:exact=${one.postal_code}&_count=5`)).ids),
    sorted(byCode.map((r) => r.id)),
  );
  const dept = one.postal_code.slice(0, 2);
  const byDept = await rows(sql<{ id: string }>`select id from situations where postal_code like ${`${dept}%`}`);
  assert.deepEqual(sorted((await all(`/PractitionerRole?address-postalcode=${dept}&_count=50`)).ids), sorted(byDept.map((r) => r.id)));
  const all2 = await rows(sql<{ id: string; city: string }>`select id, city from situations`);
  const part = foldName(one.city).slice(1, 4);
  const byCity = all2.filter((r) => foldName(r.city).includes(part)).map((r) => r.id);
  assert.deepEqual(sorted((await all(`/PractitionerRole?address-city:contains=${encodeURIComponent(part)}`)).ids), sorted(byCity));
});

test('Practitioner: a person with a situation there; both tests on one situation, not one each', async () => {
  const person = {
    idnat: '810000009999',
    kind: 'PS' as const,
    id_type: 'RPPS' as const,
    rpps: '10000009999',
    civility: 'M',
    last_name: 'Adresse',
    first_name: 'Deux',
    profession_code: '10',
    profession_label: 'Médecin',
    category_code: 'C',
    speciality_code: null,
    speciality_label: null,
  };
  await w.store.directory.upsertPersons([person]);
  const situation = (id: string, postal: string, city: string) => ({
    id,
    person_idnat: person.idnat,
    structure_idnat: null,
    practice_name: 'Cabinet',
    mode: 'L' as const,
    role_label: null,
    street: '1 rue Test',
    postal_code: postal,
    city,
    departement: postal.slice(0, 2),
    start_date: '2020-01-01',
    end_date: null,
  });
  await w.store.directory.upsertSituations([situation('sit-a-1', '01990', 'Zédville'), situation('sit-a-2', '02990', 'Autreville')]);
  const id = practitionerId(person.idnat);
  assert.ok((await all('/Practitioner?address-postalcode=01990')).ids.includes(id));
  assert.ok((await all('/Practitioner?address-city=zedville')).ids.includes(id), 'accents folded');
  assert.ok((await all('/Practitioner?address-postalcode=02990&address-city=Autre')).ids.includes(id));
  // 01990 is one situation, Autreville the other: no single place matches both.
  assert.ok(!(await all('/Practitioner?address-postalcode=01990&address-city=Autreville')).ids.includes(id));
  // Several values: any of them (FHIR's comma is OR).
  assert.ok((await all('/Practitioner?address-postalcode=99999,01990')).ids.includes(id));
});

test('bad address filters are OperationOutcome 400, like the other string parameters', async () => {
  for (const [path, pattern] of [
    ['/Organization?address-postalcode:missing=true', /modifier :missing is not supported on parameter address-postalcode/],
    ['/Practitioner?address-city=', /address-city has an empty value/],
    ['/PractitionerRole?address-country=FR', /unknown search parameter address-country/],
  ] as const) {
    const r = await w.fhir(path);
    assert.equal(r.status, 400, path);
    assert.equal(r.body.resourceType, 'OperationOutcome');
    assert.match(r.body.issue[0].diagnostics, pattern);
  }
});

test('the CapabilityStatement lists address-postalcode and address-city on the three types', async () => {
  const r = await w.fhir('/metadata');
  for (const type of ['Practitioner', 'PractitionerRole', 'Organization']) {
    const resource = r.body.rest[0].resource.find((x: any) => x.type === type);
    const names = resource.searchParam.map((p: any) => p.name);
    assert.ok(names.includes('address-postalcode') && names.includes('address-city'), `${type}: ${names}`);
  }
});

test('curl: a département search as the ANS guide writes it', async (t) => {
  if (curlMissing) return t.skip(curlMissing);
  const r = await run(CURL, ['-sS', '-H', `ESANTE-API-KEY: ${KEY}`, `${w.http.fhirBase}/Organization?address-postalcode=93&_count=1000`]);
  assert.equal(r.code, 0, r.stderr);
  const bundle = JSON.parse(r.stdout);
  const expected = await rows(sql<{ idnat: string }>`select idnat from structures where postal_code like '93%'`);
  assert.deepEqual(sorted(entries(bundle).map((e: any) => e.id)), sorted(expected.map((x) => x.idnat)));
  for (const o of entries(bundle)) assert.match(o.address[0].postalCode, /^93/);
});
