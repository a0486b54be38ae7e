// Modified UTF-7 mailbox names, IMAP dates, sequence sets: examples and properties.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  ParseError,
  compactSequenceSet,
  decodeMailboxName,
  encodeMailboxName,
  formatDateTime,
  formatSearchDate,
  formatSequenceSet,
  parseDateTime,
  parseSearchDate,
  parseSequenceSet,
  resolveSequenceSet,
} from '../src/index.ts';

const unicode = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom('&', '-', 'A', ',', '+', '/', ' ', 'é', '中', '\u{1F4E8}', '\0', '~') }),
  fc.string(),
);

describe('modified UTF-7 (RFC 3501 §5.1.3)', () => {
  test('examples', () => {
    assert.equal(encodeMailboxName('été'), '&AOk-t&AOk-');
    assert.equal(decodeMailboxName('&AOk-t&AOk-'), 'été');
    assert.equal(encodeMailboxName('~peter/mail/台北/日本語'), '~peter/mail/&U,BTFw-/&ZeVnLIqe-');
    assert.equal(decodeMailboxName('~peter/mail/&U,BTFw-/&ZeVnLIqe-'), '~peter/mail/台北/日本語');
    assert.equal(encodeMailboxName('Q&A'), 'Q&-A');
    assert.equal(encodeMailboxName('📨'), '&2D3c6A-');
    assert.equal(decodeMailboxName('&2D3c6A-'), '📨');
    assert.equal(encodeMailboxName('\ud800'), encodeMailboxName('\ufffd'));
  });

  test('non-canonical or broken forms are refused', () => {
    for (const bad of ['&AOk', '&AGE-', '&AOk-&AOk-', '&A-', '&AOl-', '&2D0-', '&3Mg-', 'a\x7fb', 'é', '&AO/-', '&AOk=-']) {
      assert.equal(decodeMailboxName(bad), null, bad);
    }
  });

  test('round trip for any Unicode (property)', () => {
    fc.assert(
      fc.property(unicode, (s) => {
        const wire = encodeMailboxName(s);
        assert.match(wire, /^[\x20-\x7e]*$/);
        assert.equal(decodeMailboxName(wire), s.toWellFormed());
      }),
      { numRuns: 2000 },
    );
  });

  test('whatever decodes is canonical (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('&', '-', 'A', 'O', 'k', ',', '+', '2', 'D', 'c', 'y', 'a') }), (s) => {
        const decoded = decodeMailboxName(s);
        if (decoded !== null) assert.equal(encodeMailboxName(decoded), s);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('dates', () => {
  test('date-time: the RFC example, space-padded days, zones', () => {
    const parsed = parseDateTime('17-Jul-1996 02:44:25 -0700');
    assert.equal(parsed?.date.toISOString(), '1996-07-17T09:44:25.000Z');
    assert.equal(formatDateTime(parsed!.date, parsed!.offsetMinutes), '17-Jul-1996 02:44:25 -0700');
    assert.equal(formatDateTime(new Date('2026-03-05T23:30:00Z')), ' 5-Mar-2026 23:30:00 +0000');
    assert.equal(formatDateTime(new Date('2026-03-05T23:30:00Z'), 90), ' 6-Mar-2026 01:00:00 +0130');
    assert.equal(parseDateTime(' 5-mar-2026 23:30:00 +0000')?.date.toISOString(), '2026-03-05T23:30:00.000Z');
    for (const bad of [
      '32-Jan-2020 00:00:00 +0000',
      '29-Feb-2023 00:00:00 +0000',
      '1-Foo-2020 00:00:00 +0000',
      '01-Jan-2020 24:00:00 +0000',
      '01-Jan-2020 00:00:00 +0060',
      '01-Jan-2020 00:00:00',
      '',
    ]) {
      assert.equal(parseDateTime(bad), null, bad);
    }
  });

  test('date-time round trip (property)', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-30T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: -1439, max: 1439 }),
        (d, offset) => {
          const date = new Date(Math.floor(d.getTime() / 1000) * 1000);
          const back = parseDateTime(formatDateTime(date, offset));
          assert.equal(back?.date.getTime(), date.getTime());
          assert.equal(back?.offsetMinutes, offset);
        },
      ),
    );
  });

  test('search dates', () => {
    assert.deepEqual(parseSearchDate('1-Feb-1994'), { year: 1994, month: 2, day: 1 });
    assert.deepEqual(parseSearchDate('29-feb-2024'), { year: 2024, month: 2, day: 29 });
    assert.equal(parseSearchDate('29-Feb-2023'), null);
    assert.equal(parseSearchDate('1-Feb-94'), null);
    assert.equal(formatSearchDate({ year: 1994, month: 2, day: 1 }), '1-Feb-1994');
  });
});

