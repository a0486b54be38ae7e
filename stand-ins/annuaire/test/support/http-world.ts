// A store seeded with the demo personas and a small synthetic directory, and the Annuaire HTTP
// server over it on a random port. Clients are real: fetch, and Debian's curl run asynchronously
// (a synchronous child would block the very event loop that serves it).

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { openTestStore } from '@mss/store/testing';
import type { Store } from '@mss/store';
import { silentLogger } from '@mss/runtime';
import { seedDemo, seedDirectory, type Persona } from '@mss/seed';
import { migrateAnnuaire, startAnnuaireHttp, StoreDirectoryData, type RunningAnnuaireHttp } from '../../src/index.ts';

export const DOMAIN = 'operateur-a.mssante.fr';
export const KEY = 'test-key-1';
export const CURL = '/usr/bin/curl';
export const UNZIP = '/usr/bin/unzip';

export interface HttpWorld {
  clock: { now: Date };
  store: Store;
  personas: Map<string, Persona>;
  http: RunningAnnuaireHttp;
  data: StoreDirectoryData;
  fhir(path: string, init?: RequestInit & { key?: string | null }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

export async function startHttpWorld(options: { professionals?: number; extractionDir?: string } = {}): Promise<HttpWorld> {
  // The store's clock is the test's: updates land at chosen instants, so `_lastUpdated` is exact.
  const clock = { now: new Date('2026-03-01T08:00:00.000Z') };
  const { store, cleanup } = await openTestStore({ now: () => clock.now });
  await migrateAnnuaire(store);
  const personas = new Map((await seedDemo(store, DOMAIN)).map((p) => [p.key, p]));
  if (options.professionals) await seedDirectory(store, { seed: 7, professionals: options.professionals, operatorDomain: DOMAIN });
  const data = new StoreDirectoryData(store);
  const http = await startAnnuaireHttp({
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger(),
    data,
    apiKeys: [KEY],
    extractionDir: options.extractionDir,
  });
  return {
    clock,
    store,
    personas,
    http,
    data,
    async fhir(path, init = {}) {
      const { key = KEY, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (key !== null) headers.set('ESANTE-API-KEY', key);
      const res = await fetch(path.startsWith('http') ? path : `${http.fhirBase}${path}`, { ...rest, headers });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
    },
    async close() {
      await http.stop();
      await cleanup();
    },
  };
}

export function persona(world: HttpWorld, key: string): Persona {
  const p = world.personas.get(key);
  if (!p) throw new Error(`no persona ${key}`);
  return p;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(file: string, args: string[], options: { encoding?: 'buffer' } = {}): Promise<Run & { raw?: Buffer }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 60_000, maxBuffer: 256 * 1024 * 1024, encoding: options.encoding ?? 'utf8' }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({
        code,
        stdout: String(stdout),
        stderr: String(stderr),
        ...(options.encoding === 'buffer' ? { raw: stdout as unknown as Buffer } : {}),
      });
    });
  });
}

export const curlMissing = existsSync(CURL) ? false : `${CURL} is missing: install curl (Debian) to run these tests`;
export const unzipMissing = existsSync(UNZIP) ? false : `${UNZIP} is missing: install unzip (Debian) to run these tests`;

/** The mailbox addresses of a FHIR resource's telecom. */
export function mailboxes(resource: any): string[] {
  return (resource?.telecom ?? []).map((t: any) => t.value);
}

export function entries(bundle: any, mode = 'match'): any[] {
  return (bundle.entry ?? []).filter((e: any) => e.search?.mode === mode).map((e: any) => e.resource);
}
