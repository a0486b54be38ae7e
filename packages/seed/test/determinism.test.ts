import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { generateDirectory } from '../src/index.ts';
import { collect, DOMAIN } from './helpers.ts';

const totals = (run: ReturnType<typeof collect>) => ({
  persons: run.persons.length,
  structures: run.structures.length,
  situations: run.situations.length,
  mailboxes: run.mailboxes.length,
  holders: run.holders.length,
  delegations: run.delegations.length,
});

describe('generateDirectory determinism', () => {
  it('gives the same records for the same seed and size', () => {
    const a = collect({ seed: 7, professionals: 5000, operatorDomain: DOMAIN });
    const b = collect({ seed: 7, professionals: 5000, operatorDomain: DOMAIN });
    assert.deepEqual(a.batches[0], b.batches[0]);
    assert.deepEqual(totals(a), totals(b));
    assert.deepEqual(a.mailboxes, b.mailboxes);
    assert.deepEqual(a.persons, b.persons);
  });

  it('gives different records for different seeds', () => {
    const a = collect({ seed: 1, professionals: 2000, operatorDomain: DOMAIN });
    const b = collect({ seed: 2, professionals: 2000, operatorDomain: DOMAIN });
    assert.notDeepEqual(a.batches[0], b.batches[0]);
    const namesA = a.persons.slice(0, 50).map((p) => `${p.firstName} ${p.lastName}`);
    const namesB = b.persons.slice(0, 50).map((p) => `${p.firstName} ${p.lastName}`);
    const same = namesA.filter((n, i) => n === namesB[i]).length;
    assert.ok(same < 5, `${same} of the first 50 names coincide between seeds 1 and 2`);
    // Neighbouring seeds must not just shift one stream by a step.
    assert.notDeepEqual(
      a.persons.slice(1, 51).map((p) => p.lastName),
      namesB.map((n) => n.split(' ').at(-1)),
    );
  });

  it('does not depend on the batch size (batches are cuts of one stream)', () => {
    const big = collect({ seed: 3, professionals: 3000, operatorDomain: DOMAIN, batchSize: 1000 });
    const small = collect({ seed: 3, professionals: 3000, operatorDomain: DOMAIN, batchSize: 333 });
    assert.ok(small.batches.length > big.batches.length);
    assert.deepEqual(small.persons, big.persons);
    assert.deepEqual(small.situations, big.situations);
    assert.deepEqual(small.mailboxes, big.mailboxes);
    assert.deepEqual(small.holders, big.holders);
    assert.deepEqual(small.delegations, big.delegations);
  });

  it('folds the operator domain to lower case and uses it in every address', () => {
    const run = collect({ seed: 5, professionals: 300, operatorDomain: 'Operateur.MSSante.fr' });
    assert.ok(run.mailboxes.length > 100);
    for (const m of run.mailboxes) assert.ok(m.address.endsWith('@operateur.mssante.fr'), m.address);
  });

  it('rejects bad options before producing anything', () => {
    const first = (opts: Parameters<typeof generateDirectory>[0]) => generateDirectory(opts).next();
    assert.throws(() => first({ seed: 1, professionals: -1, operatorDomain: DOMAIN }), RangeError);
    assert.throws(() => first({ seed: 1, professionals: 1.5, operatorDomain: DOMAIN }), RangeError);
    assert.throws(() => first({ seed: Number.NaN, professionals: 10, operatorDomain: DOMAIN }), RangeError);
    assert.throws(() => first({ seed: 1, professionals: 10, operatorDomain: DOMAIN, batchSize: 0 }), RangeError);
    assert.throws(() => first({ seed: 1, professionals: 10, operatorDomain: 'not a domain' }), RangeError);
    assert.throws(() => first({ seed: 1, professionals: 10, operatorDomain: 'localhost' }), RangeError);
  });
});
