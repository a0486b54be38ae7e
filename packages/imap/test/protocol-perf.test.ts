// Performance sanity, not a timing assertion: 100,000 FETCH commands framed and parsed, the
// rate reported as a test diagnostic.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Framer, parseCommand } from '../src/index.ts';

const SHAPES = [
  (i: number) =>
    `A${i} UID FETCH ${i}:${i + 50} (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (From To Subject Date Message-ID)])`,
  (i: number) => `A${i} FETCH ${i} (FLAGS BODY.PEEK[])`,
  (i: number) => `A${i} UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${i})`,
  (i: number) => `A${i} FETCH ${i}:* ALL`,
  (i: number) => `A${i} UID FETCH ${i},${i + 2}:${i + 9} (ENVELOPE BODYSTRUCTURE BODY.PEEK[1.2]<0.2048>)`,
];

test('100,000 FETCH commands are framed and parsed', (t) => {
  const count = 100_000;
  const stream = Buffer.from(Array.from({ length: count }, (_, i) => `${SHAPES[i % SHAPES.length]!(i + 1)}\r\n`).join(''));
  const framer = new Framer();
  const started = process.hrtime.bigint();
  let parsed = 0;
  for (let off = 0; off < stream.length; off += 64 * 1024) {
    framer.push(stream.subarray(off, off + 64 * 1024));
    for (let e = framer.next(); e; e = framer.next()) {
      assert.equal(e.type, 'command');
      if (e.type === 'command' && parseCommand(e.command).command === 'FETCH') parsed++;
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  assert.equal(parsed, count);
  t.diagnostic(
    `${count} FETCH commands (${(stream.length / 1e6).toFixed(1)} MB) in ${seconds.toFixed(3)} s: ` +
      `${Math.round(count / seconds).toLocaleString('en')} commands/s`,
  );
});
