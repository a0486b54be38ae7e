// FHIR searches on worker threads answer exactly what the main thread answers (bundles, paging
// links, errors), side by side under concurrency, and see what was written before they began.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openTestStore } from '@mss/store/testing';
import type { Store } from '@mss/store';
import { silentLogger } from '@mss/runtime';
import { seedDemo, seedDirectory } from '@mss/seed';
import { migrateAnnuaire, SearchWorkers, startAnnuaireHttp, StoreDirectoryData, type RunningAnnuaireHttp } from '../src/index.ts';

const DOMAIN = 'operateur-a.mssante.fr';
const KEY = 'k';
const NOW = new Date('2026-03-01T08:00:00.000Z');
let store: Store;
let cleanup: () => Promise<void>;
let workers: SearchWorkers;
let plain: RunningAnnuaireHttp;
let threaded: RunningAnnuaireHttp;

before(async () => {
  const opened = await openTestStore();
  ({ store, cleanup } = opened);
  await migrateAnnuaire(store);
  await seedDemo(store, DOMAIN);
  await seedDirectory(store, { seed: 11, professionals: 400, operatorDomain: DOMAIN });
  workers = await SearchWorkers.start({ dataDir: opened.dataDir, databaseUrl: opened.databaseUrl }, 2);
  const common = {
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger(),
    data: new StoreDirectoryData(store),
    apiKeys: [KEY],
    now: () => NOW,
  };
  plain = await startAnnuaireHttp(common);
  threaded = await startAnnuaireHttp({ ...common, searchWorkers: workers });
});
after(async () => {
  await plain.stop();
  await threaded.stop();
  await workers.stop();
  await cleanup();
});

async function get(server: RunningAnnuaireHttp, path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server.fhirBase}${path}`, { headers: { 'ESANTE-API-KEY': KEY } });
  // A Bundle's id is a fresh UUID per answer: the only part two answers may not share.
  const text = (await res.text())
    .replaceAll(String(server.port), 'PORT')
    .replace(/^\{"resourceType":"Bundle","id":"[0-9a-f-]{36}"/, '{"resourceType":"Bundle","id":"ID"');
  return { status: res.status, text };
}

const QUERIES = [
  '/Practitioner?family=mar',
  '/Practitioner?family=martin&given=c',
  '/Practitioner?_count=5',
  '/Practitioner?_count=5&_total=accurate',
  '/Practitioner?name=lam&_elements=name,telecom',
  '/Practitioner?mailbox-mss:contains=cabinet',
  '/Practitioner?identifier=810000001056&_revinclude=PractitionerRole:practitioner',
  '/PractitionerRole?mailbox-mss=cabinet.&_include=PractitionerRole:organization',
  '/Organization?_count=3',
  '/Practitioner?qualification-code=10&_count=7',
  '/Practitioner?_lastUpdated=ge2026-01-01',
  '/Practitioner?family=',
  '/Practitioner?unknown-param=1',
  '/Practitioner?_count=abc',
];

test('the same answers from the worker threads as from the main thread, errors included', async () => {
  for (const q of QUERIES) {
    const [a, b] = [await get(plain, q), await get(threaded, q)];
    assert.equal(b.status, a.status, q);
    assert.ok(b.text === a.text, `${q}: the threads answered otherwise`);
  }
  // The next page through the link the threads wrote.
  const first = JSON.parse((await get(threaded, '/Practitioner?_count=5')).text);
  const next = first.link.find((l: { relation: string }) => l.relation === 'next').url.replace('PORT', String(threaded.port));
  const page2 = await fetch(next, { headers: { 'ESANTE-API-KEY': KEY } });
  assert.equal(page2.status, 200);
  assert.equal(((await page2.json()) as { entry: unknown[] }).entry.length, 5);
});

test('searches run side by side on the threads, and see what was written before they began', async () => {
  const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => get(threaded, QUERIES[i % 4]!)));
  assert.ok(answers.every((a) => a.status === 200));
  const address = `nouvelle.boite@${DOMAIN}`;
  await store.mailboxes.create({ address, type: 'PER', ownerIdnat: '810000001056' });
  const found = JSON.parse((await get(threaded, `/Practitioner?mailbox-mss:exact=${address}`)).text);
  assert.equal(found.entry?.length, 1);
});
