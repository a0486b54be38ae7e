// ENVELOPE, BODY and BODYSTRUCTURE written from the structure the store computed at ingestion
// (RFC 3501 §7.4.2): the same bytes as parsing the message, kept in memory per blob, bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bodyStructure, envelope, parseMessage } from '@mss/mime';
import { ingestMessage } from '@mss/store';
import { bodyStructureValue, encodeValue, envelopeValue, type ImapValue } from '../src/protocol/index.ts';
import { WireForms } from '../src/server/wire-forms.ts';

const RAW = Buffer.from(
  'From: =?UTF-8?Q?H=C3=B4pital?= <ch@operateur-a.mssante.fr>\r\nTo: a@b.fr, "Gr" : c@d.fr;\r\nSubject: caf\u00e9\r\n' +
    'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n' +
    'Subject: inner\r\n\r\ny\r\n--b--\r\n',
  'latin1',
);

const bytes = (v: ImapValue | undefined) => encodeValue(v!);

test('RFC 3501 §7.4.2: encoded from the stored structure, byte for byte what parsing the message gives', () => {
  const forms = new WireForms();
  const { structure } = ingestMessage(RAW);
  const root = parseMessage(RAW);
  assert.deepEqual(bytes(forms.get('ENVELOPE', 'h', structure)), encodeValue(envelopeValue(envelope(root))));
  assert.deepEqual(bytes(forms.get('BODYSTRUCTURE', 'h', structure)), encodeValue(bodyStructureValue(bodyStructure(root, true), true)));
  assert.deepEqual(bytes(forms.get('BODY', 'h', structure)), encodeValue(bodyStructureValue(bodyStructure(root, false), false)));
  assert.deepEqual(forms.stats, { encoded: 3, kept: 0 });
  // Again: from memory (a blob never changes).
  assert.deepEqual(bytes(forms.get('ENVELOPE', 'h', structure)), encodeValue(envelopeValue(envelope(root))));
  assert.deepEqual(forms.stats, { encoded: 3, kept: 1 });
  assert.ok(forms.has('ENVELOPE', 'h') && !forms.has('ENVELOPE', 'other'));
  assert.equal(forms.get('ENVELOPE', 'other', null), undefined, 'neither in memory nor stored: the caller parses the body');
});

test('what is kept stays within its budget: the oldest half goes', () => {
  const { structure } = ingestMessage(RAW);
  const forms = new WireForms(2000);
  for (let i = 0; i < 50; i++) forms.get('ENVELOPE', `hash-${i}`, structure);
  assert.equal(forms.stats.encoded, 50);
  forms.get('ENVELOPE', 'hash-49', structure);
  assert.equal(forms.stats.kept, 1, 'the newest is still there');
  forms.get('ENVELOPE', 'hash-0', structure);
  assert.equal(forms.stats.encoded, 51, 'the oldest was dropped');
});
