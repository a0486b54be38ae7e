// The operators' write side: FHIR PATCH (Parameters) on telecom by id and by business
// identifier, and the full declaration, driven over real HTTP (fetch, and curl run
// asynchronously) against a real store; what is written is read back through FHIR, the
// extraction file and LDAP.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore } from '@mss/store/testing';
import type { Store } from '@mss/store';
import { silentLogger } from '@mss/runtime';
import { loadBatch, seedDemo, secondOperatorPersonas } from '@mss/seed';
import {
  extractionText,
  startAnnuaireHttp,
  StoreDirectoryData,
  StoreSnapshotSource,
  DECLARATION_PATH,
  type RunningAnnuaireHttp,
  migrateAnnuaire,
} from '../src/index.ts';
import { parseFilter } from '../src/ldap/filter-string.ts';
import { CURL, curlMissing, mailboxes, run } from './support/http-world.ts';

const A = 'operateur-a.mssante.fr';
const B = 'operateur-b.mssante.fr';
const KEY_A = 'key-operator-a';
const KEY_B = 'key-operator-b';
const READ_KEY = 'read-key';
const META = 'https://interop.esante.gouv.fr/ig/fhir/annuaire/StructureDefinition/as-ext-mailbox-mss-metadata';
const GP = '810000001056';
const GP_RPPS = '10000001056';
const HOSPITAL = '1930000013';
const ANNE = '810000001635';

let store: Store;
let cleanup: () => Promise<void>;
let http: RunningAnnuaireHttp;
let data: StoreDirectoryData;
/** An LDAP snapshot kept up to date only by the feed's change reports (no periodic refresh). */
let live: StoreSnapshotSource;
let changes = 0;

before(async () => {
  ({ store, cleanup } = await openTestStore());
  await migrateAnnuaire(store);
  await seedDemo(store, A);
  await store.transaction((tx) => loadBatch(tx, { ...secondOperatorPersonas(B).batch, mailboxes: [], holders: [], delegations: [] }));
  data = new StoreDirectoryData(store);
  live = new StoreSnapshotSource(store, silentLogger());
  await live.refresh();
  http = await startAnnuaireHttp({
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger(),
    data,
    apiKeys: [READ_KEY],
    feed: {
      store,
      operators: [
        { name: 'operateur-a', key: KEY_A, domains: [A] },
        { name: 'operateur-b', key: KEY_B, domains: [B] },
      ],
      onChange: () => {
        changes++;
        live.refreshSoon(0);
      },
    },
  });
});
after(async () => {
  live.stop();
  await http.stop();
  await cleanup();
});

function telecom(address: string, type: string, meta: Record<string, unknown> = {}) {
  const ext: Record<string, unknown>[] = [
    {
      url: 'type',
      valueCodeableConcept: { coding: [{ system: 'https://mos.esante.gouv.fr/NOS/TRE_R257-TypeBAL/FHIR/TRE-R257-TypeBAL', code: type }] },
    },
  ];
  for (const [k, v] of Object.entries(meta)) ext.push({ url: k, [typeof v === 'boolean' ? 'valueBoolean' : 'valueString']: v });
  return {
    system: 'email',
    value: address,
    extension: [
      {
        url: 'https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-contact-point-email-type',
        valueCoding: { system: 'https://mos.esante.gouv.fr/NOS/TRE_R256-TypeMessagerie/FHIR/TRE-R256-TypeMessagerie', code: 'MSSANTE' },
      },
      { url: META, extension: ext },
    ],
  };
}

const op = (type: string, path: string, value?: Record<string, unknown>) => ({
  name: 'operation',
  part: [{ name: 'type', valueCode: type }, { name: 'path', valueString: path }, ...(value ? [{ name: 'value', ...value }] : [])],
});
const params = (...ops: unknown[]) => ({ resourceType: 'Parameters', parameter: ops });
const insert = (res: string, address: string, type: string, meta?: Record<string, unknown>) =>
  params(op('insert', `${res}.telecom`, { valueContactPoint: telecom(address, type, meta) }));
const field = (res: string, address: string, name: string) =>
  `${res}.telecom.where(value = '${address}').extension('${META}').extension('${name}').value`;

