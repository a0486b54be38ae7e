// Rough throughput of equality searches on mail through ldapts with parallel connections. Not a
// test: run it by hand and read the figures. The clients run in a worker thread so that the
// figure is the server's, not the server's and ldapts' sharing one thread. Two sources: the
// in-memory one (a full scan per search) and a toy index on mail, which shows what the protocol
// layer costs once the source answers from an index.
//   node stand-ins/annuaire/test/support/ldap-throughput.ts [connections] [seconds] [entries]

import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { type LdapEntry, type LdapEntrySource, MemoryEntrySource } from '../../src/index.ts';
import { BAL_BASE, generateEntries, startTestLdap } from './ldap-fixtures.ts';
import { anonymousClient } from './ldapts-raw.ts';

interface Job {
  url: string;
  mails: string[];
  connections: number;
  seconds: number;
}

interface Figures {
  searches: number;
  p50: number;
  p99: number;
}

async function runClients(job: Job): Promise<Figures> {
  const clients = Array.from({ length: job.connections }, () => anonymousClient(job.url));
  await Promise.all(clients.map((client) => client.bind('', '')));
  let searches = 0;
  const latencies: number[] = [];
  const deadline = performance.now() + job.seconds * 1000;
  await Promise.all(
    clients.map(async (client, c) => {
      for (let i = c; performance.now() < deadline; i += job.connections) {
        const started = performance.now();
        const { searchEntries } = await client.search(BAL_BASE, {
          filter: `(mail=${job.mails[i % job.mails.length]})`,
          attributes: ['cn', 'mail'],
        });
        latencies.push(performance.now() - started);
        if (searchEntries.length !== 1) throw new Error('expected one entry');
        searches++;
      }
    }),
  );
  await Promise.all(clients.map((client) => client.unbind()));
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.floor(q * (latencies.length - 1))]!;
  return { searches: searches / job.seconds, p50: at(0.5), p99: at(0.99) };
}

/** Equality on mail from a Map; anything else falls back to the scan. */
function indexedOnMail(entries: LdapEntry[]): LdapEntrySource {
  const scan = new MemoryEntrySource(entries);
  const byMail = new Map(entries.map((entry) => [entry.attributes.mail![0]!.toLowerCase(), entry]));
  return {
    async *search(request) {
      const { filter } = request;
      if (filter.type === 'equalityMatch' && filter.attribute.toLowerCase() === 'mail') {
        const entry = byMail.get(filter.value.toLowerCase());
        if (entry) yield entry;
        return;
      }
      yield* scan.search(request);
    },
  };
}

function inWorker(job: Job): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: job });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

if (isMainThread) {
  const connections = Number(process.argv[2] ?? 8);
  const seconds = Number(process.argv[3] ?? 5);
  const count = Number(process.argv[4] ?? 1000);
  const entries = generateEntries(count);
  const mails = entries.map((entry) => entry.attributes.mail![0]!);
  for (const [name, source] of [
    ['in-memory scan', new MemoryEntrySource(entries)],
    ['toy index on mail', indexedOnMail(entries)],
  ] as const) {
    const ldap = await startTestLdap({ entries, source });
    const figures = await inWorker({ url: ldap.url, mails, connections, seconds });
    console.log(
      `${name}: ${count} entries, ${connections} connections: ${Math.round(figures.searches)} searches/s (p50 ${figures.p50.toFixed(2)} ms, p99 ${figures.p99.toFixed(2)} ms)`,
    );
    await ldap.stop();
  }
} else {
  parentPort!.postMessage(await runClients(workerData as Job));
}
