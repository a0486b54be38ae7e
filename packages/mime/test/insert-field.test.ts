// insertField gives exactly the tree a fresh parse of the new bytes gives (RFC 5322 §2.2 fields).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { insertField, parseMessage } from '../src/index.ts';
import { ALTERNATIVE, ENCODED_WORDS, FORWARDED, MIXED, SIMPLE, XDM, buf } from './fixtures.ts';

describe('insertField', () => {
  for (const [name, text] of Object.entries({ SIMPLE, MIXED, ALTERNATIVE, FORWARDED, ENCODED_WORDS, XDM })) {
    for (const before of [0, 1, 3, 1000]) {
      test(`${name}, before field ${before}: same tree as parsing the new bytes`, () => {
        const raw = buf(text);
        const root = parseMessage(raw);
        const out = insertField(raw, root, before, 'X-MSS-Document-Check', 'CODECDA=ok INS=ok NIL=ok');
        assert.deepEqual(out.root, parseMessage(out.raw));
        const index = Math.min(before, root.fields.length);
        assert.equal(out.root.fields[index]?.name, 'X-MSS-Document-Check');
        assert.equal(out.raw.length, raw.length + 'X-MSS-Document-Check: CODECDA=ok INS=ok NIL=ok\r\n'.length);
      });
    }
  }
  test('refuses a value that would start another field', () => {
    const raw = buf(SIMPLE);
    assert.throws(() => insertField(raw, parseMessage(raw), 0, 'X-A', 'ok\r\nBcc: x@y'), RangeError);
  });
});
