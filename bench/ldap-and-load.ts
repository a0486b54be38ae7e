/**
 * The third LDAP search kind of the Annuaire issue, which the shared driver has not: a 3-term AND
 * as an address book sends it, `(&(objectClass=inetOrgPerson)(sn=<surname>)(givenName=<given>))`,
 * names drawn from existing addresses of `gen-ldif.py N --mails` (given.surname[k]@…). Same shape
 * as `ldap-load.mjs`: WORKERS threads share CONNS persistent anonymous connections for DURATION s.
 *
 *   node bench/ldap-and-load.ts HOST PORT      env MAILS=file DURATION=5 CONNS=16 WORKERS=2
 * Prints one TSV line: kind conns seconds searches searches_per_s entries_per_search p50_ms p99_ms errors
 */
import { readFileSync } from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Client } from 'ldapts';

const BASE = 'ou=bal,o=mssante,c=fr';

interface Result {
  ops: number;
  errs: number;
  entries: number;
  lat: number[];
  elapsed: number;
}

if (isMainThread) {
  const [host, port] = process.argv.slice(2);
  if (!host || !port || !/^(127\.|localhost$)/.test(host)) {
    process.stderr.write('usage: node bench/ldap-and-load.ts 127.0.0.1 PORT (loopback only)\n');
    process.exit(2);
  }
  const seconds = Number(process.env.DURATION ?? 5);
  const conns = Number(process.env.CONNS ?? 16);
  const workers = Math.min(Number(process.env.WORKERS ?? 2), conns);
  const names = readFileSync(process.env.MAILS!, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((m) => {
      const [given, surname] = m.split('@')[0]!.split('.');
      return [surname!.replace(/\d+$/, ''), given!] as const;
    });
  const ws = Array.from(
    { length: workers },
    (_, i) =>
      new Worker(new URL(import.meta.url), {
        workerData: { host, port, n: Math.floor(conns / workers) + (i < conns % workers ? 1 : 0), names, seconds },
      }),
  );
  let ready = 0;
  const results: Result[] = [];
  for (const w of ws) {
    w.on('message', (m: 'ready' | Result) => {
      if (m === 'ready') {
        if (++ready === ws.length) for (const x of ws) x.postMessage('go');
        return;
      }
      results.push(m);
      if (results.length < ws.length) return;
      const dt = Math.max(...results.map((r) => r.elapsed)) / 1000;
      const ops = results.reduce((a, r) => a + r.ops, 0);
      const lat = Float64Array.from(results.flatMap((r) => r.lat)).sort();
      const p = (q: number): string => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(q * lat.length))]!.toFixed(2) : 'nan');
      const entries = results.reduce((a, r) => a + r.entries, 0);
      const errs = results.reduce((a, r) => a + r.errs, 0);
      process.stdout.write(
        `${['and3', conns, dt.toFixed(2), ops, (ops / dt).toFixed(1), (ops ? entries / ops : 0).toFixed(1), p(0.5), p(0.99), errs].join('\t')}\n`,
      );
      process.exit(0);
    });
  }
} else {
  const { host, port, n, names, seconds } = workerData as {
    host: string;
    port: string;
    n: number;
    names: [string, string][];
    seconds: number;
  };
  const clients = await Promise.all(
    Array.from({ length: n }, async () => {
      const c = new Client({ url: `ldap://${host}:${port}`, timeout: 10_000, connectTimeout: 5000 });
      await c.search(BASE, { scope: 'base', attributes: ['1.1'] });
      return c;
    }),
  );
  parentPort!.postMessage('ready');
  parentPort!.once('message', async () => {
    const r: Result = { ops: 0, errs: 0, entries: 0, lat: [], elapsed: 0 };
    const start = performance.now();
    const end = start + seconds * 1000;
    await Promise.all(
      clients.map(async (c) => {
        while (performance.now() < end) {
          const [sn, given] = names[Math.floor(Math.random() * names.length)]!;
          const t = performance.now();
          try {
            const { searchEntries } = await c.search(BASE, {
              scope: 'sub',
              filter: `(&(objectClass=inetOrgPerson)(sn=${sn})(givenName=${given}))`,
              sizeLimit: 100,
              attributes: ['cn', 'mail', 'uid', 'sn', 'givenName'],
            });
            r.entries += searchEntries.length;
            r.ops++;
            r.lat.push(performance.now() - t);
          } catch {
            r.errs++;
          }
        }
      }),
    );
    r.elapsed = performance.now() - start;
    await Promise.all(clients.map((c) => c.unbind().catch(() => undefined)));
    parentPort!.postMessage(r);
  });
}
