// The FHIR API v2 seen by real HTTP clients (fetch, Debian's curl): every search parameter,
// paging, includes, errors as OperationOutcome, and what must never be published.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CURL, curlMissing, entries, mailboxes, persona, run, startHttpWorld, KEY, type HttpWorld } from './support/http-world.ts';

const IDNPS = 'urn:oid:1.2.250.1.71.4.2.1';
const RPPS = 'http://rpps.fr';
const FINESS = 'https://finess.esante.gouv.fr';
const IDNST = 'urn:oid:1.2.250.1.71.4.2.2';
const META = 'https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-ext-mailbox-mss-metadata';
const EMAIL_TYPE = 'https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-contact-point-email-type';

let w: HttpWorld;
const ids = (bundle: any, mode = 'match') => entries(bundle, mode).map((r: any) => r.id);

async function ok(path: string, init?: Parameters<HttpWorld['fhir']>[1]): Promise<any> {
  const r = await w.fhir(path, init);
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  assert.match(r.headers.get('content-type') ?? '', /^application\/fhir\+json/);
  return r.body;
}

async function outcome(path: string, status: number, pattern?: RegExp, init?: Parameters<HttpWorld['fhir']>[1]): Promise<any> {
  const r = await w.fhir(path, init);
  assert.equal(r.status, status, `${path}: ${JSON.stringify(r.body)}`);
  assert.equal(r.body.resourceType, 'OperationOutcome');
  assert.equal(r.body.issue[0].severity, 'error');
  if (pattern) assert.match(r.body.issue[0].diagnostics, pattern);
  return r;
}

/** Every page of a search, by following `next` links. */
async function allPages(path: string): Promise<{ ids: string[]; pages: number; total: number | undefined }> {
  let url: string | undefined = path;
  const out: string[] = [];
  let pages = 0;
  let total: number | undefined;
  while (url) {
    const b = await ok(url);
    total ??= b.total;
    out.push(...ids(b));
    pages++;
    url = b.link.find((l: any) => l.relation === 'next')?.url;
  }
  return { ids: out, pages, total };
}

before(async () => {
  w = await startHttpWorld({ professionals: 300 });
});
after(async () => {
  await w?.close();
});

describe('security and errors', () => {
  test('401 OperationOutcome without the ESANTE-API-KEY header, or with an unknown key', async () => {
    await outcome('/Practitioner', 401, /ESANTE-API-KEY/, { key: null });
    await outcome('/Practitioner', 401, /ESANTE-API-KEY/, { key: 'not-a-key' });
    await outcome('/metadata', 401, undefined, { key: null });
  });

  test('404 for an unknown resource type, as HAPI words it; for an unknown id', async () => {
    await outcome('/PractitiXXXner', 404, /Unknown resource type 'PractitiXXXner'/);
    await outcome('/Practitioner/899999999999', 404, /not known/);
    await outcome('/Organization/1000000000', 404);
    await outcome('/PractitionerRole/no-such-role', 404);
    await outcome('/Practitioner/bad$id', 400, /not a FHIR id/);
    await outcome('/Practitioner/%E0%A4%A', 400, /percent-encoded/);
  });

  test('405 for writes: the API is read-only', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const r = await outcome(`/Practitioner/${persona(w, 'gp').idnat}`, 405, /read-only/, { method });
      assert.ok(r.headers.get('allow'));
    }
    await outcome('/Practitioner', 405, undefined, { method: 'POST' });
  });

  test('400 for an unknown parameter, a bad modifier, a bad value', async () => {
    await outcome('/Practitioner?colour=blue', 400, /unknown search parameter colour/);
    await outcome('/Organization?family=x', 400, /unknown search parameter family/);
    await outcome('/Practitioner?family:missing=true', 400, /modifier :missing/);
    await outcome('/Practitioner?identifier:not=1', 400, /modifier :not/);
    await outcome('/Practitioner?family=', 400, /empty value/);
    await outcome('/Practitioner?_count=-1', 400, /_count/);
    await outcome('/Practitioner?_count=ten', 400, /_count/);
    await outcome('/Practitioner?_total=maybe', 400, /_total/);
    await outcome('/Practitioner?_lastUpdated=yesterday', 400, /not a FHIR date/);
    await outcome('/Practitioner?_lastUpdated=2026-13-01', 400, /not a FHIR date/);
    await outcome('/Practitioner?_lastUpdated=ne2026-01-01', 400, /prefix ne/);
    await outcome('/Practitioner?_include=PractitionerRole:organization', 400, /_include/);
    await outcome('/Practitioner?_revinclude=Organization:partof', 400, /_revinclude/);
    await outcome('/Practitioner?_format=xml', 406, /JSON/);
    await outcome('/Practitioner?_query=everything', 400, /_query/);
    await outcome('/Practitioner?professional=810000001056', 400, /resolve-mailbox/);
  });
});

