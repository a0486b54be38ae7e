// `npm run fuzz:xdm [-- --runs N --seed S]`: property-based fuzzing of @mss/xdm's readers (R-DOC-1)
// over N (default 10,000) archives — half mutated from real IHE_XDM archives, half crafted
// entry by entry — and N XML documents — half mutated CDA, half generated trees. Every case must
// give a result or an UnsafeArchiveError; the script prints what it saw, the slowest case and the
// peak memory, and exits 1 on the first other exception (with fast-check's seed to replay it).

import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  craftedArchive,
  generatedXml,
  mutate,
  mutateXml,
  mutations,
  readArchive,
  readDocument,
  SEEDS,
  xmlEdits,
} from '../packages/xdm/test/support/fuzz.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10000' }, seed: { type: 'string' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 4) throw new Error('--runs must be an integer ≥ 4');
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);

const stats = { read: 0, refused: 0, slowestMs: 0, peakRssMiB: 0, peakHeapMiB: 0 };
async function timed(run: () => Promise<'read' | 'refused'>): Promise<void> {
  const t = performance.now();
  stats[await run()]++;
  stats.slowestMs = Math.max(stats.slowestMs, performance.now() - t);
  const m = process.memoryUsage();
  stats.peakRssMiB = Math.max(stats.peakRssMiB, m.rss / 2 ** 20);
  stats.peakHeapMiB = Math.max(stats.peakHeapMiB, (m.heapUsed + m.arrayBuffers) / 2 ** 20);
}

const archives = await SEEDS.archives();
const half = Math.floor(runs / 2);
const started = performance.now();
const params = (numRuns: number) => ({ numRuns, seed, endOnFailure: true });
try {
  await fc.assert(
    fc.asyncProperty(fc.nat(), mutations, (i, m) => timed(() => readArchive(mutate(archives[i % archives.length]!, m)))),
    params(half),
  );
  await fc.assert(
    fc.asyncProperty(craftedArchive, (zip) => timed(() => readArchive(zip))),
    params(runs - half),
  );
  await fc.assert(
    fc.asyncProperty(fc.nat(), xmlEdits, (i, e) => timed(() => readDocument(mutateXml(SEEDS.documents[i % SEEDS.documents.length]!, e)))),
    params(half),
  );
  await fc.assert(
    fc.asyncProperty(generatedXml, (xml) => timed(() => readDocument(Buffer.from(xml)))),
    params(runs - half),
  );
} catch (err) {
  console.error(`fuzz:xdm FAILED (seed ${seed}):`, err instanceof Error ? err.message : err);
  process.exit(1);
}
const seconds = (performance.now() - started) / 1000;
console.log(
  [
    `fuzz:xdm seed=${seed} archives=${runs} xml=${runs} total=${2 * runs}`,
    `read=${stats.read} refused=${stats.refused} (typed UnsafeArchiveError) other-exceptions=0`,
    `slowest case ${stats.slowestMs.toFixed(1)} ms, ${((2 * runs) / seconds).toFixed(0)} cases/s, ${seconds.toFixed(1)} s`,
    `peak RSS ${stats.peakRssMiB.toFixed(0)} MiB, peak heap+buffers ${stats.peakHeapMiB.toFixed(0)} MiB`,
  ].join('\n'),
);