describe('sequence sets', () => {
  test('resolution: *, reversed ranges, overlaps', () => {
    assert.equal(resolveSequenceSet(parseSequenceSet('1:*'), 10).toString(), '1:10');
    assert.equal(resolveSequenceSet(parseSequenceSet('*:1'), 10).toString(), '1:10');
    assert.equal(resolveSequenceSet(parseSequenceSet('559:*'), 10).toString(), '10:559');
    assert.equal(resolveSequenceSet(parseSequenceSet('9:7,1,2,3,5:6,8,20'), 30).toString(), '1:3,5:9,20');
    assert.equal(resolveSequenceSet(parseSequenceSet('*'), 0).clamp(0).isEmpty, true);
  });

  test('membership and size never expand a range', () => {
    const set = resolveSequenceSet(parseSequenceSet('1:4294967295'), 5);
    assert.equal(set.has(4294967295), true);
    assert.equal(set.has(0), false);
    assert.equal(set.size, 4294967295);
    const clamped = set.clamp(5);
    assert.deepEqual([...clamped.values()], [1, 2, 3, 4, 5]);
    assert.equal(clamped.min, 1);
    assert.equal(clamped.max, 5);
    assert.deepEqual(resolveSequenceSet(parseSequenceSet('3,1'), 9).ranges(), [
      [1, 1],
      [3, 3],
    ]);
  });

  test('compact formatting keeps order', () => {
    assert.equal(compactSequenceSet([1, 2, 3, 5, 7, 8, 9]), '1:3,5,7:9');
    assert.equal(compactSequenceSet([]), '');
    assert.equal(compactSequenceSet([4, 5, 1]), '4:5,1');
  });

  test('$ is refused', () => {
    assert.throws(() => parseSequenceSet('$'), ParseError);
  });

  const seqNumber = fc.oneof(fc.integer({ min: 1, max: 4294967295 }), fc.constant('*' as const));
  const sequenceSet = fc
    .array(fc.tuple(seqNumber, seqNumber, fc.boolean()), { minLength: 1, maxLength: 20 })
    .map((items) => ({ ranges: items.map(([from, to, single]) => ({ from, to: single ? from : to })) }));

  test('format → parse round trip (property)', () => {
    fc.assert(
      fc.property(sequenceSet, (set) => {
        assert.deepEqual(parseSequenceSet(formatSequenceSet(set)), set);
      }),
    );
  });

  test('compact → parse → resolve gives the numbers back (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 300 }), { minLength: 1 }), (numbers) => {
        const sorted = numbers.sort((a, b) => a - b);
        const set = resolveSequenceSet(parseSequenceSet(compactSequenceSet(sorted)), 300);
        assert.deepEqual([...set.values()], sorted);
        assert.equal(set.size, sorted.length);
      }),
    );
  });

  test('has() agrees with the naive expansion (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 60 })), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 60 }),
        (pairs, max) => {
          const set = resolveSequenceSet({ ranges: pairs.map(([from, to]) => ({ from, to })) }, max);
          const naive = new Set(pairs.flatMap(([a, b]) => Array.from({ length: Math.abs(a - b) + 1 }, (_, i) => Math.min(a, b) + i)));
          for (let n = 0; n <= 61; n++) assert.equal(set.has(n), naive.has(n), `n=${n}`);
          assert.equal(set.size, naive.size);
        },
      ),
    );
  });
});