async function patch(path: string, body: unknown, key: string | null = KEY_A): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/fhir+json' };
  if (key) headers.Authorization = `Bearer ${key}`;
  const res = await fetch(`${http.fhirBase}${path}`, { method: 'PATCH', headers, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

async function read(path: string): Promise<any> {
  const res = await fetch(`${http.fhirBase}${path}`, { headers: { 'ESANTE-API-KEY': READ_KEY } });
  assert.equal(res.status, 200, path);
  return res.json();
}

async function published(address: string): Promise<{ fhir: boolean; extraction: boolean; ldap: boolean }> {
  const bundle = await read(`/Practitioner?mailbox-mss:exact=${encodeURIComponent(address)}&_total=none`);
  const org = await read(`/Organization?mailbox-mss:exact=${encodeURIComponent(address)}&_total=none`);
  let text = '';
  for await (const chunk of extractionText(data)) text += chunk;
  const ldap = new StoreSnapshotSource(store, silentLogger());
  await ldap.refresh();
  let found = false;
  for await (const _ of ldap.search({
    baseDn: 'ou=bal,o=mssante,c=fr',
    scope: 'sub',
    filter: parseFilter(`(mail=${address})`),
    signal: new AbortController().signal,
  }))
    found = true;
  return { fhir: (bundle.entry ?? []).length + (org.entry ?? []).length > 0, extraction: text.includes(`|${address}|`), ldap: found };
}

async function inLive(address: string): Promise<boolean> {
  for await (const _ of live.search({
    baseDn: 'ou=bal,o=mssante,c=fr',
    scope: 'sub',
    filter: parseFilter(`(mail=${address})`),
    signal: new AbortController().signal,
  }))
    return true;
  return false;
}

function diagnostics(body: any): string {
  assert.equal(body.resourceType, 'OperationOutcome');
  return body.issue[0].diagnostics as string;
}

test('PATCH by id inserts a PER on a Practitioner: 200 with the resource, then in FHIR, the extraction and LDAP', async () => {
  const address = `paul.martin.cabinet@${A}`;
  const r = await patch(`/Practitioner/${GP}`, insert('Practitioner', address, 'PER', { digitization: true }));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.resourceType, 'Practitioner');
  assert.ok(mailboxes(r.body).includes(address));
  assert.deepEqual(await published(address), { fhir: true, extraction: true, ldap: true });
  // A retried insert (the sender lost the 200) changes nothing.
  assert.equal((await patch(`/Practitioner/${GP}`, insert('Practitioner', address, 'PER', { digitization: true }))).status, 200);
});

test('conditional PATCH by RPPS and by FINESS; 404 when nothing matches, 412 when several do', async () => {
  const per = `p.martin.conditional@${A}`;
  const r = await patch(`/Practitioner?identifier=${encodeURIComponent(`http://rpps.fr|${GP_RPPS}`)}`, insert('Practitioner', per, 'PER'));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.id, GP);
  const org = `urgences.ch-lilas@${A}`;
  const o = await patch(
    `/Organization?identifier=${encodeURIComponent('https://finess.esante.gouv.fr|930000013')}`,
    insert('Organization', org, 'ORG', { service: 'Urgences', description: 'Accueil des urgences' }),
  );
  assert.equal(o.status, 200, JSON.stringify(o.body));
  const t = o.body.telecom.find((x: any) => x.value === org);
  const meta = t.extension.find((e: any) => e.url === META).extension;
  assert.equal(meta.find((e: any) => e.url === 'service').valueString, 'Urgences');

  const none = await patch(
    `/Practitioner?identifier=${encodeURIComponent('http://rpps.fr|19999999999')}`,
    insert('Practitioner', `x@${A}`, 'PER'),
  );
  assert.equal(none.status, 404);
  assert.match(diagnostics(none.body), /no Practitioner has the identifier/);

  // A data-quality fault the real directory knows: one RPPS under two IdNats.
  await store.directory.upsertPersons([
    {
      idnat: '899999999990',
      kind: 'PS',
      id_type: 'RPPS',
      rpps: '19999999990',
      civility: null,
      last_name: 'Doublon',
      first_name: 'Un',
      profession_code: '10',
      profession_label: 'Médecin',
      category_code: 'C',
      speciality_code: null,
      speciality_label: null,
    },
  ]);
  await store.directory.upsertPersons([
    {
      idnat: '899999999991',
      kind: 'PS',
      id_type: 'RPPS',
      rpps: '19999999990',
      civility: null,
      last_name: 'Doublon',
      first_name: 'Deux',
      profession_code: '10',
      profession_label: 'Médecin',
      category_code: 'C',
      speciality_code: null,
      speciality_label: null,
    },
  ]);
  const many = await patch(
    `/Practitioner?identifier=${encodeURIComponent('http://rpps.fr|19999999990')}`,
    insert('Practitioner', `doublon@${A}`, 'PER'),
  );
  assert.equal(many.status, 412);
  assert.match(diagnostics(many.body), /several Practitioner/);
  assert.equal((await patch('/Practitioner?family=Doublon', insert('Practitioner', `doublon@${A}`, 'PER'))).status, 400);
});

test('address and type are immutable after creation (400 with a diagnostic that says so)', async () => {
  const address = `immuable@${A}`;
  assert.equal((await patch(`/Practitioner/${GP}`, insert('Practitioner', address, 'PER'))).status, 200);
  const changeAddress = await patch(
    `/Practitioner/${GP}`,
    params(op('replace', `Practitioner.telecom.where(value = '${address}').value`, { valueString: `autre@${A}` })),
  );
  assert.equal(changeAddress.status, 400);
  assert.match(diagnostics(changeAddress.body), /address of a mailbox cannot be changed after creation/);
  const changeType = await patch(
    `/Practitioner/${GP}`,
    params(op('replace', field('Practitioner', address, 'type'), { valueCodeableConcept: { coding: [{ code: 'CAB' }] } })),
  );
  assert.equal(changeType.status, 400);
  assert.match(diagnostics(changeType.body), /type of a mailbox cannot be changed after creation/);
  const reinsert = await patch(`/Practitioner/${GP}`, insert('Practitioner', address, 'CAB'));
  assert.equal(reinsert.status, 400);
  assert.match(diagnostics(reinsert.body), /type of a mailbox cannot be changed.*is PER, not CAB/);
  const replace = await patch(
    `/Practitioner/${GP}`,
    params(op('replace', `Practitioner.telecom.where(value = '${address}')`, { valueContactPoint: telecom(`autre@${A}`, 'PER') })),
  );
  assert.equal(replace.status, 400);
  assert.match(diagnostics(replace.body), /address of a mailbox cannot be changed/);
  // The whole PATCH is one transaction: a failing operation leaves the earlier ones undone.
  const partial = await patch(
    `/Practitioner/${GP}`,
    params(
      op('replace', field('Practitioner', address, 'listeRouge'), { valueBoolean: true }),
      op('replace', `Practitioner.telecom.where(value = '${address}').value`, { valueString: 'x' }),
    ),
  );
  assert.equal(partial.status, 400);
  assert.equal((await published(address)).fhir, true);
});

test("other refusals: 401 without or with a wrong key, 403 outside the operator's domains, 400 for a bad body or type, 415", async () => {
  const body = insert('Practitioner', `refus@${A}`, 'PER');
  const noKey = await patch(`/Practitioner/${GP}`, body, null);
  assert.equal(noKey.status, 401);
  assert.match(diagnostics(noKey.body), /missing Authorization/);
  assert.equal((await patch(`/Practitioner/${GP}`, body, 'wrong')).status, 401);
  const foreign = await patch(`/Practitioner/${GP}`, body, KEY_B);
  assert.equal(foreign.status, 403);
  assert.match(diagnostics(foreign.body), /operateur-b may not write refus@operateur-a\.mssante\.fr/);
  assert.equal((await patch(`/Practitioner/${GP}`, { resourceType: 'Patient' })).status, 400);
  const wrongType = await patch(`/Organization/${HOSPITAL}`, insert('Organization', `per-sur-org@${A}`, 'PER'));
  assert.equal(wrongType.status, 400);
  assert.match(diagnostics(wrongType.body), /PER mailbox cannot be put on Organization/);
  const perDescription = await patch(`/Practitioner/${GP}`, insert('Practitioner', `desc@${A}`, 'PER', { description: 'x' }));
  assert.match(diagnostics(perDescription.body), /PER mailbox has no description/);
  assert.equal((await patch('/Practitioner/899000000000', body)).status, 404);
  const res = await fetch(`${http.fhirBase}/Practitioner/${GP}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${KEY_A}`, 'Content-Type': 'application/json-patch+json' },
    body: '[]',
  });
  assert.equal(res.status, 415);
  // Reads still need the read key and stay read-only for everything but PATCH.
  assert.equal(
    (await fetch(`${http.fhirBase}/Practitioner/${GP}`, { method: 'PUT', headers: { 'ESANTE-API-KEY': READ_KEY } })).status,
    405,
  );
});

