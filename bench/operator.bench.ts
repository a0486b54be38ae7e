/**
 * The operator's staff reads (issue 20): the admin API's listing of every mailbox and its reading
 * of the audit trail, through real HTTP (fetch, the administrator's Basic credentials, each
 * request decided and audited as in production), on `BENCH_OPERATOR_MAILBOXES` (200,000)
 * mailboxes and `BENCH_OPERATOR_AUDIT` (1,000,000) audit entries in a fresh SQLite store (kept
 * in `BENCH_OPERATOR_DATA_DIR` when given, so that a second run skips the seeding). Mailboxes are
 * created over three years, of every type and status, some on liste rouge, attached to the
 * persons and structures of a seeded directory; the audit spreads over a year, mostly IMAP and
 * SMTP reads and sends, a few percent denied. For each kind of query `BENCH_OPERATOR_CLIENTS` (4)
 * concurrent clients send `BENCH_OPERATOR_REQUESTS` (100) requests (random values, random
 * positions for the deep pages), after 10 untimed ones. The goal: p99 < 50 ms. There is no peer
 * for these reads: the figures stand alone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { sql, type Insertable } from 'kysely';
import { AccessControl } from '@mss/access';
import { buildAdminApi } from '@mss/admin-api';
import { Governance, encodeCursor, decodeCursor, checkAuditSearch, checkMailboxSearch } from '@mss/governance';
import { createProgress, silentLogger } from '@mss/runtime';
import { seedDirectory } from '@mss/seed';
import { Store, type AccessAuditTable, type NewMailbox } from '@mss/store';
import { random } from './random.ts';

const MAILBOXES = Number(process.env.BENCH_OPERATOR_MAILBOXES ?? 200_000);
const AUDIT = Number(process.env.BENCH_OPERATOR_AUDIT ?? 1_000_000);
const CLIENTS = Number(process.env.BENCH_OPERATOR_CLIENTS ?? 4);
const REQUESTS = Number(process.env.BENCH_OPERATOR_REQUESTS ?? 100);
const PROFESSIONALS = Number(process.env.BENCH_OPERATOR_PROFESSIONALS ?? 20_000);
const DOMAIN = 'operateur-a.mssante.fr';
const PASSWORD = 'bench-admin';
const DAY = 86_400_000;

function weighted<T>(rnd: () => number, choices: readonly (readonly [T, number])[]): T {
  let x = rnd() * choices.reduce((s, [, w]) => s + w, 0);
  for (const [v, w] of choices) if ((x -= w) < 0) return v;
  return choices[0]![0];
}

async function seed(store: Store, clock: { now: Date }): Promise<void> {
  const rnd = random(20);
  // A bar on a terminal, a line per tenth otherwise (createProgress decides).
  const bar = (label: string, total: number) => createProgress(label, total);
  const dirBar = bar('directory', PROFESSIONALS);
  await seedDirectory(store, { seed: 1, professionals: PROFESSIONALS, operatorDomain: DOMAIN }, (done) => dirBar?.update(done));
  dirBar?.finish();
  const persons = (await sql<{ idnat: string }>`select idnat from persons where kind = 'PS'`.execute(store.kysely)).rows.map(
    (r) => r.idnat,
  );
  const situations = (
    await sql<{
      id: string;
      person_idnat: string;
      structure_idnat: string | null;
    }>`select id, person_idnat, structure_idnat from situations`.execute(store.kysely)
  ).rows;
  const structures = (await sql<{ idnat: string }>`select idnat from structures`.execute(store.kysely)).rows.map((r) => r.idnat);
  const existing = await store.mailboxes.count();

  // Mailboxes over three years, in batches each stamped a little later.
  const toCreate = Math.max(0, MAILBOXES - existing);
  const start = Date.parse('2024-01-01T00:00:00Z');
  const batch = 1000;
  const mbBar = bar('mailboxes', toCreate);
  for (let done = 0; done < toCreate; done += batch) {
    clock.now = new Date(start + (done / Math.max(1, toCreate)) * 3 * 365 * DAY);
    const rows: NewMailbox[] = [];
    for (let i = done; i < Math.min(toCreate, done + batch); i++) {
      const type = weighted(rnd, [
        ['PER', 80],
        ['CAB', 10],
        ['ORG', 8],
        ['APP', 2],
      ] as const);
      const situation = situations[Math.floor(rnd() * situations.length)]!;
      const owner =
        type === 'ORG' || type === 'APP'
          ? structures[Math.floor(rnd() * structures.length)]!
          : type === 'PER'
            ? situation.person_idnat
            : persons[Math.floor(rnd() * persons.length)]!;
      rows.push({
        address: `${type === 'CAB' ? 'cabinet.' : ''}bench-${i}.${Math.floor(rnd() * 1e6).toString(36)}@${DOMAIN}`,
        type,
        ownerIdnat: owner,
        situationId: type === 'PER' && rnd() < 0.7 ? situation.id : null,
        listeRouge: rnd() < 0.05,
        status: weighted(rnd, [
          ['active', 94],
          ['suspended', 1],
          ['closed', 5],
        ] as const),
      });
    }
    await store.transaction((tx) => tx.mailboxes.createMany(rows));
    // Closed mailboxes got their closing date a while after creation.
    const closedAt = new Date(clock.now.getTime() + 30 * DAY).toISOString();
    await sql`update mailboxes set closed_at = ${closedAt} where status = 'closed' and closed_at is null`.execute(store.kysely);
    mbBar?.update(Math.min(toCreate, done + batch));
  }
  mbBar?.finish();

  // The audit trail: a year of decisions, in time order.
  const have = Number((await sql<{ n: number }>`select count(*) as n from access_audit`.execute(store.kysely)).rows[0]?.n ?? 0);
  const addresses = (await sql<{ address_key: string }>`select address_key from mailboxes`.execute(store.kysely)).rows.map(
    (r) => r.address_key,
  );
  const auditStart = Date.parse('2026-01-01T00:00:00Z');
  const toWrite = Math.max(0, AUDIT - have);
  const auBar = bar('audit entries', toWrite);
  const chunk = 2000;
  for (let done = 0; done < toWrite; done += chunk) {
    const values: Insertable<AccessAuditTable>[] = [];
    for (let i = done; i < Math.min(toWrite, done + chunk); i++) {
      const at = new Date(auditStart + (i / toWrite) * 365 * DAY).toISOString();
      const channel = weighted(rnd, [
        ['imap', 60],
        ['smtp', 35],
        ['admin-api', 4],
        ['webmail', 1],
      ] as const);
      const denied = rnd() < 0.03;
      const tokenFailure = denied && rnd() < 0.3;
      values.push({
        at,
        idnat: tokenFailure ? null : persons[Math.floor(rnd() * persons.length)]!,
        mailbox: addresses[Math.floor(rnd() * addresses.length)]!,
        action: channel === 'smtp' ? 'send' : channel === 'admin-api' ? 'read-history' : 'read',
        channel,
        client_id: 'bench-lps',
        outcome: denied ? ('denied' as const) : ('allowed' as const),
        reason: tokenFailure ? 'invalid-token:expired' : denied ? 'no-right' : 'holder',
        role: denied ? null : 'holder',
      });
    }
    await store.kysely.transaction().execute(async (trx) => {
      for (let i = 0; i < values.length; i += 500)
        await trx
          .insertInto('access_audit')
          .values(values.slice(i, i + 500))
          .execute();
    });
    auBar?.update(Math.min(toWrite, done + chunk));
  }
  auBar?.finish();
}

export async function runOperatorBench(): Promise<string[]> {
  const kept = process.env.BENCH_OPERATOR_DATA_DIR;
  const dataDir = kept ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mss-bench-operator-'));
  const clock = { now: new Date() };
  const store = await Store.open({ dataDir, databaseUrl: undefined, now: () => clock.now });
  const out = [
    `# operator: ${MAILBOXES} mailboxes, ${AUDIT} audit entries (SQLite), admin API over HTTP, ${CLIENTS} clients x ${REQUESTS} requests per kind`,
    'kind\trequests_per_s\tp50_ms\tp99_ms\trows_per_page\tp99_goal_50ms\tquery_p50_ms\tquery_p99_ms',
  ];
  try {
    const started = performance.now();
    await seed(store, clock);
    const seedSeconds = (performance.now() - started) / 1000;
    if (seedSeconds > 1) process.stderr.write(`operator bench: seeded in ${seedSeconds.toFixed(0)} s\n`);
    clock.now = new Date('2027-06-01T00:00:00Z');
    const realClock = () => {
      clock.now = new Date();
    };
    realClock();
    await sql`pragma optimize`.execute(store.kysely);
    const access = new AccessControl({ store });
    const governance = new Governance({ store, access, operatorDomains: [DOMAIN] });
    const app = await buildAdminApi({ store, logger: silentLogger(), operatorDomain: DOMAIN, governance, access, adminPassword: PASSWORD });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const authorization = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;
    try {
      const rnd = random(7);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
      const sample = async <T>(query: ReturnType<typeof sql<T>>) => (await query.execute(store.kysely)).rows;
      const boxes = await sample(
        sql<{
          id: number;
          created_at: string;
          address_key: string;
          owner_idnat: string;
        }>`select id, created_at, address_key, owner_idnat from mailboxes where id % 97 = 0`,
      );
      const people = (
        await sample(sql<{ idnat: string }>`select distinct idnat from access_audit where id % 997 = 0 and idnat is not null`)
      ).map((r) => r.idnat);
      const structures = (
        await sample(sql<{ s: string }>`select structure_idnat as s from situations where structure_idnat is not null and rowid % 7 = 0`)
      ).map((r) => r.s);
      const auditRows = await sample(sql<{ id: number; at: string }>`select id, at from access_audit where id % 1009 = 0`);
      const day = () => new Date(Date.parse('2026-01-01T00:00:00Z') + Math.floor(rnd() * 360) * DAY).toISOString().slice(0, 10);
      const month = () => {
        const d = new Date(Date.parse('2024-02-01T00:00:00Z') + Math.floor(rnd() * 30) * 30 * DAY);
        return [d.toISOString().slice(0, 10), new Date(d.getTime() + 30 * DAY).toISOString().slice(0, 10)];
      };
      const mailboxCursor = (search: object) => {
        const b = pick(boxes);
        return encodeURIComponent(encodeCursor('mailboxes', checkMailboxSearch(search), { at: b.created_at, id: Number(b.id) }));
      };
      const auditCursor = (search: object) => {
        const a = pick(auditRows);
        return encodeURIComponent(encodeCursor('audit', checkAuditSearch(search), { at: a.at, id: Number(a.id) }));
      };
      const M = '/api/v1/operator/mailboxes';
      const A = '/api/v1/operator/audit';
      const kinds: Record<string, () => string> = {
        'mailboxes: first page': () => `${M}?limit=100`,
        'mailboxes: a deep page (cursor)': () => `${M}?limit=100&cursor=${mailboxCursor({})}`,
        'mailboxes: type=CAB': () => `${M}?type=CAB&limit=100`,
        'mailboxes: type=APP, deep page': () => `${M}?type=APP&limit=100&cursor=${mailboxCursor({ type: 'APP' })}`,
        'mailboxes: status=suspended': () => `${M}?status=suspended&limit=100`,
        'mailboxes: status=closed, deep page': () => `${M}?status=closed&limit=100&cursor=${mailboxCursor({ status: 'closed' })}`,
        'mailboxes: owner': () => `${M}?owner=${pick(boxes).owner_idnat}`,
        'mailboxes: structure': () => `${M}?structure=${pick(structures)}`,
        'mailboxes: listeRouge=true': () => `${M}?listeRouge=true&limit=100`,
        'mailboxes: created in a month': () => {
          const [from, to] = month();
          return `${M}?createdFrom=${from}&createdTo=${to}&limit=100`;
        },
        'mailboxes: address part': () => `${M}?address=${encodeURIComponent(pick(boxes).address_key.slice(6, 12))}`,
        'mailboxes: address part, no match': () => `${M}?address=zz${Math.floor(rnd() * 1e6)}`,
        'mailboxes: PER active created since': () => `${M}?type=PER&status=active&createdFrom=${month()[0]}&limit=100`,
        'audit: first page': () => `${A}?limit=100`,
        'audit: a deep page (cursor)': () => `${A}?limit=100&cursor=${auditCursor({})}`,
        'audit: principal': () => `${A}?principal=${pick(people)}&limit=100`,
        'audit: mailbox': () => `${A}?mailbox=${encodeURIComponent(pick(boxes).address_key)}&limit=100`,
        'audit: one day': () => {
          const d = day();
          return `${A}?from=${d}&to=${d}&limit=100`;
        },
        'audit: denied in a day': () => {
          const d = day();
          return `${A}?outcome=denied&from=${d}&to=${d}&limit=100`;
        },
        'audit: channel=webmail (1%)': () => `${A}?channel=webmail&limit=100`,
        'audit: principal + denied': () => `${A}?principal=${pick(people)}&outcome=denied&limit=100`,
        'audit: export page of 1000': () => `${A}?limit=1000&cursor=${auditCursor({})}`,
      };
      /** The store's query alone, as the route runs it after the decision (no HTTP, no audit write). */
      const direct = async (url: string): Promise<number> => {
        const u = new URL(url, base);
        const { cursor, limit, ...search } = Object.fromEntries(u.searchParams) as Record<string, string>;
        const size = limit ? Number(limit) : 100;
        if (u.pathname === M) {
          const { listeRouge, ...rest } = search;
          const filter = checkMailboxSearch({ ...rest, ...(listeRouge ? { listeRouge: listeRouge === 'true' } : {}) });
          return (await store.mailboxListing.page(filter, cursor ? decodeCursor('mailboxes', filter, cursor) : undefined, size)).length;
        }
        const filter = checkAuditSearch(search);
        return (await store.audit.page(filter, cursor ? decodeCursor('audit', filter, cursor) : undefined, size)).length;
      };
      const quantile = (times: number[], p: number): number => times[Math.min(times.length - 1, Math.floor(p * times.length))]!;
      for (const [kind, url] of Object.entries(kinds)) {
        const get = async () => {
          const res = await fetch(`${base}${url()}`, { headers: { authorization } });
          const body = (await res.json()) as { mailboxes?: unknown[]; entries?: unknown[] };
          if (res.status !== 200) throw new Error(`operator bench: ${kind}: ${res.status} ${JSON.stringify(body)}`);
          return (body.mailboxes ?? body.entries ?? []).length;
        };
        // Untimed first requests: the JIT and the page cache, not the query, would make the p99.
        for (let i = 0; i < 10; i++) await get();
        const times: number[] = [];
        let rows = 0;
        const t0 = performance.now();
        await Promise.all(
          Array.from({ length: CLIENTS }, async () => {
            for (let i = 0; i < REQUESTS; i++) {
              const t = performance.now();
              const n = await get();
              times.push(performance.now() - t);
              rows += n;
            }
          }),
        );
        const seconds = (performance.now() - t0) / 1000;
        times.sort((a, b) => a - b);
        const queries: number[] = [];
        for (let i = 0; i < REQUESTS; i++) {
          const t = performance.now();
          await direct(url());
          queries.push(performance.now() - t);
        }
        queries.sort((a, b) => a - b);
        const p99 = quantile(times, 0.99);
        out.push(
          [
            kind,
            (times.length / seconds).toFixed(0),
            quantile(times, 0.5).toFixed(1),
            p99.toFixed(1),
            (rows / times.length).toFixed(0),
            p99 < 50 ? 'ok' : 'MISSED',
            quantile(queries, 0.5).toFixed(1),
            quantile(queries, 0.99).toFixed(1),
          ].join('\t'),
        );
      }
      if (seedSeconds > 1) out.push(`seed\t${seedSeconds.toFixed(0)} s\t-\t-\t-\t-`);
      const load = os.loadavg().map((l) => l.toFixed(2));
      out.push(`# load average during the run (1, 5, 15 min): ${load.join(' ')} on ${os.cpus().length} CPUs`);
    } finally {
      await app.close();
    }
  } finally {
    await store.close();
    if (!kept) fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return out;
}
