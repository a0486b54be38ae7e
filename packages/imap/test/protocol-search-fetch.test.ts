// SEARCH criteria (RFC 3501 §6.4.4, RFC 7162 §3.1.5) and FETCH attributes (RFC 3501 §6.4.5,
// RFC 7162 §3.1.4), exactly as parsed.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Command, type CommandOf, parseSequenceSet as seq } from '../src/index.ts';
import { parse, parseError } from './support/protocol.ts';

function search(text: string): CommandOf<'SEARCH'>['args'] {
  const cmd: Command = parse(text);
  assert.equal(cmd.command, 'SEARCH');
  return (cmd as CommandOf<'SEARCH'>).args;
}

function fetch(text: string): CommandOf<'FETCH'>['args'] {
  const cmd: Command = parse(text);
  assert.equal(cmd.command, 'FETCH');
  return (cmd as CommandOf<'FETCH'>).args;
}

describe('SEARCH', () => {
  test('the RFC 3501 examples', () => {
    assert.deepEqual(search('A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"'), {
      charset: null,
      criteria: [
        { key: 'FLAGGED' },
        { key: 'SINCE', date: { year: 1994, month: 2, day: 1 } },
        { key: 'NOT', operand: { key: 'FROM', value: 'Smith' } },
      ],
      return: null,
    });
    assert.deepEqual(search('A283 SEARCH TEXT "string not in mailbox"').criteria, [{ key: 'TEXT', value: 'string not in mailbox' }]);
    const eightBit = Buffer.concat([Buffer.from('A284 SEARCH CHARSET UTF-8 TEXT {5}\r\n'), Buffer.from('été'), Buffer.from('\r\n')]);
    assert.deepEqual(search(eightBit as unknown as string), { charset: 'UTF-8', criteria: [{ key: 'TEXT', value: 'été' }], return: null });
  });

  test('every key of §6.4.4', () => {
    const text =
      'a SEARCH ALL ANSWERED BCC b BEFORE "2-Mar-2020" BODY x CC c DELETED DRAFT FLAGGED FROM f ' +
      'HEADER Message-ID <id@x> KEYWORD $Label LARGER 100 NEW OLD ON 3-Apr-2021 RECENT SEEN ' +
      'SENTBEFORE 1-Jan-2000 SENTON 29-Feb-2024 SENTSINCE 1-Jan-1999 SINCE 31-Dec-1999 SMALLER 5 ' +
      'SUBJECT s TEXT t TO o UID 1:5,7 UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNKEYWORD $Junk UNSEEN 2,4:*';
    const keys = search(text).criteria.map((k) => k.key);
    assert.deepEqual(keys, [
      'ALL',
      'ANSWERED',
      'BCC',
      'BEFORE',
      'BODY',
      'CC',
      'DELETED',
      'DRAFT',
      'FLAGGED',
      'FROM',
      'HEADER',
      'KEYWORD',
      'LARGER',
      'NEW',
      'OLD',
      'ON',
      'RECENT',
      'SEEN',
      'SENTBEFORE',
      'SENTON',
      'SENTSINCE',
      'SINCE',
      'SMALLER',
      'SUBJECT',
      'TEXT',
      'TO',
      'UID',
      'UNANSWERED',
      'UNDELETED',
      'UNDRAFT',
      'UNFLAGGED',
      'UNKEYWORD',
      'UNSEEN',
      'SEQUENCE',
    ]);
    const criteria = search(text).criteria;
    assert.deepEqual(criteria[10], { key: 'HEADER', field: 'Message-ID', value: '<id@x>' });
    assert.deepEqual(criteria[12], { key: 'LARGER', size: 100 });
    assert.deepEqual(criteria[26], { key: 'UID', set: seq('1:5,7') });
    assert.deepEqual(criteria[33], { key: 'SEQUENCE', set: seq('2,4:*') });
  });

  test('OR, NOT and parentheses nest', () => {
    assert.deepEqual(search('a search OR (FROM alice SUBJECT "bilan") NOT (SEEN 1:5) UNDELETED').criteria, [
      {
        key: 'OR',
        left: {
          key: 'AND',
          keys: [
            { key: 'FROM', value: 'alice' },
            { key: 'SUBJECT', value: 'bilan' },
          ],
        },
        right: { key: 'NOT', operand: { key: 'AND', keys: [{ key: 'SEEN' }, { key: 'SEQUENCE', set: seq('1:5') }] } },
      },
      { key: 'UNDELETED' },
    ]);
    assert.deepEqual(search('a SEARCH OR OR SEEN DRAFT NOT NOT ((DELETED))').criteria, [
      {
        key: 'OR',
        left: { key: 'OR', left: { key: 'SEEN' }, right: { key: 'DRAFT' } },
        right: {
          key: 'NOT',
          operand: { key: 'NOT', operand: { key: 'AND', keys: [{ key: 'AND', keys: [{ key: 'DELETED' }] }] } },
        },
      },
    ]);
  });

  test('literals inside SEARCH', () => {
    assert.deepEqual(search('a SEARCH SUBJECT {5}\r\nhello FROM {0}\r\n\r\n').criteria, [
      { key: 'SUBJECT', value: 'hello' },
      { key: 'FROM', value: '' },
    ]);
    assert.deepEqual(search('a SEARCH HEADER {7+}\r\nSubject {4+}\r\n(x))\r\n').criteria, [
      { key: 'HEADER', field: 'Subject', value: '(x))' },
    ]);
  });

  test('MODSEQ (RFC 7162 §3.1.5 examples)', () => {
    assert.deepEqual(search('a SEARCH MODSEQ "/flags/\\\\draft" all 620162338').criteria, [
      { key: 'MODSEQ', modseq: 620162338n, entry: { name: '/flags/\\Draft', type: 'all' } },
    ]);
    assert.deepEqual(search('t SEARCH OR NOT MODSEQ 720162338 LARGER 50000').criteria, [
      {
        key: 'OR',
        left: { key: 'NOT', operand: { key: 'MODSEQ', modseq: 720162338n, entry: null } },
        right: { key: 'LARGER', size: 50000 },
      },
    ]);
  });

  test('refusals', () => {
    assert.equal(parseError('a SEARCH').message, 'Missing arguments');
    assert.equal(parseError('a SEARCH FOO').message, 'Unknown search key FOO');
    assert.equal(parseError('a SEARCH SINCE 30-Feb-2020').message, 'Invalid date');
    assert.equal(parseError('a SEARCH KEYWORD \\Seen').message, 'Invalid keyword');
    assert.equal(parseError('a SEARCH (SEEN').message, 'Missing arguments');
    assert.equal(parseError('a SEARCH (SEEN]').message, 'Expected a space');
    assert.equal(parseError('a SEARCH ()').message, 'Expected search criteria: empty list');
    assert.equal(parseError('a SEARCH $').message, 'Invalid sequence set: $ (SEARCHRES) is not supported');
    assert.equal(parseError(`a SEARCH ${'('.repeat(1000)}ALL${')'.repeat(1000)}`).message, 'Search criteria nested too deeply');
    assert.equal(parseError(`a SEARCH ${'NOT '.repeat(10000)}ALL`).message, 'Search criteria nested too deeply');
  });
});