test('liste rouge hides a mailbox from FHIR, the extraction and LDAP, and lifting it shows it again', async () => {
  const cab = `cabinet.infirmiers-des-lilas@${A}`;
  assert.deepEqual(await published(cab), { fhir: true, extraction: true, ldap: true });
  const on = await patch(
    `/Practitioner/810000001130`,
    params(op('replace', field('Practitioner', cab, 'listeRouge'), { valueBoolean: true })),
  );
  assert.equal(on.status, 200, JSON.stringify(on.body));
  assert.ok(!mailboxes(on.body).includes(cab));
  assert.deepEqual(await published(cab), { fhir: false, extraction: false, ldap: false });
  const off = await patch(
    `/Practitioner/810000001130`,
    params(op('replace', field('Practitioner', cab, 'listeRouge'), { valueBoolean: false })),
  );
  assert.ok(mailboxes(off.body).includes(cab));
  assert.deepEqual(await published(cab), { fhir: true, extraction: true, ldap: true });
});

test('a withdrawal (delete) removes the mailbox everywhere; deleting it again is harmless', async () => {
  const address = `retrait@${A}`;
  await patch(`/Practitioner/${GP}`, insert('Practitioner', address, 'PER'));
  const since = new Date(Date.now() - 1000).toISOString();
  const del = await patch(
    `/Practitioner?identifier=${encodeURIComponent(`urn:oid:1.2.250.1.71.4.2.1|${GP}`)}`,
    params(op('delete', `Practitioner.telecom.where(value = '${address}')`)),
  );
  assert.equal(del.status, 200);
  assert.ok(!mailboxes(del.body).includes(address));
  assert.deepEqual(await published(address), { fhir: false, extraction: false, ldap: false });
  // The delta shows the practitioner whose record changed.
  const delta = await read(`/Practitioner?_lastUpdated=ge${since}&_elements=id`);
  assert.ok(delta.entry.some((e: any) => e.resource.id === GP));
  assert.equal((await patch(`/Practitioner/${GP}`, params(op('delete', `Practitioner.telecom.where(value = '${address}')`)))).status, 200);
});

