/**
 * A short store-level measurement of the operator listing's address search (issue 20): the
 * query alone (`store.mailboxListing.page`, no HTTP), on `ADDRESS_SEARCH_MAILBOXES` (200,000)
 * generated mailboxes in a SQLite store kept in `ADDRESS_SEARCH_DATA_DIR` (or on PostgreSQL with
 * `MSS_DATABASE_URL`), sequentially, `ADDRESS_SEARCH_REQUESTS` (50) queries per kind. The full
 * `BENCH=operator` run (HTTP, concurrent clients, audit trail) stays the reference; this one
 * needs no directory and seeds in about a minute.
 *
 *   ADDRESS_SEARCH_DATA_DIR=/tmp/addr node_modules/.bin/node bench/address-search.ts
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { Store, type NewMailbox } from '@mss/store';
import { random } from './random.ts';

const MAILBOXES = Number(process.env.ADDRESS_SEARCH_MAILBOXES ?? 200_000);
const REQUESTS = Number(process.env.ADDRESS_SEARCH_REQUESTS ?? 50);
const DOMAIN = 'operateur-a.mssante.fr';

const kept = process.env.ADDRESS_SEARCH_DATA_DIR;
const dataDir = kept ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mss-address-search-'));
const store = await Store.open({ dataDir, databaseUrl: process.env.MSS_DATABASE_URL });
try {
  const rnd = random(20);
  const have = await store.mailboxes.count();
  const started = performance.now();
  for (let done = have; done < MAILBOXES; done += 1000) {
    const rows: NewMailbox[] = [];
    for (let i = done; i < Math.min(MAILBOXES, done + 1000); i++) {
      const cab = rnd() < 0.1;
      rows.push({
        address: `${cab ? 'cabinet.' : ''}bench-${i}.${Math.floor(rnd() * 1e6).toString(36)}@${DOMAIN}`,
        type: cab ? 'CAB' : 'PER',
        ownerIdnat: `8${String(i).padStart(10, '0')}`,
      });
    }
    await store.transaction((tx) => tx.mailboxes.createMany(rows));
  }
  if (have < MAILBOXES) process.stderr.write(`address-search: seeded in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  // The planner's statistics and a flushed GIN pending list, as autovacuum keeps them in service.
  if (store.engine === 'postgres') await sql`vacuum analyze mailboxes`.execute(store.kysely);
  const sample: string[] = [];
  for (let id = 1; id <= MAILBOXES; id += 997) {
    const row = await store.mailboxes.byId(id);
    if (row) sample.push(row.address_key);
  }
  const pick = () => sample[Math.floor(rnd() * sample.length)]!;
  const kinds: Record<string, () => string> = {
    'a part of one address (6 chars)': () => pick().slice(6, 12),
    'no match': () => `zz${Math.floor(rnd() * 1e6)}`,
    'in every address (mssante)': () => 'mssante',
    'in one CAB in ten (cabinet.)': () => 'cabinet.',
    'in 11,111 addresses, most created last (bench-19)': () => 'bench-19',
    'in 1,111 addresses (bench-199)': () => 'bench-199',
    'two characters': () => pick().slice(7, 9),
  };
  process.stdout.write(`# ${MAILBOXES} mailboxes (${store.engine}), ${REQUESTS} sequential queries per kind, pages of 100\n`);
  process.stdout.write('kind\tp50_ms\tp99_ms\trows\n');
  for (const [kind, term] of Object.entries(kinds)) {
    for (let i = 0; i < 5; i++) await store.mailboxListing.page({ addressContains: term() }, undefined, 100);
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < REQUESTS; i++) {
      const t = performance.now();
      rows += (await store.mailboxListing.page({ addressContains: term() }, undefined, 100)).length;
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(1);
    process.stdout.write(`${kind}\t${q(0.5)}\t${q(0.99)}\t${(rows / REQUESTS).toFixed(0)}\n`);
  }
} finally {
  await store.close();
  if (!kept) fs.rmSync(dataDir, { recursive: true, force: true });
}
