// Measures the generation time of a large directory (no test runner, no assertions):
//   node packages/seed/test/measure.ts [professionals] [seed]
import { generateDirectory } from '../src/index.ts';

const professionals = Number(process.argv[2] ?? 200_000);
const seed = Number(process.argv[3] ?? 1);
const counts = { persons: 0, structures: 0, situations: 0, mailboxes: 0, holders: 0, delegations: 0, batches: 0 };
const started = performance.now();
for (const batch of generateDirectory({ seed, professionals, operatorDomain: 'operateur.mssante.fr' })) {
  counts.batches++;
  counts.persons += batch.persons.length;
  counts.structures += batch.structures.length;
  counts.situations += batch.situations.length;
  counts.mailboxes += batch.mailboxes.length;
  counts.holders += batch.holders.length;
  counts.delegations += batch.delegations.length;
}
const ms = performance.now() - started;
console.log(
  JSON.stringify({ professionals, seed, ms: Math.round(ms), ...counts, heapMB: Math.round(process.memoryUsage().heapUsed / 1e6) }),
);