test('a full declaration creates what is new, keeps what is declared, withdraws what is missing', async () => {
  const ndjson = (...lines: unknown[]) => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
  const declare = async (key: string, body: string) => {
    const res = await fetch(`${http.url}${DECLARATION_PATH}`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/x-ndjson' },
      body,
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  // Operator B declares Anne Lambert's PER, on her situation d'exercice.
  const anneSituation = secondOperatorPersonas(B).batch.situations[0]!.id;
  const anne = `anne.lambert@${B}`;
  const b = await declare(
    KEY_B,
    ndjson({ address: anne, type: 'PER', ownerIdnat: ANNE, situationId: anneSituation, listeRouge: false, digitization: true }),
  );
  assert.equal(b.status, 200, JSON.stringify(b.body));
  assert.deepEqual(
    { created: b.body.created, withdrawn: b.body.withdrawn, rejected: b.body.rejected },
    { created: 1, withdrawn: 0, rejected: 0 },
  );
  assert.deepEqual(await published(anne), { fhir: true, extraction: true, ldap: true });
  const role = await read(`/PractitionerRole/${anneSituation}`);
  assert.ok(mailboxes(role).includes(anne));

  // Operator A declares its demo mailboxes but the APP: the APP goes, B's mailbox stays.
  const per = `paul.martin@${A}`;
  const app = `labo-resultats.ch-lilas@${A}`;
  assert.equal((await published(app)).fhir, true);
  const kept = (await store.mailboxes.list({ limit: 1000 })).filter((m) => m.address.endsWith(`@${A}`) && m.address !== app);
  const lines = kept.map((m) => ({
    address: m.address,
    type: m.type,
    ownerIdnat: m.owner_idnat,
    situationId: m.situation_id,
    listeRouge: m.liste_rouge === 1,
    description: m.description,
    service: m.service,
    digitization: m.digitization === 1,
  }));
  const a = await declare(
    KEY_A,
    ndjson(
      ...lines,
      'not json',
      { address: `x@${B}`, type: 'PER', ownerIdnat: GP },
      { address: `nouveau@${A}`, type: 'PER', ownerIdnat: '899000000000' },
    ),
  );
  assert.equal(a.status, 200, JSON.stringify(a.body));
  assert.equal(a.body.withdrawn, 1);
  assert.equal(a.body.unchanged, kept.length);
  assert.equal(a.body.rejected, 3);
  assert.deepEqual(
    a.body.errors.map((e: any) => e.line),
    [kept.length + 1, kept.length + 2, kept.length + 3],
  );
  assert.match(a.body.errors[1].diagnostics, /may not write/);
  assert.equal((await published(app)).fhir, false);
  assert.equal((await published(per)).fhir, true);
  assert.equal((await published(anne)).fhir, true);

  assert.equal((await declare('nope', ndjson())).status, 401);
  const wrongType = await fetch(`${http.url}${DECLARATION_PATH}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${KEY_A}`, 'Content-Type': 'application/json' },
    body: '[]',
  });
  assert.equal(wrongType.status, 415);
});

