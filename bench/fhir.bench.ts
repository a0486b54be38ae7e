/**
 * FHIR benchmark of the Annuaire stand-in: `BENCH_FHIR_PROFESSIONALS` (default 1,000,000)
 * professionals seeded into a fresh SQLite store (kept in `BENCH_FHIR_DATA_DIR` when given, so
 * that a second run skips the seeding), the HTTP server over it, then for each kind of search
 * `BENCH_FHIR_CLIENTS` (4) concurrent clients sending `BENCH_FHIR_REQUESTS` (100) requests each:
 * searches/s and p50/p99 latency through real HTTP (fetch). The issue's goal: p99 < 50 ms at
 * 1,000,000. There is no peer server for FHIR: the figures stand alone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { migrateAnnuaire, SearchWorkers, startAnnuaireHttp, StoreDirectoryData } from '@mss/annuaire';
import { createProgress, silentLogger } from '@mss/runtime';
import { seedDemo, seedDirectory } from '@mss/seed';
import { Store } from '@mss/store';

const PROFESSIONALS = Number(process.env.BENCH_FHIR_PROFESSIONALS ?? 1_000_000);
const CLIENTS = Number(process.env.BENCH_FHIR_CLIENTS ?? 4);
const REQUESTS = Number(process.env.BENCH_FHIR_REQUESTS ?? 100);
const DOMAIN = 'operateur-a.mssante.fr';
const KEY = 'bench';
const THREADS = Number(process.env.BENCH_FHIR_THREADS ?? 2);

export async function runFhirBench(): Promise<string[]> {
  const kept = process.env.BENCH_FHIR_DATA_DIR;
  const dataDir = kept ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mss-bench-fhir-'));
  const store = await Store.open({ dataDir, databaseUrl: undefined });
  await migrateAnnuaire(store);
  const out = [
    `# fhir: ${PROFESSIONALS} professionals (SQLite), ${CLIENTS} clients x ${REQUESTS} requests per kind, searches on ${THREADS > 0 ? `${THREADS} worker thread${THREADS === 1 ? '' : 's'}` : 'the main thread'}`,
    'kind\tsearches_per_s\tp50_ms\tp99_ms\tp99_goal_50ms',
  ];
  try {
    let seedSeconds = 0;
    if ((await store.directory.counts()).persons < PROFESSIONALS) {
      const started = performance.now();
      await seedDemo(store, DOMAIN);
      const bar = process.stderr.isTTY ? createProgress('seeding directory', PROFESSIONALS) : undefined;
      await seedDirectory(store, { seed: 1, professionals: PROFESSIONALS, operatorDomain: DOMAIN }, (done) => bar?.update(done));
      bar?.finish();
      seedSeconds = (performance.now() - started) / 1000;
      process.stderr.write(`fhir bench: seeded ${PROFESSIONALS} professionals in ${seedSeconds.toFixed(0)} s\n`);
    }
    await sql`pragma optimize`.execute(store.kysely);
    const data = new StoreDirectoryData(store);
    // FHIR searches on BENCH_FHIR_THREADS worker threads (0: on the main thread), as the sandbox runs them.
    const workers = THREADS > 0 ? await SearchWorkers.start({ dataDir, databaseUrl: undefined }, THREADS) : undefined;
    const http = await startAnnuaireHttp({
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger(),
      data,
      apiKeys: [KEY],
      ...(workers ? { searchWorkers: workers } : {}),
    });
    try {
      // Different people for different requests: a cache of one answer would measure nothing.
      const people = await data.searchPractitioners({ family: [[{ value: 'b', mode: 'prefix' }]] }, { limit: 500 });
      const boxes = await data.publishedMailboxesOf(people.map((p) => p.idnat));
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
      const kinds: Record<string, () => string> = {
        'identifier (IdNat)': () => `/Practitioner?identifier=${pick(people).idnat}`,
        'identifier (RPPS system)': () => `/Practitioner?identifier=http://rpps.fr|${pick(people).rpps}`,
        'family prefix': () => `/Practitioner?family=${encodeURIComponent(pick(people).last_name.slice(0, 4))}`,
        'family + given': () => {
          const p = pick(people);
          return `/Practitioner?family=${encodeURIComponent(p.last_name)}&given=${encodeURIComponent(p.first_name)}`;
        },
        'mailbox-mss:exact': () => `/Practitioner?mailbox-mss:exact=${encodeURIComponent(pick(boxes).address)}`,
        'mailbox-mss prefix (role)': () => `/PractitionerRole?mailbox-mss=${encodeURIComponent(pick(boxes).address.slice(0, 8))}`,
        'qualification-code=10': () => '/Practitioner?qualification-code=10&_total=none',
        '_lastUpdated delta (empty)': () => '/Practitioner?_lastUpdated=gt2100-01-01',
        'first page, total': () => '/Practitioner',
        'Organization by FINESS': () => '/Organization?identifier=https://finess.esante.gouv.fr|930000013',
        'resolve-mailbox': () => `/PractitionerRole?_query=resolve-mailbox&professional=${pick(people).idnat}&postal-code=75001`,
      };
      for (const [kind, url] of Object.entries(kinds)) {
        // Untimed first requests: the JIT and the page cache, not the search, would make the p99.
        for (let i = 0; i < 10; i++) await (await fetch(`${http.fhirBase}${url()}`, { headers: { 'ESANTE-API-KEY': KEY } })).arrayBuffer();
        const times: number[] = [];
        const started = performance.now();
        await Promise.all(
          Array.from({ length: CLIENTS }, async () => {
            for (let i = 0; i < REQUESTS; i++) {
              const t = performance.now();
              const res = await fetch(`${http.fhirBase}${url()}`, { headers: { 'ESANTE-API-KEY': KEY } });
              if (res.status !== 200) throw new Error(`fhir bench: ${kind}: ${res.status} ${await res.text()}`);
              await res.arrayBuffer();
              times.push(performance.now() - t);
            }
          }),
        );
        const seconds = (performance.now() - started) / 1000;
        times.sort((a, b) => a - b);
        const q = (p: number): number => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
        out.push(
          `${kind}\t${(times.length / seconds).toFixed(0)}\t${q(0.5).toFixed(1)}\t${q(0.99).toFixed(1)}\t${q(0.99) < 50 ? 'ok' : 'MISSED'}`,
        );
      }
      if (seedSeconds) out.push(`seed\t${PROFESSIONALS} professionals in ${seedSeconds.toFixed(0)} s\t-\t-\t-`);
    } finally {
      await http.stop();
      await workers?.stop();
    }
  } finally {
    await store.close();
    if (!kept) fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return out;
}
