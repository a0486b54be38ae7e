// Property-based fuzzing of the archive and XML readers (R-DOC-1), a few hundred cases per run;
// bench/xdm-fuzz.ts (`npm run fuzz:xdm`) runs the same properties over ≥10,000.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { before, describe, test } from 'node:test';
import { craftedArchive, generatedXml, mutateXml, mutate, mutations, readArchive, readDocument, SEEDS, xmlEdits } from './support/fuzz.ts';

const RUNS = 150;

describe('fuzzing: never a crash, only a result or a typed refusal (R-DOC-1)', () => {
  let archives: Buffer[] = [];
  before(async () => {
    archives = await SEEDS.archives();
  });

  test('mutated IHE_XDM archives', async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.nat(), mutations, async (i, m) => {
        seen.add(await readArchive(mutate(archives[i % archives.length]!, m)));
      }),
      { numRuns: RUNS },
    );
    assert.ok(seen.has('refused'), 'some mutations must be refused, or the generator is not doing its job');
  });

  test('crafted archives (names, flags, methods, kinds, declared sizes chosen at random)', async () => {
    await fc.assert(
      fc.asyncProperty(craftedArchive, async (zip) => void (await readArchive(zip))),
      { numRuns: RUNS },
    );
  });

  test('mutated CDA documents and generated XML', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), xmlEdits, async (i, edits) => {
        await readDocument(mutateXml(SEEDS.documents[i % SEEDS.documents.length]!, edits));
      }),
      { numRuns: RUNS },
    );
    await fc.assert(
      fc.asyncProperty(generatedXml, async (xml) => void (await readDocument(Buffer.from(xml)))),
      { numRuns: RUNS },
    );
  });
});
