// Email/get's values kept per blob (src/email-values.ts): what the stored envelope decodes to
// (RFC 8621 §4.1.2 forms), with preview and hasAttachment added when they were read from the
// bytes; shared between responses (so frozen), and bounded.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMessage, storedMessage } from '@mss/mime';
import { EmailValuesCache } from '../src/email-values.ts';

function envelopeOf(text: string) {
  return storedMessage(parseMessage(Buffer.from(text))).envelope;
}

const ONE = envelopeOf(
  'From: =?utf-8?q?Dr_H=C3=A9l=C3=A8ne?= <helene@operateur-b.mssante.fr>\r\nTo: a@operateur-a.mssante.fr\r\n' +
    'Subject: Bilan\r\nDate: Wed, 4 Nov 2026 08:30:00 -0500\r\nMessage-ID: <v1@example.org>\r\n\r\nTexte.\r\n',
);

test('the envelope of a blob is decoded once, then served from memory, frozen (RFC 8621 §4.1.2)', () => {
  const cache = new EmailValuesCache();
  assert.equal(cache.get('h1'), undefined);
  const values = cache.addEnvelope('h1', ONE);
  assert.deepEqual(values.from, [{ name: 'Dr Hélène', email: 'helene@operateur-b.mssante.fr' }]);
  assert.equal(values.subject, 'Bilan');
  assert.equal(values.sentAt, '2026-11-04T08:30:00-05:00');
  assert.deepEqual(values.messageId, ['v1@example.org']);
  assert.equal(values.cc, null);
  assert.equal(Object.hasOwn(values, 'preview'), false, 'the envelope does not give the preview');
  assert.equal(cache.get('h1'), values);
  assert.deepEqual(cache.stats, { computed: 1, kept: 1 });
  assert.ok(Object.isFrozen(values.from) && Object.isFrozen((values.from as object[])[0]));
  assert.throws(() => {
    (values.from as { email: string }[])[0]!.email = 'changed@example.org';
  }, TypeError);
});

test('values read from the bytes join what is kept; only properties of the blob alone are kept (RFC 8621 §4.1.4)', () => {
  const cache = new EmailValuesCache();
  cache.addEnvelope('h1', ONE);
  const values = cache.add('h1', { preview: 'Texte.', hasAttachment: false, keywords: { $seen: true }, bodyValues: {} });
  assert.equal(values.preview, 'Texte.');
  assert.equal(values.hasAttachment, false);
  assert.equal(values.subject, 'Bilan', 'the envelope stays');
  assert.equal(Object.hasOwn(values, 'keywords'), false, 'keywords belong to a row, not to the blob');
  assert.equal(Object.hasOwn(values, 'bodyValues'), false, 'bodyValues depend on the arguments');
});

test('past its budget the oldest half goes; what is left is still right', () => {
  const cache = new EmailValuesCache(20_000);
  for (let i = 0; i < 100; i++) cache.addEnvelope(`h${i}`, ONE);
  assert.equal(cache.get('h0'), undefined, 'the oldest went');
  assert.equal(cache.get('h99')?.subject, 'Bilan', 'the newest stayed');
  let kept = 0;
  for (let i = 0; i < 100; i++) if (cache.get(`h${i}`)) kept++;
  assert.ok(kept > 0 && kept < 100, `${kept} kept`);
});
