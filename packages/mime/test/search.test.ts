// What SEARCH compares against: decoded text of text parts, decoded headers, bounded.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { headerTextForSearch, headerValuesForSearch, parseMessage, textForSearch } from '../src/index.ts';
import { ALTERNATIVE, ENCODED_WORDS, FORWARDED, MIXED, XDM, buf, crlf } from './fixtures.ts';

describe('search text', () => {
  test('text parts decoded (QP, charset); images and zips skipped', () => {
    const alt = buf(ALTERNATIVE);
    assert.equal(textForSearch(alt, parseMessage(alt)), 'Rendez-vous confirmé à 10h.\n<p>Rendez-vous confirmé à 10h.</p>');
    const mixed = buf(MIXED);
    assert.equal(textForSearch(mixed, parseMessage(mixed)), '<p>Voir <img src="cid:logo@ch-lilas"></p>');
    const xdm = buf(XDM);
    assert.equal(textForSearch(xdm, parseMessage(xdm)), 'Veuillez trouver ci-joint la lettre de liaison.');
  });

  test('8-bit body and forwarded messages (their header too)', () => {
    const enc = buf(ENCODED_WORDS);
    assert.equal(textForSearch(enc, parseMessage(enc)), 'Le patient présente une fièvre à 39 °C.\r\n');
    const fwd = buf(FORWARDED);
    const text = textForSearch(fwd, parseMessage(fwd));
    assert.ok(text.startsWith('Pour info.\nFrom: Laboratoire <labo-resultats.ch-lilas@operateur-a.mssante.fr>\n'));
    assert.ok(
      text.endsWith(
        'Subject: Resultats\nDate: Tue, 25 Nov 2025 18:30:00 +0100\nMessage-ID: <inner.4@ch-lilas.fr>\nContent-Type: text/plain; charset=us-ascii\nResultats normaux.',
      ),
    );
  });

  test('bounded: a huge text part costs at most maxChars', () => {
    const raw = buf(crlf('Content-Type: text/plain', '', 'é'.repeat(300_000)));
    const text = textForSearch(raw, parseMessage(raw), { maxChars: 1000 });
    assert.equal(text.length, 1000);
    assert.equal(text, 'é'.repeat(1000));
  });

  test('headers decoded, all occurrences', () => {
    const root = parseMessage(buf(ENCODED_WORDS));
    assert.deepEqual(headerValuesForSearch(root, 'Subject'), ["Résultats d'analyse"]);
    assert.deepEqual(headerValuesForSearch(root, 'to'), ['André <andre@operateur-b.mssante.fr>']);
    assert.ok(headerTextForSearch(root).includes("\nSubject: Résultats d'analyse\n"));
    const xdm = parseMessage(buf(XDM));
    assert.deepEqual(headerValuesForSearch(xdm, 'X-MSS-CODECDA'), ['34112-3', '11490-0, 18842-5']);
  });
});
