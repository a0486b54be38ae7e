// A kill -9 of the operator in the middle of a synchronisation loses and repeats nothing (issue
// #15): a real process follows the Annuaire's feed over HTTP, page after page (each page and the
// cursor after it in one transaction), and is killed with SIGKILL once it has written some pages
// and not all; started again, it goes on from its cursor. Every entry of the feed is counted
// exactly once (`entries_applied`, written in each page's transaction), and the operator's copy
// ends equal to the Annuaire's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeRpps } from '@mss/domain';
import { SANDBOX_API_KEY } from '@mss/annuaire';
import { annuaireSide, operatorSide, secretary, type AnnuaireSide, type OperatorSide } from './support/world.ts';

const PAGE = 5;
const SCRIPT = fileURLToPath(new URL('./support/sync-process.ts', import.meta.url));
const NEW_PERSONS = 120;

let annuaire: AnnuaireSide;
let operator: OperatorSide;

before(async () => {
  annuaire = await annuaireSide();
  operator = await operatorSide();
  // Persons the operator does not know yet, registered after the feed began.
  for (let i = 0; i < NEW_PERSONS; i++) {
    const idnat = `8${makeRpps(String(1_400_000_000 + i))}`;
    await annuaire.registry.upsertPerson({ ...secretary(idnat, `Crash-${String(i).padStart(3, '0')}`).person });
  }
});
after(async () => {
  await annuaire.cleanup();
  await operator.cleanup();
});

function follower(): { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [SCRIPT], {
    env: {
      ...process.env,
      SYNC_DATA_DIR: operator.dataDir,
      SYNC_DATABASE_URL: operator.databaseUrl ?? '',
      SYNC_ANNUAIRE_URL: annuaire.http.url,
      SYNC_API_KEY: SANDBOX_API_KEY,
      SYNC_PAGE_SIZE: String(PAGE),
      SYNC_PAUSE_MS: '40',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await operator.store.directorySync.get('annuaire'))}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Entries of the whole feed read in pages of PAGE, as the follower reads it: what it must count, once each. */
async function feedEntries(): Promise<number> {
  let cursor: string | null = null;
  let total = 0;
  for (;;) {
    const q = new URLSearchParams({ _type: 'Practitioner,PractitionerRole,Organization', _count: String(PAGE) });
    if (cursor) q.set('_cursor', cursor);
    const res = await fetch(`${annuaire.http.fhirBase}?${q}`, { headers: { 'ESANTE-API-KEY': SANDBOX_API_KEY } });
    const body = (await res.json()) as { entry?: unknown[]; link: { relation: string; url: string }[] };
    const n = body.entry?.length ?? 0;
    total += n;
    cursor = new URL(body.link.find((l) => l.relation === 'next')!.url).searchParams.get('_cursor');
    if (n < PAGE) return total;
  }
}

test('kill -9 in the middle of a synchronisation: restarted, the follower loses and repeats nothing', async () => {
  const expected = await feedEntries();
  const first = follower();
  // Some pages written, not all: then SIGKILL, whatever it is doing.
  await until('a few pages written', async () => {
    const row = await operator.store.directorySync.get('annuaire');
    return row && row.entries_applied >= 4 * PAGE ? row : undefined;
  });
  first.child.kill('SIGKILL');
  assert.deepEqual(await first.exited, { code: null, signal: 'SIGKILL' });
  const atKill = (await operator.store.directorySync.get('annuaire'))!;
  assert.ok(atKill.entries_applied > 0 && atKill.entries_applied < expected, `killed mid-way: ${atKill.entries_applied} of ${expected}`);
  assert.equal(atKill.caught_up_at, null, 'not caught up when killed');

  const second = follower();
  const done = await until('caught up after the restart', async () => {
    const row = await operator.store.directorySync.get('annuaire');
    return row?.caught_up_at ? row : undefined;
  });
  second.child.kill('SIGTERM');
  await second.exited;
  console.log(`# killed after ${atKill.entries_applied} of ${expected} entries; restarted from its cursor`);
  assert.equal(done.entries_applied, expected, 'every entry of the feed counted once: none lost, none applied twice');
  assert.equal(done.full_resyncs, 1, 'the restart went on from the cursor: no second full resynchronisation');
  assert.equal(done.rows_changed, NEW_PERSONS, 'the new persons, and nothing else, were written');
  for (let i = 0; i < NEW_PERSONS; i++) {
    const idnat = `8${makeRpps(String(1_400_000_000 + i))}`;
    assert.equal((await operator.store.directory.person(idnat))?.last_name, `Crash-${String(i).padStart(3, '0')}`, idnat);
  }
});
