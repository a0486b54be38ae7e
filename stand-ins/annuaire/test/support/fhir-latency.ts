// FHIR search latency over a seeded directory, through real HTTP (fetch):
//   node stand-ins/annuaire/test/support/fhir-latency.ts [professionals=100000] [rounds=200] [dataDir]
// Seeds into `dataDir` (kept, so a second run skips seeding) or a temporary directory, applies
// the 0006 search indexes when the store's migrations do not include them yet, then prints
// p50/p99 per kind of search. Figures, not assertions: no test depends on timings.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { Store } from '@mss/store';
import { silentLogger } from '@mss/runtime';
import { seedDemo, seedDirectory } from '@mss/seed';
import { directorySearch } from '../../../../packages/store/src/migrations/0006-directory-search.ts';
import { startAnnuaireHttp, StoreDirectoryData } from '../../src/index.ts';

const professionals = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 200);
const dataDir = process.argv[4] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mss-fhir-latency-'));
const DOMAIN = 'operateur-a.mssante.fr';

const store = await Store.open({ dataDir, databaseUrl: process.env.MSS_DATABASE_URL });
if ((await store.directory.counts()).persons < professionals) {
  const started = performance.now();
  await seedDemo(store, DOMAIN);
  await seedDirectory(store, { seed: 1, professionals, operatorDomain: DOMAIN });
  console.log(`seeded ${professionals} professionals in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
try {
  // Until 0006 is registered among the store's migrations, apply it here (idempotence by error).
  await directorySearch.up((store as unknown as { db: Parameters<typeof directorySearch.up>[0] }).db, store.engine);
  console.log('applied the 0006 search indexes');
} catch {
  /* already there */
}

if (store.engine === 'postgres') {
  // What autovacuum does shortly after a bulk load; measured plans are the steady state's.
  await sql`analyze`.execute((store as unknown as { db: Parameters<typeof directorySearch.up>[0] }).db);
}

const data = new StoreDirectoryData(store);
const http = await startAnnuaireHttp({ host: '127.0.0.1', port: 0, logger: silentLogger(), data, apiKeys: ['k'] });
const sample = await data.searchPractitioners({ family: [[{ value: 'b', mode: 'prefix' }]] }, { limit: 1 });
const someone = sample[0]!;
const [aMailbox] = await data.publishedMailboxesOf([someone.idnat]);

const kinds: Record<string, () => string> = {
  'identifier (IdNat)': () => `/Practitioner?identifier=${someone.idnat}`,
  'identifier (RPPS system)': () => `/Practitioner?identifier=http://rpps.fr|${someone.rpps}`,
  'family prefix': () => `/Practitioner?family=${encodeURIComponent(someone.last_name.slice(0, 4))}`,
  'family + given': () => `/Practitioner?family=${encodeURIComponent(someone.last_name)}&given=${encodeURIComponent(someone.first_name)}`,
  'mailbox-mss:exact': () => `/Practitioner?mailbox-mss:exact=${encodeURIComponent(aMailbox?.address ?? 'none@x')}`,
  'mailbox-mss prefix (role)': () => `/PractitionerRole?mailbox-mss=${encodeURIComponent((aMailbox?.address ?? 'none@x').slice(0, 8))}`,
  'qualification-code=10': () => '/Practitioner?qualification-code=10&_total=none',
  '_lastUpdated delta (empty)': () => '/Practitioner?_lastUpdated=gt2100-01-01',
  'first page, total': () => '/Practitioner',
  'Organization by FINESS': () => '/Organization?identifier=https://finess.esante.gouv.fr|930000013',
  'resolve-mailbox': () => `/PractitionerRole?_query=resolve-mailbox&professional=${someone.idnat}&postal-code=75001`,
};

console.log(`${professionals} professionals, ${rounds} requests per kind, one client`);
for (const [kind, url] of Object.entries(kinds)) {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    const res = await fetch(`${http.fhirBase}${url()}`, { headers: { 'ESANTE-API-KEY': 'k' } });
    if (res.status !== 200) throw new Error(`${kind}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(1);
  console.log(`${kind.padEnd(28)} p50 ${q(0.5).padStart(7)} ms   p99 ${q(0.99).padStart(7)} ms`);
}
await http.stop();
await store.close();
