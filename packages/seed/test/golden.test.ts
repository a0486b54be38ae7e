// The seeded data itself, pinned by digest: the same seed gives these very records, release after
// release, so that a sandbox's directory, its patients and every figure measured on them stay
// comparable. A refactoring of the generators that changes the order in which they draw from
// their random stream changes the data, and fails here; a deliberate change of the data updates
// the digests in the same commit, and says why.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { generateDirectory, generatePatients } from '../src/index.ts';
import { DOMAIN } from './helpers.ts';

const digest = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex');

test('the directory of seed 1 (30,000 professionals, with its patients) is the one pinned', () => {
  const batches = [...generateDirectory({ seed: 1, professionals: 30000, operatorDomain: DOMAIN })];
  assert.equal(digest(batches), GOLDEN.directory);
});

test('the MES patients of the sandbox (seed 42, 3,000) and of the tests (seed 7, 200) are the ones pinned', () => {
  assert.equal(digest(generatePatients({ seed: 42, count: 3000 })), GOLDEN.patients42);
  assert.equal(digest(generatePatients({ seed: 7, count: 200 })), GOLDEN.patients7);
});

const GOLDEN = {
  directory: '143c542e51ee0e5b63ca8831181d69a59ef60fd8643f8e6cdc9d09941c1c04a2',
  patients42: '1a401df2088a8a9c1cffc4353feb51855749c95682d3bdd5a1879e3efaa330f8',
  patients7: '41e604b93e2e7fe52e5892339808049d1e4cc100642f222299d5d9267b646bc3',
};
