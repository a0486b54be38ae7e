// What SEARCH, SORT and THREAD read of a message's fields: the Date field's own day (RFC 3501
// §6.4.4), the base subject (RFC 5256 §2.1), msg-id lists (RFC 5322 §3.6.4) and addresses with
// comments inside them (RFC 5322 §3.4.1).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { addressesForSearch, baseSubject, messageIds, parseMessageDate } from '../src/index.ts';

describe('Date field (RFC 5322 §3.3)', () => {
  test('the day as written in its own zone, and the instant', () => {
    const d = parseMessageDate('Mon, 26 Mar 2007 00:00:00 +0300')!;
    assert.deepEqual({ year: d.year, month: d.month, day: d.day, offset: d.offsetMinutes }, { year: 2007, month: 3, day: 26, offset: 180 });
    assert.equal(new Date(d.epochMs).toISOString(), '2007-03-25T21:00:00.000Z', 'UTC is the day before');
    const late = parseMessageDate('Sun, 25 Mar 2007 23:30:00 -0500')!;
    assert.equal(late.day, 25);
    assert.equal(new Date(late.epochMs).toISOString(), '2007-03-26T04:30:00.000Z');
  });

  test('obsolete forms (RFC 5322 §4.3): no weekday, two-digit years, zone names, comments, no seconds', () => {
    assert.equal(new Date(parseMessageDate('1 Jan 99 10:00 EST')!.epochMs).toISOString(), '1999-01-01T15:00:00.000Z');
    assert.equal(parseMessageDate('1 Jan 49 10:00:00 GMT')!.year, 2049);
    assert.equal(parseMessageDate('1 Jan 103 10:00:00 +0000')!.year, 2003);
    const commented = parseMessageDate('Tue (mardi), 4 (quatre) Feb 2025 08:15:00 +0100 (CET)')!;
    assert.deepEqual([commented.year, commented.month, commented.day], [2025, 2, 4]);
    assert.equal(parseMessageDate('4 Feb 2025 08:15:00')!.offsetMinutes, 0, 'no zone: taken as -0000');
  });

  test('what is not a date: null', () => {
    assert.equal(parseMessageDate('yesterday'), null);
    assert.equal(parseMessageDate('31 Feb 2025 10:00:00 +0000'), null);
    assert.equal(parseMessageDate('1 Foo 2025 10:00:00 +0000'), null);
    assert.equal(parseMessageDate('1 Jan 2025 25:00:00 +0000'), null);
  });
});

describe('base subject (RFC 5256 §2.1)', () => {
  const cases: [string, string, boolean][] = [
    ['Hello', 'Hello', false],
    ['Re: Hello', 'Hello', true],
    ['RE:  Re: re:Hello', 'Hello', true],
    ['Fwd: Hello', 'Hello', true],
    ['FW: Hello', 'Hello', true],
    ['Re[2]: Hello', 'Hello', true],
    ['Re [2]: Hello', 'Hello', true],
    ['[list] Re: Hello', 'Hello', true],
    ['[list] Hello', 'Hello', false],
    ['[list]', '[list]', false],
    ['[a][b] Hello', 'Hello', false],
    ['Hello (fwd)', 'Hello', true],
    ['Hello (FWD) (fwd)  ', 'Hello', true],
    ['[Fwd: Re: Hello]', 'Hello', true],
    ['[fwd: [fwd: Hello (fwd)]]', 'Hello', true],
    ['Re:', '', true],
    ['  \t Hello\t  world  ', 'Hello world', false],
    ['Réunion: ordre du jour', 'Réunion: ordre du jour', false],
    ['Refus: x', 'Refus: x', false],
    ['Fwdx: y', 'Fwdx: y', false],
  ];
  for (const [subject, base, reply] of cases) {
    test(JSON.stringify(subject), () => assert.deepEqual(baseSubject(subject), { base, replyOrForward: reply }));
  }
  test('absent subject: empty', () => assert.deepEqual(baseSubject(null), { base: '', replyOrForward: false }));

  test('properties: idempotent; a Re: or (fwd) added changes only the reply mark', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'B', ' ', '\t', '[', ']', ':', 'r', 'e', 'f', 'w', 'd', '(', ')', 'é') });
    fc.assert(
      fc.property(text, (s) => {
        const once = baseSubject(s).base;
        assert.equal(baseSubject(once).base, once);
        assert.equal(baseSubject(`Re: ${s}`).base, once);
        assert.equal(baseSubject(`Re: ${s}`).replyOrForward, true);
        assert.equal(baseSubject(`${s} (fwd)`).base, once);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('msg-id lists (RFC 5322 §3.6.4)', () => {
  test('in order, brackets off, comments and phrases skipped, folding inside an id removed', () => {
    assert.deepEqual(messageIds('<a@x> (first)\r\n <b@y>  <c@z>'), ['a@x', 'b@y', 'c@z']);
    assert.deepEqual(messageIds('Your message of Monday <m1@h.fr>'), ['m1@h.fr']);
    assert.deepEqual(messageIds('<not-an-id> <ok@x>'), ['ok@x']);
    assert.deepEqual(messageIds('(<hidden@x>) <seen@x>'), ['seen@x']);
    assert.deepEqual(messageIds('<long.part\r\n .continued@x>'), ['long.part.continued@x']);
    assert.deepEqual(messageIds(null), []);
  });
});

describe('addresses for SEARCH FROM/TO/CC/BCC (RFC 5322 §3.4.1 CFWS)', () => {
  test('comments inside an address are not part of it', () => {
    assert.deepEqual(addressesForSearch('<user-from (comment)@ (comment) domain.org>'), ['<user-from@domain.org>']);
    assert.deepEqual(addressesForSearch('"Real Name" <user-to@domain.org>, user-cc@domain.org (Real Name)'), [
      'Real Name <user-to@domain.org>',
      'Real Name <user-cc@domain.org>',
    ]);
    assert.deepEqual(addressesForSearch('Team: a@x, (c) b @ y ;'), ['<a@x>', 'c <b@y>'], 'a comment stands for a missing name');
  });
});