test('curl: a conditional PATCH by FINESS and its OperationOutcome errors', { skip: curlMissing }, async () => {
  const address = `curl.ch-lilas@${A}`;
  const url = `${http.fhirBase}/Organization?identifier=${encodeURIComponent('https://finess.esante.gouv.fr|930000013')}`;
  const args = (key: string) => [
    '-s',
    '-w',
    '\n%{http_code}',
    '-X',
    'PATCH',
    '-H',
    `Authorization: Bearer ${key}`,
    '-H',
    'Content-Type: application/fhir+json',
    '--data-binary',
    JSON.stringify(insert('Organization', address, 'APP')),
    url,
  ];
  const ok = await run(CURL, args(KEY_A));
  const [body, status] = ok.stdout.split('\n');
  assert.equal(status, '200');
  assert.ok(mailboxes(JSON.parse(body!)).includes(address));
  const refused = await run(CURL, args(KEY_B));
  const [rbody, rstatus] = refused.stdout.split('\n');
  assert.equal(rstatus, '403');
  assert.equal(JSON.parse(rbody!).resourceType, 'OperationOutcome');
});

test('the LDAP snapshot follows the feed: each write that changes something is reported, a refusal is not', async () => {
  const address = `paul.martin.suivi@${A}`;
  const before = changes;
  const refused = await patch(`/Practitioner/${GP}`, insert('Practitioner', `x@${B}`, 'PER'));
  assert.equal(refused.status, 403);
  assert.equal(changes, before, 'a refused PATCH changes nothing');
  assert.equal((await patch(`/Practitioner/${GP}`, insert('Practitioner', address, 'PER'))).status, 200);
  assert.equal(changes, before + 1);
  for (const end = Date.now() + 20_000; !(await inLive(address)) && Date.now() < end; ) await new Promise((r) => setTimeout(r, 25));
  assert.ok(await inLive(address), 'searchable over LDAP without any periodic refresh');
  // refresh() asked during a rebuild waits for a rebuild that read after the call.
  const during = live.refresh();
  const again = live.refresh();
  assert.equal((await patch(`/Practitioner/${GP}`, params(op('delete', `Practitioner.telecom.where(value = '${address}')`)))).status, 200);
  await Promise.all([during, again, live.refresh()]);
  assert.equal(await inLive(address), false, 'the withdrawal is in the snapshot refresh() waited for');
});
