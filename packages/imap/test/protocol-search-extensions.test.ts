// The grammar of SEARCH RETURN (RFC 4731 §3.1), SORT and THREAD (RFC 5256 §5), OLDER/YOUNGER
// (RFC 5032 §3), and the ESEARCH, SORT and THREAD response lines (RFC 4731 §3.2, RFC 5256 §4).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { esearchResponse, searchResponse, sortResponse } from '../src/index.ts';

describe('responses', () => {
  const none = { min: false, max: false, all: false, count: false };
  test('ESEARCH (RFC 4731 §3.2): tag, UID, the items asked for; nothing but COUNT 0 when no match', () => {
    const text = (r: Parameters<typeof esearchResponse>[0]) => esearchResponse(r).toString('latin1');
    assert.equal(text({ tag: 'A282', uid: false, matches: [2, 10, 11], options: { ...none, min: true, count: true }, modseq: null }), '* ESEARCH (TAG "A282") MIN 2 COUNT 3\r\n');
    assert.equal(text({ tag: 'A283', uid: false, matches: [2, 10, 11], options: { ...none, all: true }, modseq: null }), '* ESEARCH (TAG "A283") ALL 2,10:11\r\n');
    assert.equal(text({ tag: 'A285', uid: true, matches: [7, 9, 3800], options: { ...none, min: true, max: true }, modseq: null }), '* ESEARCH (TAG "A285") UID MIN 7 MAX 3800\r\n');
    assert.equal(text({ tag: 'A286', uid: false, matches: [], options: { min: true, max: true, all: true, count: true }, modseq: 5 }), '* ESEARCH (TAG "A286") COUNT 0\r\n');
    assert.equal(text({ tag: 'A287', uid: false, matches: [], options: { ...none, all: true }, modseq: null }), '* ESEARCH (TAG "A287")\r\n');
    assert.equal(text({ tag: 'a', uid: false, matches: [1, 2, 3, 5], options: { ...none, all: true }, modseq: 1236 }), '* ESEARCH (TAG "a") ALL 1:3,5 MODSEQ 1236\r\n', 'RFC 7162 §3.1.5');
  });

  test('SEARCH and SORT lines', () => {
    assert.equal(searchResponse([]).toString(), '* SEARCH\r\n');
    assert.equal(searchResponse([2, 84, 882], 917162500).toString(), '* SEARCH 2 84 882 (MODSEQ 917162500)\r\n');
    assert.equal(sortResponse([5, 3, 4, 1, 2]).toString(), '* SORT 5 3 4 1 2\r\n');
    assert.equal(sortResponse([]).toString(), '* SORT\r\n');
  });
});