describe('FETCH', () => {
  test('the RFC 3501 example', () => {
    assert.deepEqual(fetch('A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])'), {
      set: seq('2:4'),
      items: [
        { item: 'FLAGS' },
        { item: 'BODY[]', peek: false, section: { part: [], text: 'HEADER.FIELDS', fields: ['DATE', 'FROM'] }, partial: null },
      ],
      macro: null,
      changedSince: null,
      vanished: false,
    });
  });

  test('macros expand', () => {
    const names = (text: string) => fetch(text).items.map((i) => i.item);
    assert.deepEqual(names('a FETCH 1 ALL'), ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE']);
    assert.deepEqual(names('a FETCH 1 fast'), ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE']);
    assert.deepEqual(names('a FETCH 1 FULL'), ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY']);
    assert.equal(fetch('a FETCH 1 FULL').macro, 'FULL');
    assert.equal(parseError('a FETCH 1 (ALL)').message, 'Unknown fetch attribute ALL');
  });

  test('every simple attribute, alone or in a list', () => {
    const all = 'ENVELOPE FLAGS INTERNALDATE RFC822 RFC822.HEADER RFC822.SIZE RFC822.TEXT BODY BODYSTRUCTURE UID MODSEQ';
    assert.deepEqual(
      fetch(`a FETCH 1 (${all.toLowerCase()})`).items,
      all.split(' ').map((item) => ({ item })),
    );
    assert.deepEqual(fetch('A999 UID FETCH 4827313:4828442 FLAGS').items, [{ item: 'FLAGS' }]);
  });

  test('sections and partials', () => {
    const [peek] = fetch('a FETCH 1 BODY.PEEK[HEADER.FIELDS (From Subject)]<0.100>').items;
    assert.deepEqual(peek, {
      item: 'BODY[]',
      peek: true,
      section: { part: [], text: 'HEADER.FIELDS', fields: ['From', 'Subject'] },
      partial: { offset: 0, length: 100 },
    });
    const sections = fetch(
      'a FETCH 1 (BODY[] BODY[1] BODY[1.2.3] BODY[header] BODY[TEXT] BODY[2.MIME] BODY[1.HEADER.FIELDS.NOT (X-A "X B")] BODY[3.TEXT]<10.20>)',
    ).items;
    assert.deepEqual(
      sections.map((s) => (s.item === 'BODY[]' ? [s.section.part, s.section.text, s.section.fields, s.partial] : null)),
      [
        [[], null, [], null],
        [[1], null, [], null],
        [[1, 2, 3], null, [], null],
        [[], 'HEADER', [], null],
        [[], 'TEXT', [], null],
        [[2], 'MIME', [], null],
        [[1], 'HEADER.FIELDS.NOT', ['X-A', 'X B'], null],
        [[3], 'TEXT', [], { offset: 10, length: 20 }],
      ],
    );
    assert.equal(parseError('a FETCH 1 BODY[MIME]').message, 'Invalid section MIME');
    assert.equal(parseError('a FETCH 1 BODY[0]').message, 'Invalid section 0');
    assert.equal(parseError('a FETCH 1 BODY[1.]').message, 'Invalid section 1.');
    assert.equal(parseError('a FETCH 1 BODY[]<0.0>').message, 'Expected a partial length: zero');
    assert.equal(parseError('a FETCH 1 BODY.PEEK').message, 'Unknown fetch attribute BODY.PEEK');
    assert.equal(parseError('a FETCH 1 BODY[HEADER.FIELDS ()]').message, 'Expected a list of header names: empty list');
  });

  test('BINARY is recognised (RFC 3516)', () => {
    assert.deepEqual(fetch('a FETCH 1 (BINARY.PEEK[1.2]<0.10> BINARY.SIZE[1] BINARY[])').items, [
      { item: 'BINARY[]', peek: true, part: [1, 2], partial: { offset: 0, length: 10 } },
      { item: 'BINARY.SIZE', part: [1] },
      { item: 'BINARY[]', peek: false, part: [], partial: null },
    ]);
  });

  test('UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12)', () => {
    const cmd = parse('a UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12)');
    assert.deepEqual(cmd, {
      tag: 'a',
      command: 'FETCH',
      uid: true,
      args: { set: seq('1:*'), items: [{ item: 'FLAGS' }], macro: null, changedSince: 12n, vanished: false },
    });
    // RFC 7162 §3.2.6: VANISHED only beside CHANGEDSINCE.
    assert.equal(parseError('a FETCH 1 FLAGS (VANISHED)').message, 'VANISHED needs CHANGEDSINCE');
    assert.equal(fetch('a UID FETCH 1:* FLAGS (CHANGEDSINCE 5 VANISHED)').vanished, true);
    assert.equal(parseError('a FETCH 1 FLAGS (CHANGEDSINCE 99999999999999999999)').message, 'Invalid mod-sequence');
  });

  test('sequence sets: *, reversed ranges, lists; 0 and junk refused', () => {
    assert.deepEqual(fetch('a FETCH *:1 UID').set, { ranges: [{ from: '*', to: 1 }] });
    assert.deepEqual(fetch('a FETCH 1:*,7,9:3 UID').set, {
      ranges: [
        { from: 1, to: '*' },
        { from: 7, to: 7 },
        { from: 9, to: 3 },
      ],
    });
    for (const bad of ['0', '1:0', '1,', ',1', '1::2', '01', '4294967296', '1:2:3']) {
      assert.equal(parseError(`a FETCH ${bad} UID`).message, 'Invalid sequence set', bad);
    }
  });
});
