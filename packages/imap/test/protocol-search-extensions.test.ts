// The grammar of SEARCH RETURN (RFC 4731 §3.1), SORT and THREAD (RFC 5256 §5), OLDER/YOUNGER
// (RFC 5032 §3), and the ESEARCH, SORT and THREAD response lines (RFC 4731 §3.2, RFC 5256 §4).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CommandArgs, type CommandOf, esearchResponse, searchResponse, sortResponse } from '../src/index.ts';
import { parse, parseError } from './support/protocol.ts';

function args<K extends 'SEARCH' | 'SORT' | 'THREAD'>(name: K, text: string): CommandArgs[K] {
  const cmd = parse(text);
  assert.equal(cmd.command, name);
  return cmd.args as CommandArgs[K];
}

describe('SEARCH RETURN (RFC 4731 §3.1)', () => {
  test('options, in any order and case; RETURN () is ALL; CHARSET after RETURN', () => {
    assert.deepEqual(args('SEARCH', 'A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"').return, {
      min: true,
      max: false,
      all: false,
      count: true,
    });
    assert.deepEqual(args('SEARCH', 'A283 SEARCH RETURN () FLAGGED').return, { min: false, max: false, all: true, count: false });
    const withCharset = args('SEARCH', 'a UID SEARCH return (all max) CHARSET UTF-8 ALL');
    assert.deepEqual(withCharset.return, { min: false, max: true, all: true, count: false });
    assert.equal(withCharset.charset, 'UTF-8');
    assert.equal(args('SEARCH', 'a SEARCH ALL').return, null, 'no RETURN: a classic SEARCH');
  });

  test('unknown options (SAVE: SEARCHRES is not offered) and bad syntax are BAD', () => {
    assert.equal(parseError('a SEARCH RETURN (SAVE) ALL').message, 'Unknown RETURN option SAVE');
    assert.equal(parseError('a SEARCH RETURN MIN ALL').message, 'Expected RETURN options');
    assert.equal(parseError('a SEARCH RETURN (MIN)').message, 'Missing arguments');
  });
});

describe('WITHIN (RFC 5032 §3)', () => {
  test('OLDER and YOUNGER take a positive number of seconds', () => {
    assert.deepEqual(args('SEARCH', 'a SEARCH YOUNGER 3600 NOT OLDER 60').criteria, [
      { key: 'YOUNGER', seconds: 3600 },
      { key: 'NOT', operand: { key: 'OLDER', seconds: 60 } },
    ]);
    assert.match(parseError('a SEARCH OLDER 0').message, /zero/);
    assert.match(parseError('a SEARCH YOUNGER x').message, /Expected an interval/);
  });
});

describe('SORT and THREAD (RFC 5256 §5)', () => {
  test('SORT: criteria list with REVERSE, mandatory charset, search keys; UID SORT', () => {
    const a = args('SORT', 'A282 SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994');
    assert.deepEqual(a.sort, [{ key: 'SUBJECT', reverse: false }]);
    assert.equal(a.charset, 'UTF-8');
    assert.deepEqual(a.criteria, [{ key: 'SINCE', date: { year: 1994, month: 2, day: 1 } }]);
    const b = parse('A283 UID SORT (reverse arrival CC date FROM size REVERSE subject TO) "us-ascii" ALL') as CommandOf<'SORT'>;
    assert.equal(b.uid, true);
    assert.deepEqual(
      b.args.sort.map((c) => `${c.reverse ? '-' : ''}${c.key}`),
      ['-ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', '-SUBJECT', 'TO'],
    );
    assert.equal(b.args.charset, 'US-ASCII');
  });

  test('SORT errors: empty criteria, unknown key, REVERSE alone, missing charset', () => {
    assert.equal(parseError('a SORT () UTF-8 ALL').message, 'Expected sort criteria: empty list');
    assert.equal(parseError('a SORT (NAME) UTF-8 ALL').message, 'Unknown sort key NAME');
    assert.match(parseError('a SORT (REVERSE) UTF-8 ALL').message, /Expected a space/);
    assert.match(parseError('a SORT (DATE) ALL').message, /Missing arguments/);
  });

  test('THREAD: algorithm, charset, criteria; unknown algorithm is BAD', () => {
    const t = parse('A283 UID THREAD references UTF-8 SINCE 5-MAR-2000') as CommandOf<'THREAD'>;
    assert.equal(t.uid, true);
    assert.equal(t.args.algorithm, 'REFERENCES');
    assert.equal(args('THREAD', 'a THREAD ORDEREDSUBJECT US-ASCII ALL').algorithm, 'ORDEREDSUBJECT');
    assert.equal(parseError('a THREAD REFS UTF-8 ALL').message, 'Unknown threading algorithm REFS');
  });
});

describe('responses', () => {
  const none = { min: false, max: false, all: false, count: false };
  test('ESEARCH (RFC 4731 §3.2): tag, UID, the items asked for; nothing but COUNT 0 when no match', () => {
    const text = (r: Parameters<typeof esearchResponse>[0]) => esearchResponse(r).toString('latin1');
    assert.equal(
      text({ tag: 'A282', uid: false, matches: [2, 10, 11], options: { ...none, min: true, count: true }, modseq: null }),
      '* ESEARCH (TAG "A282") MIN 2 COUNT 3\r\n',
    );
    assert.equal(
      text({ tag: 'A283', uid: false, matches: [2, 10, 11], options: { ...none, all: true }, modseq: null }),
      '* ESEARCH (TAG "A283") ALL 2,10:11\r\n',
    );
    assert.equal(
      text({ tag: 'A285', uid: true, matches: [7, 9, 3800], options: { ...none, min: true, max: true }, modseq: null }),
      '* ESEARCH (TAG "A285") UID MIN 7 MAX 3800\r\n',
    );
    assert.equal(
      text({ tag: 'A286', uid: false, matches: [], options: { min: true, max: true, all: true, count: true }, modseq: 5 }),
      '* ESEARCH (TAG "A286") COUNT 0\r\n',
    );
    assert.equal(
      text({ tag: 'A287', uid: false, matches: [], options: { ...none, all: true }, modseq: null }),
      '* ESEARCH (TAG "A287")\r\n',
    );
    assert.equal(
      text({ tag: 'a', uid: false, matches: [1, 2, 3, 5], options: { ...none, all: true }, modseq: 1236 }),
      '* ESEARCH (TAG "a") ALL 1:3,5 MODSEQ 1236\r\n',
      'RFC 7162 §3.1.5',
    );
  });

  test('SEARCH and SORT lines', () => {
    assert.equal(searchResponse([]).toString(), '* SEARCH\r\n');
    assert.equal(searchResponse([2, 84, 882], 917162500).toString(), '* SEARCH 2 84 882 (MODSEQ 917162500)\r\n');
    assert.equal(sortResponse([5, 3, 4, 1, 2]).toString(), '* SORT 5 3 4 1 2\r\n');
    assert.equal(sortResponse([]).toString(), '* SORT\r\n');
  });
});
