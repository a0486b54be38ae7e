// RFC 4180 §2 CSV as the exports write it, and the formula guard (docs/choices.md, "CSV exports").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvField, csvRecord } from '../src/csv.ts';

test('RFC 4180 §2: fields with a comma, a quote, CR or LF are quoted, quotes doubled; records end in CRLF', () => {
  assert.equal(csvRecord(['a', 'b,c', 'say "hi"', 'two\nlines', null, 3, true]), 'a,"b,c","say ""hi""","two\nlines",,3,true\r\n');
  assert.equal(csvField('paul.martin@operateur-a.mssante.fr'), 'paul.martin@operateur-a.mssante.fr');
});

test('a text a spreadsheet would run as a formula is written as text (leading apostrophe)', () => {
  assert.equal(csvField('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
  for (const s of ['+1', '-1', '@SUM(A1)', '\tx']) assert.equal(csvField(s), `'${s}`);
  // Numbers are numbers, not text: -1 as a number stays -1.
  assert.equal(csvField(-1), '-1');
});