describe('metadata', () => {
  test('a CapabilityStatement listing the three resources, their parameters and includes', async () => {
    const c = await ok('/metadata');
    assert.equal(c.resourceType, 'CapabilityStatement');
    assert.equal(c.fhirVersion, '4.0.1');
    const resources = c.rest[0].resource;
    assert.deepEqual(
      resources.map((r: any) => r.type),
      ['Practitioner', 'PractitionerRole', 'Organization'],
    );
    const practitioner = resources[0];
    for (const name of [
      'identifier',
      'family',
      'given',
      'name',
      'mailbox-mss',
      'qualification-code',
      '_lastUpdated',
      '_count',
      '_total',
      '_elements',
    ]) {
      assert.ok(
        practitioner.searchParam.some((p: any) => p.name === name),
        name,
      );
    }
    assert.deepEqual(practitioner.searchRevInclude, ['PractitionerRole:practitioner']);
  });
});

describe('Practitioner', () => {
  test('identifier: IdNat (IDNPS system), RPPS, no system, comma = OR, system only', async () => {
    const gp = persona(w, 'gp');
    const rpps = gp.idnat.slice(1);
    assert.deepEqual(ids(await ok(`/Practitioner?identifier=${encodeURIComponent(`${IDNPS}|${gp.idnat}`)}`)), [gp.idnat]);
    assert.deepEqual(ids(await ok(`/Practitioner?identifier=${encodeURIComponent(`${RPPS}|${rpps}`)}`)), [gp.idnat]);
    assert.deepEqual(ids(await ok(`/Practitioner?identifier=${rpps}`)), [gp.idnat]);
    assert.deepEqual(ids(await ok(`/Practitioner?identifier=${gp.idnat}`)), [gp.idnat]);
    const two = await ok(`/Practitioner?identifier=${gp.idnat},${persona(w, 'cab-owner').idnat}`);
    assert.deepEqual(ids(two).sort(), [gp.idnat, persona(w, 'cab-owner').idnat].sort());
    assert.equal((await ok(`/Practitioner?identifier=${encodeURIComponent(`${RPPS}|${gp.idnat}`)}`)).total, 0);
    assert.equal((await ok(`/Practitioner?identifier=${encodeURIComponent(`http://example.org|${gp.idnat}`)}`)).total, 0);
    const withRpps = await ok(`/Practitioner?identifier=${encodeURIComponent(`${RPPS}|`)}&_total=accurate&_count=0`);
    const all = await ok('/Practitioner?_count=0');
    assert.ok(withRpps.total > 300 && withRpps.total <= all.total);
  });

  test('the v2 shape: IDNPS and RPPS identifiers, name, qualification, mailboxes as MSSANTE telecom', async () => {
    const gp = persona(w, 'gp');
    const p = await ok(`/Practitioner/${gp.idnat}`);
    assert.equal(p.resourceType, 'Practitioner');
    assert.deepEqual(
      p.identifier.map((i: any) => [i.type.coding[0].code, i.system, i.value]),
      [
        ['IDNPS', IDNPS, gp.idnat],
        ['RPPS', RPPS, gp.idnat.slice(1)],
      ],
    );
    assert.equal(p.name[0].family, 'Martin');
    assert.deepEqual(p.name[0].given, ['Paul']);
    assert.ok(p.qualification.some((q: any) => q.code.coding[0].code === '10'));
    assert.ok(p.meta.lastUpdated);
    assert.deepEqual(p.telecom, [
      {
        system: 'email',
        value: gp.mailboxes[0],
        extension: [
          {
            url: EMAIL_TYPE,
            valueCoding: { system: 'https://mos.esante.gouv.fr/NOS/TRE_R256-TypeMessagerie/FHIR/TRE-R256-TypeMessagerie', code: 'MSSANTE' },
          },
          {
            url: META,
            extension: [
              {
                url: 'type',
                valueCodeableConcept: {
                  coding: [{ system: 'https://mos.esante.gouv.fr/NOS/TRE_R257-TypeBAL/FHIR/TRE-R257-TypeBAL', code: 'PER' }],
                },
              },
              { url: 'digitization', valueBoolean: true },
            ],
          },
        ],
      },
    ]);
  });

  test('a CAB shows on its owner only, never on its cotitulaires; delegates get nothing', async () => {
    const cab = persona(w, 'cab-owner').mailboxes[0]!;
    assert.deepEqual(mailboxes(await ok(`/Practitioner/${persona(w, 'cab-owner').idnat}`)), [cab]);
    assert.deepEqual(mailboxes(await ok(`/Practitioner/${persona(w, 'cab-cotitulaire').idnat}`)), []);
    assert.deepEqual(mailboxes(await ok(`/Practitioner/${persona(w, 'cab-cotitulaire-2').idnat}`)), []);
    assert.deepEqual(mailboxes(await ok(`/Practitioner/${persona(w, 'secretary').idnat}`)), []);
    const found = await ok(`/Practitioner?mailbox-mss=${encodeURIComponent(cab)}`);
    assert.deepEqual(ids(found), [persona(w, 'cab-owner').idnat]);
  });

  test('patients are not practitioners', async () => {
    await outcome(`/Practitioner/${persona(w, 'patient').idnat}`, 404);
    assert.equal((await ok('/Practitioner?family=pat-trois')).total, 0);
  });

  test('family: starts-with, case and accents ignored; :exact; :contains', async () => {
    const marc = persona(w, 'cab-cotitulaire').idnat;
    for (const q of ['Lefèvre', 'lefevre', 'LEFEV', 'lef'])
      assert.ok(ids(await ok(`/Practitioner?family=${encodeURIComponent(q)}&_count=1000`)).includes(marc), q);
    assert.ok(ids(await ok(`/Practitioner?family:exact=${encodeURIComponent('Lefèvre')}&_count=1000`)).includes(marc));
    assert.ok(!ids(await ok(`/Practitioner?family:exact=lefevre&_count=1000`)).includes(marc));
    assert.ok(ids(await ok(`/Practitioner?family:contains=efev&_count=1000`)).includes(marc));
    assert.ok(!ids(await ok(`/Practitioner?family=efev&_count=1000`)).includes(marc));
    const martins = await ok('/Practitioner?family=martin&_count=1000');
    for (const p of entries(martins)) assert.match(p.name[0].family.normalize('NFD').replace(/\p{M}/gu, ''), /^martin/i);
  });

  test('given and name; repeating a parameter ANDs, a comma ORs', async () => {
    const gp = persona(w, 'gp').idnat;
    assert.ok(ids(await ok('/Practitioner?given=paul&_count=1000')).includes(gp));
    assert.ok(ids(await ok('/Practitioner?name=paul&_count=1000')).includes(gp));
    assert.ok(ids(await ok('/Practitioner?name=martin&_count=1000')).includes(gp));
    assert.deepEqual(ids(await ok('/Practitioner?family=martin&given=paul&identifier=' + gp)), [gp]);
    assert.ok(!ids(await ok('/Practitioner?family=martin&family=dubois&_count=1000')).includes(gp));
    const either = ids(await ok('/Practitioner?family:exact=Martin,Dubois&_count=1000'));
    assert.ok(either.includes(gp) && either.includes(persona(w, 'cab-owner').idnat));
  });

  test('mailbox-mss: starts-with (any case), :exact (case-sensitive), :contains', async () => {
    const gp = persona(w, 'gp');
    const addr = gp.mailboxes[0]!;
    assert.deepEqual(ids(await ok(`/Practitioner?mailbox-mss=${encodeURIComponent(addr.toUpperCase())}`)), [gp.idnat]);
    assert.deepEqual(ids(await ok(`/Practitioner?mailbox-mss=paul.mart`)), [gp.idnat]);
    assert.deepEqual(ids(await ok(`/Practitioner?mailbox-mss:exact=${encodeURIComponent(addr)}`)), [gp.idnat]);
    assert.equal((await ok(`/Practitioner?mailbox-mss:exact=${encodeURIComponent(addr.toUpperCase())}`)).total, 0);
    // A broad filter's total comes when asked only.
    assert.equal((await ok('/Practitioner?mailbox-mss:contains=%40&_count=1')).total, undefined);
    assert.equal((await ok('/Practitioner?family=ma&_count=1')).total, undefined);
    assert.ok((await ok('/Practitioner?family=mar&_count=1')).total >= 1);
    const anyMss = await ok('/Practitioner?mailbox-mss:contains=%40&_count=0&_total=accurate');
    const all = await ok('/Practitioner?_count=0');
    assert.ok(anyMss.total > 0 && anyMss.total < all.total, 'some practitioners have no published mailbox');
    const byDomain = await ok('/Practitioner?mailbox-mss:contains=%40operateur-a.mssante.fr&_count=1000');
    for (const p of entries(byDomain)) assert.ok(mailboxes(p).some((m) => m.endsWith('@operateur-a.mssante.fr')));
  });

  test('qualification-code: profession, savoir-faire, with or without system', async () => {
    const gp = persona(w, 'gp').idnat;
    const doctors = await ok('/Practitioner?qualification-code=10&_count=1000');
    assert.ok(ids(doctors).includes(gp));
    for (const p of entries(doctors)) assert.ok(p.qualification.some((q: any) => q.code.coding[0].code === '10'));
    const system = encodeURIComponent('https://mos.esante.gouv.fr/NOS/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante|10');
    assert.equal((await ok(`/Practitioner?qualification-code=${system}&_count=0`)).total, doctors.total);
    assert.ok(ids(await ok('/Practitioner?qualification-code=SM54&_count=1000')).includes(gp));
    assert.ok(!ids(await ok('/Practitioner?qualification-code=60&_count=1000')).includes(gp));
  });

  test('_count: 50 by default, bounded at 1000; 0 gives the total only; _total: first page by default, accurate on every page, none', async () => {
    const first = await ok('/Practitioner');
    assert.equal(entries(first).length, 50);
    assert.ok(first.total > 300);
    const big = await ok('/Practitioner?_count=5000');
    assert.equal(entries(big).length, Math.min(1000, first.total));
    const zero = await ok('/Practitioner?_count=0');
    assert.equal(zero.entry, undefined);
    assert.equal(zero.total, first.total);
    assert.equal(
      zero.link.some((l: any) => l.relation === 'next'),
      false,
    );
    // Counted on the first page; on later ones only when asked.
    const second = await ok(first.link.find((l: any) => l.relation === 'next').url);
    assert.equal(second.total, undefined);
    const asked = await ok('/Practitioner?_total=accurate&_count=5');
    assert.equal((await ok(asked.link.find((l: any) => l.relation === 'next').url)).total, asked.total);
    const none = await ok('/Practitioner?_total=none&_count=3');
    assert.equal(none.total, undefined);
    assert.equal(entries(none).length, 3);
  });

  test('Bundle searchset per FHIR R4: type, self link, fullUrl per entry, search.mode', async () => {
    const b = await ok('/Practitioner?family=martin');
    assert.equal(b.resourceType, 'Bundle');
    assert.equal(b.type, 'searchset');
    assert.ok(b.id && b.meta.lastUpdated);
    assert.equal(b.link[0].relation, 'self');
    assert.equal(b.link[0].url, `${w.http.fhirBase}/Practitioner?family=martin`);
    for (const e of b.entry) {
      assert.equal(e.fullUrl, `${w.http.fhirBase}/Practitioner/${e.resource.id}`);
      assert.equal(e.search.mode, 'match');
    }
  });

  test('paging: next links walk the whole set once, in order, with a stable opaque cursor', async () => {
    const { ids: walked, pages, total } = await allPages('/Practitioner?_count=40');
    assert.equal(walked.length, total);
    assert.equal(new Set(walked).size, walked.length);
    assert.deepEqual([...walked].sort(), walked);
    assert.ok(pages > 5);
  });

  test('a page does not shift when entries are added before it while paging', async () => {
    const first = await ok('/Practitioner?_count=20&_total=none');
    const next = first.link.find((l: any) => l.relation === 'next').url;
    const before = ids(await ok(next));
    // A person whose IdNat sorts first: an offset-based page would now repeat an entry.
    await w.store.directory.upsertPersons([
      {
        idnat: '800000000001',
        kind: 'PS',
        id_type: 'RPPS',
        rpps: '00000000001',
        civility: 'M',
        last_name: 'Avant',
        first_name: 'Premier',
        profession_code: '10',
        profession_label: 'Médecin',
        category_code: 'C',
        speciality_code: null,
        speciality_label: null,
      },
    ]);
    assert.deepEqual(ids(await ok(next)), before);
    assert.ok(ids(await ok('/Practitioner?_count=1')).includes('800000000001'));
  });

  test('a cursor is refused on another search, or when it is not ours', async () => {
    const first = await ok('/Practitioner?_count=5');
    const cursor = new URL(first.link.find((l: any) => l.relation === 'next').url).searchParams.get('_cursor')!;
    await outcome(`/Practitioner?_count=5&family=m&_cursor=${cursor}`, 400, /another search/);
    await outcome(`/Organization?_count=5&_cursor=${cursor}`, 400, /another search/);
    await outcome(`/Practitioner?_count=5&_cursor=garbage`, 400, /not a cursor/);
    // The same search with parameters in another order is the same search.
    assert.equal((await ok(`/Practitioner?_cursor=${cursor}&_count=5`)).entry.length, 5);
  });

  test('_revinclude=PractitionerRole:practitioner brings the roles as includes', async () => {
    const gp = persona(w, 'gp').idnat;
    const b = await ok(`/Practitioner?identifier=${gp}&_revinclude=PractitionerRole:practitioner`);
    assert.deepEqual(ids(b), [gp]);
    const roles = entries(b, 'include');
    assert.ok(roles.length >= 1);
    for (const r of roles) assert.equal(r.practitioner.reference, `Practitioner/${gp}`);
  });

  test('_elements keeps the named elements and tags the resource SUBSETTED', async () => {
    const b = await ok(`/Practitioner?identifier=${persona(w, 'gp').idnat}&_elements=identifier,telecom`);
    const p = entries(b)[0];
    assert.deepEqual(Object.keys(p).sort(), ['id', 'identifier', 'meta', 'resourceType', 'telecom']);
    assert.deepEqual(p.meta.tag, [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' }]);
  });

  test('POST [type]/_search with a form body searches like GET', async () => {
    const gp = persona(w, 'gp').idnat;
    const b = await ok('/Practitioner/_search', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `identifier=${gp}`,
    });
    assert.deepEqual(ids(b), [gp]);
    await outcome('/Practitioner/_search', 415, /x-www-form-urlencoded/, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
  });
});

describe('PractitionerRole', () => {
  test('search by practitioner, organization, identifier, _id; the mailbox attached to the situation', async () => {
    const gp = persona(w, 'gp');
    const b = await ok(`/PractitionerRole?practitioner=Practitioner/${gp.idnat}`);
    assert.deepEqual(ids(b), [`sit-${gp.idnat}-1`]);
    const role = entries(b)[0];
    assert.equal(role.active, true);
    assert.deepEqual(mailboxes(role), gp.mailboxes);
    assert.match(role.location[0].display, /Les Lilas/);
    assert.deepEqual(ids(await ok(`/PractitionerRole?identifier=sit-${gp.idnat}-1`)), [`sit-${gp.idnat}-1`]);
    assert.deepEqual(ids(await ok(`/PractitionerRole?_id=sit-${gp.idnat}-1`)), [`sit-${gp.idnat}-1`]);
    const admin = persona(w, 'hospital-admin');
    const atHospital = await ok(
      '/PractitionerRole?organization=1930000013&_include=PractitionerRole:organization&_include=PractitionerRole:practitioner',
    );
    assert.ok(ids(atHospital).includes(`sit-${admin.idnat}-1`));
    const included = entries(atHospital, 'include').map((r: any) => `${r.resourceType}/${r.id}`);
    assert.ok(included.includes('Organization/1930000013'));
    assert.ok(included.includes(`Practitioner/${admin.idnat}`));
    await outcome('/PractitionerRole?practitioner=Organization/1', 400, /reference a Practitioner/);
  });

  test('mailbox-mss, names and qualification on roles', async () => {
    const owner = persona(w, 'cab-owner');
    assert.deepEqual(ids(await ok(`/PractitionerRole?mailbox-mss=${encodeURIComponent(owner.mailboxes[0]!)}`)), [`sit-${owner.idnat}-1`]);
    assert.ok(ids(await ok('/PractitionerRole?family=dubois&given=claire&_count=1000')).includes(`sit-${owner.idnat}-1`));
    assert.ok(ids(await ok('/PractitionerRole?name=claire&qualification-code=60&_count=1000')).includes(`sit-${owner.idnat}-1`));
    // The cotitulaire's role shows no CAB (R-CAB-6).
    const marc = persona(w, 'cab-cotitulaire');
    assert.deepEqual(mailboxes(await ok(`/PractitionerRole/sit-${marc.idnat}-1`)), []);
  });
});

describe('Organization', () => {
  test('identifier by FINESS, IdNat, no system; ORG and APP mailboxes with service and description', async () => {
    const viaFiness = await ok(`/Organization?identifier=${encodeURIComponent(`${FINESS}|930000013`)}`);
    assert.deepEqual(ids(viaFiness), ['1930000013']);
    assert.deepEqual(ids(await ok(`/Organization?identifier=${encodeURIComponent(`${IDNST}|1930000013`)}`)), ['1930000013']);
    assert.deepEqual(ids(await ok('/Organization?identifier=930000013')), ['1930000013']);
    const org = entries(viaFiness)[0];
    assert.equal(org.name, 'Centre hospitalier des Lilas');
    assert.deepEqual(mailboxes(org).sort(), persona(w, 'hospital-admin').mailboxes.slice().sort());
    const cardio = org.telecom.find((t: any) => t.value.startsWith('cardiologie'));
    const meta = cardio.extension.find((e: any) => e.url === META).extension;
    assert.deepEqual(
      meta.map((e: any) => e.url),
      ['type', 'description', 'service', 'digitization'],
    );
    assert.equal(meta[0].valueCodeableConcept.coding[0].code, 'ORG');
    assert.equal(meta[2].valueString, 'Cardiologie');
    const sirets = await ok(`/Organization?identifier=${encodeURIComponent('http://sirene.fr|')}&_count=1`);
    assert.equal(entries(sirets).length, 1, 'the seeded directory has SIRET structures');
    const withSiret = entries(sirets)[0];
    const siret = withSiret.identifier.find((i: any) => i.system === 'http://sirene.fr').value;
    assert.deepEqual(ids(await ok(`/Organization?identifier=${encodeURIComponent(`http://sirene.fr|${siret}`)}`)), [withSiret.id]);
    assert.deepEqual(ids(await ok(`/Organization?identifier=${siret}`)), [withSiret.id]);
    assert.equal((await ok(`/Organization?identifier=${encodeURIComponent(`${FINESS}|${siret}`)}`)).total, 0);
  });

  test('name, mailbox-mss, _revinclude of roles', async () => {
    assert.ok(ids(await ok(`/Organization?name=${encodeURIComponent('centre hospitalier des lilas')}`)).includes('1930000013'));
    assert.ok(ids(await ok('/Organization?name:contains=hospitalier%20des%20li')).includes('1930000013'));
    assert.deepEqual(ids(await ok('/Organization?mailbox-mss=labo-resultats.ch-lilas')), ['1930000013']);
    const b = await ok('/Organization?identifier=1930000013&_revinclude=PractitionerRole:organization');
    assert.ok(entries(b, 'include').some((r: any) => r.id === `sit-${persona(w, 'hospital-admin').idnat}-1`));
  });
});

describe('more parameters', () => {
  test('_id on each type; ADELI identifiers; a person whose IdNat holds a slash', async () => {
    const gp = persona(w, 'gp').idnat;
    assert.deepEqual(ids(await ok(`/Practitioner?_id=${gp}`)), [gp]);
    assert.deepEqual(ids(await ok('/Organization?_id=1930000013')), ['1930000013']);
    await w.store.directory.upsertPersons([
      {
        idnat: '0751234567',
        kind: 'PS',
        id_type: 'ADELI',
        rpps: null,
        civility: 'MME',
        last_name: 'Adeli',
        first_name: 'Anne',
        profession_code: '70',
        profession_label: 'Orthophoniste',
        category_code: 'C',
        speciality_code: null,
        speciality_label: null,
      },
      {
        idnat: '3930000013/00042',
        kind: 'PS',
        id_type: 'FINESS_STAFF',
        rpps: null,
        civility: 'M',
        last_name: 'Salarié',
        first_name: 'Samuel',
        profession_code: '60',
        profession_label: 'Infirmier',
        category_code: 'C',
        speciality_code: null,
        speciality_label: null,
      },
    ]);
    const adeli = await ok(`/Practitioner?identifier=${encodeURIComponent('http://adeli.fr|751234567')}`);
    assert.deepEqual(ids(adeli), ['0751234567']);
    assert.deepEqual(
      entries(adeli)[0].identifier.map((i: any) => [i.system, i.value]),
      [
        [IDNPS, '0751234567'],
        ['http://adeli.fr', '751234567'],
      ],
    );
    const staff = await ok(`/Practitioner?identifier=${encodeURIComponent('3930000013/00042')}`);
    assert.deepEqual(ids(staff), ['3930000013.00042'], 'a FHIR id has no slash: it is written as a dot');
    assert.equal((await ok('/Practitioner/3930000013.00042')).identifier[0].value, '3930000013/00042');
    assert.deepEqual(ids(await ok('/Practitioner?_id=3930000013.00042')), ['3930000013.00042']);
  });

  test('_include=*, _total=estimate, _format=json, HEAD', async () => {
    const admin = persona(w, 'hospital-admin').idnat;
    const b = await ok(`/PractitionerRole?practitioner=${admin}&_include=*&_total=estimate&_format=json`);
    assert.equal(b.total, 1);
    assert.deepEqual(
      entries(b, 'include')
        .map((r: any) => r.resourceType)
        .sort(),
      ['Organization', 'Practitioner'],
    );
    const head = await fetch(`${w.http.fhirBase}/Practitioner?family=martin`, { method: 'HEAD', headers: { 'ESANTE-API-KEY': KEY } });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    assert.ok(Number(head.headers.get('content-length')) > 0);
  });

  test('mailbox-mss on Organization: :exact and :contains', async () => {
    const org = persona(w, 'hospital-admin').mailboxes[0]!;
    assert.deepEqual(ids(await ok(`/Organization?mailbox-mss:exact=${encodeURIComponent(org)}`)), ['1930000013']);
    assert.deepEqual(ids(await ok('/Organization?mailbox-mss:contains=ch-lilas')), ['1930000013']);
    assert.equal(
      (await ok(`/Organization?mailbox-mss=${encodeURIComponent(persona(w, 'gp').mailboxes[0]!)}`)).total,
      0,
      "a PER is not an organisation's",
    );
  });
});

describe('never published', () => {
  test('no phone number and no non-MSSanté e-mail in any telecom', async () => {
    for (const type of ['Practitioner', 'PractitionerRole', 'Organization']) {
      const b = await ok(`/${type}?_count=1000`);
      for (const r of entries(b)) {
        for (const t of r.telecom ?? []) {
          assert.equal(t.system, 'email', JSON.stringify(t));
          assert.ok(t.extension.some((e: any) => e.url === EMAIL_TYPE && e.valueCoding.code === 'MSSANTE'));
        }
      }
    }
  });

  test('curl: the same search with the key in a header, and without it', async (t) => {
    if (curlMissing) return t.skip(curlMissing);
    const url = `${w.http.fhirBase}/Practitioner?identifier=${persona(w, 'gp').idnat}`;
    const r = await run(CURL, ['-sS', '-H', `ESANTE-API-KEY: ${KEY}`, '-H', 'Accept: application/fhir+json', url]);
    assert.equal(r.code, 0, r.stderr);
    const body = JSON.parse(r.stdout);
    assert.equal(body.total, 1);
    assert.equal(body.entry[0].resource.id, persona(w, 'gp').idnat);
    const denied = await run(CURL, ['-sS', '-o', '/dev/null', '-w', '%{http_code}', url]);
    assert.equal(denied.stdout, '401');
  });
});

describe('the delta and liste rouge', () => {
  test('_lastUpdated follows mailbox changes; liste rouge removes the mailbox everywhere', async () => {
    const gp = persona(w, 'gp');
    const addr = gp.mailboxes[0]!;
    assert.equal((await ok('/Practitioner?_lastUpdated=gt2026-03-01T09:00:00Z')).total, 0);
    w.clock.now = new Date('2026-03-02T10:00:00.000Z');
    const m = await w.store.mailboxes.byAddress(addr);
    await w.store.mailboxes.update(m!.id, { liste_rouge: 1 });
    for (const q of [
      'gt2026-03-01T09:00:00Z',
      'ge2026-03-02',
      'eq2026-03-02',
      'ge2026-03-02T11:00:00%2B01:00',
      'ge2026-03-02T11:00:00+01:00',
    ]) {
      const b = await ok(`/Practitioner?_lastUpdated=${q}`);
      assert.deepEqual(ids(b), [gp.idnat], q);
    }
    // A coarser precision covers the seed too (2026-03-01): the whole month, the whole year.
    for (const q of ['eq2026-03', 'eq2026', 'le2026-03-02T10:00:00']) {
      const found = ids(await ok(`/Practitioner?_lastUpdated=${q}&_count=1000`));
      assert.ok(found.length > 300 && found.includes(gp.idnat), q);
    }
    for (const q of ['lt2026-03-02T10:00:00Z', 'gt2026-03-02T10:00:00Z', 'eq2026-03-01']) {
      assert.ok(!ids(await ok(`/Practitioner?_lastUpdated=${q}&_count=1000`)).includes(gp.idnat), q);
    }
    const range = await ok('/Practitioner?_lastUpdated=ge2026-03-02&_lastUpdated=lt2026-03-03');
    assert.deepEqual(ids(range), [gp.idnat]);
    const changed = entries(range)[0];
    assert.equal(changed.meta.lastUpdated, '2026-03-02T10:00:00.000Z');
    assert.deepEqual(mailboxes(changed), [], 'the liste rouge mailbox is gone from the record');
    assert.equal((await ok(`/Practitioner?mailbox-mss=${encodeURIComponent(addr)}`)).total, 0);
    assert.equal((await ok(`/PractitionerRole?mailbox-mss:contains=${encodeURIComponent(addr)}`)).entry, undefined);
    assert.deepEqual(mailboxes(await ok(`/PractitionerRole/sit-${gp.idnat}-1`)), []);
    assert.deepEqual(ids(await ok('/PractitionerRole?_lastUpdated=ge2026-03-02')), [`sit-${gp.idnat}-1`]);
    await w.store.mailboxes.update(m!.id, { liste_rouge: 0 });
    assert.deepEqual(mailboxes(await ok(`/Practitioner/${gp.idnat}`)), [addr]);
  });

  test('a CAB moves with an ownership transfer: on the new owner, off the old one', async () => {
    const cab = persona(w, 'cab-owner').mailboxes[0]!;
    const [claire, sophie] = [persona(w, 'cab-owner').idnat, persona(w, 'cab-cotitulaire-2').idnat];
    w.clock.now = new Date('2026-03-10T09:00:00.000Z');
    const m = (await w.store.mailboxes.byAddress(cab))!;
    await w.store.mailboxes.update(m.id, { owner_idnat: sophie, situation_id: `sit-${sophie}-1` });
    assert.deepEqual(mailboxes(await ok(`/Practitioner/${sophie}`)), [cab]);
    assert.deepEqual(mailboxes(await ok(`/Practitioner/${claire}`)), []);
    assert.deepEqual(ids(await ok(`/Practitioner?mailbox-mss:exact=${encodeURIComponent(cab)}`)), [sophie]);
    assert.deepEqual(ids(await ok(`/PractitionerRole?mailbox-mss:exact=${encodeURIComponent(cab)}`)), [`sit-${sophie}-1`]);
    assert.deepEqual(ids(await ok('/Practitioner?_lastUpdated=ge2026-03-10')), [sophie]);
    await w.store.mailboxes.update(m.id, { owner_idnat: claire, situation_id: `sit-${claire}-1` });
  });

  test('Organization delta', async () => {
    w.clock.now = new Date('2026-04-01T00:00:00.000Z');
    const m = await w.store.mailboxes.byAddress(persona(w, 'hospital-admin').mailboxes[0]!);
    await w.store.mailboxes.update(m!.id, { description: 'Cardiologie — nouvelle description' });
    assert.deepEqual(ids(await ok('/Organization?_lastUpdated=ge2026-04-01')), ['1930000013']);
  });
});
