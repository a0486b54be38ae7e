// A worker of write-token.test.ts: opens the test's SQLite store behind the write token and writes.
// With SQLite's busy timeout at 0, a writer that met another's lock would fail at once with
// SQLITE_BUSY instead of waiting for it: every write landing proves the token kept them apart.
//   WRITE_TOKEN_ROLE=writer  WRITES=n  TAG=t: n transactions (half grouped), each holding the lock
//                            across an event-loop turn; sends { done, ok, errors } on 'go'.
//   WRITE_TOKEN_ROLE=holder: one transaction that writes, sends { holding }, and never ends.
import { sql } from 'kysely';
import { Store } from '@mss/store';
import { repoContext } from '@mss/store/engine';
import { workerWriteGate } from '../../src/write-token.ts';

const send = (m: unknown): void => void process.send?.(m);
const store = await Store.open({
  dataDir: process.env.WRITE_TOKEN_DIR!,
  databaseUrl: undefined,
  migrate: false,
  writeGate: workerWriteGate(),
});
await sql`PRAGMA busy_timeout = 0`.execute(store.kysely);

async function write(tx: Parameters<Parameters<Store['transaction']>[0]>[0], payload: string): Promise<void> {
  const db = repoContext(tx).db;
  await db.insertInto('bus_events').values({ payload, created_at: new Date().toISOString() }).execute();
  // Hold the write lock while this process's event loop turns (as a delivery awaiting its quota check would).
  await new Promise<void>((r) => setImmediate(r));
  await db
    .insertInto('bus_events')
    .values({ payload: `${payload}:2`, created_at: new Date().toISOString() })
    .execute();
}

if (process.env.WRITE_TOKEN_ROLE === 'holder') {
  void store.transaction(async (tx) => {
    await write(tx, 'holder');
    send({ holding: true });
    await new Promise(() => {});
  });
} else {
  const n = Number(process.env.WRITES);
  const tag = process.env.TAG!;
  process.on('message', async (m: { go?: boolean }) => {
    if (!m.go) return;
    const outcomes = await Promise.allSettled(
      Array.from({ length: n }, (_, i) =>
        i % 2 === 0 ? store.transaction((tx) => write(tx, `${tag}:${i}`)) : store.groupTransaction((tx) => write(tx, `${tag}:${i}`)),
      ),
    );
    const errors = outcomes.flatMap((o) => (o.status === 'rejected' ? [String((o.reason as Error)?.message ?? o.reason)] : []));
    send({ done: true, ok: n - errors.length, errors: errors.slice(0, 3) });
  });
  send({ ready: true });
}
