// Header decoding: RFC 2047 encoded-words (with RFC 2047 §8's own examples), raw 8-bit headers,
// RFC 2231 parameters (with RFC 2231's own examples), sloppy parameter syntax, address lists.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  charset,
  decodeHeaderValue,
  decodeWords,
  decodedHeader,
  decodedHeaders,
  filename,
  headerAddresses,
  param,
  parseAddressList,
  parseMessage,
  rawHeaders,
  unfoldedHeader,
} from '../src/index.ts';
import { ENCODED_WORDS, MIXED, buf, crlf } from './fixtures.ts';

const ctParams = (value: string) => parseMessage(buf(`Content-Type: ${value}\r\n\r\n`)).contentType;

describe('RFC 2047 encoded-words', () => {
  test('B and Q, UTF-8 and ISO-8859-1', () => {
    assert.equal(decodeWords('=?UTF-8?B?w6l0w6k=?='), 'été');
    assert.equal(decodeWords('=?ISO-8859-1?Q?Caf=E9?='), 'Café');
    assert.equal(decodeWords('=?utf-8?q?Caf=c3=a9_cr=C3=A8me?='), 'Café crème');
    assert.equal(decodeWords('=?utf-8?b?w6l0w6k?='), 'été', 'missing padding tolerated');
  });

  test('RFC 2047 §8: white space between adjacent encoded-words is ignored', () => {
    assert.equal(decodeWords('=?ISO-8859-1?Q?a?='), 'a');
    assert.equal(decodeWords('=?ISO-8859-1?Q?a?= b'), 'a b');
    assert.equal(decodeWords('=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?='), 'ab');
    assert.equal(decodeWords('=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?='), 'ab');
    assert.equal(decodeWords('=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?='), 'ab');
    assert.equal(decodeWords('=?ISO-8859-1?Q?a_b?='), 'a b');
    assert.equal(decodeWords('=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?='), 'a b');
    assert.equal(decodeWords('x =?ISO-8859-1?Q?a?= y'), 'x a y');
  });

  test('a character split across two words is joined before decoding', () => {
    assert.equal(decodeWords('=?UTF-8?Q?=C3?= =?UTF-8?Q?=A9t=C3=A9?='), 'été');
    assert.equal(decodeWords('=?UTF-8?B?UsOpc3VsdGF0cyBk?= =?UTF-8?B?J2FuYWx5c2U=?='), "Résultats d'analyse");
  });

  test('other charsets through TextDecoder; RFC 2231 §5 language suffix; unknown charset kept', () => {
    assert.equal(decodeWords('=?windows-1252?Q?=80_5?='), '€ 5');
    assert.equal(decodeWords('=?ISO-8859-15?Q?=A4?='), '€');
    assert.equal(decodeWords('=?us-ascii?Q?plain?='), 'plain');
    assert.equal(decodeWords('=?UTF-8*fr?Q?caf=C3=A9?='), 'café');
    assert.equal(decodeWords('=?x-unknown?Q?abc?= tail'), '=?x-unknown?Q?abc?= tail');
    assert.equal(decodeWords('=?UTF-8?X?abc?='), '=?UTF-8?X?abc?=');
    assert.equal(decodeWords('no words = here ?='), 'no words = here ?=');
  });

  test('header values: unfolded, trimmed, raw UTF-8 or windows-1252 bytes decoded', () => {
    assert.equal(decodeHeaderValue(' =?UTF-8?Q?Re:?=\r\n =?UTF-8?Q?_caf=C3=A9?= '), 'Re: café');
    assert.equal(decodeHeaderValue(Buffer.from(' Résultats', 'utf8').toString('latin1')), 'Résultats');
    assert.equal(decodeHeaderValue(' R\xe9sultats'), 'Résultats', 'not UTF-8: windows-1252');
    assert.equal(decodeHeaderValue(' a\r\n\tb'), 'a\tb');
  });

  test('decodedHeader and friends on a parsed message', () => {
    const root = parseMessage(buf(ENCODED_WORDS));
    assert.equal(decodedHeader(root, 'SUBJECT'), "Résultats d'analyse");
    assert.equal(decodedHeader(root, 'from'), 'Marc Lefèvre <marc.lefevre@operateur-a.mssante.fr>');
    assert.equal(decodedHeader(root, 'x-absent'), null);
    assert.equal(unfoldedHeader(root, 'To'), '=?ISO-8859-1?Q?Andr=E9?= <andre@operateur-b.mssante.fr>');
    const many = parseMessage(buf(crlf('Received: one', 'Received: two', '', '')));
    assert.deepEqual(decodedHeaders(many, 'received'), ['one', 'two']);
    assert.deepEqual(rawHeaders(many, 'received'), [' one', ' two']);
  });
});

describe('parameters', () => {
  test('RFC 2231 §4 and §4.1 examples: charset, language, continuations', () => {
    const t1 = ctParams('message/external-body; access-type=URL; URL*0="ftp://"; URL*1="cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"');
    assert.equal(param(t1.params, 'url')?.value, 'ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar');
    assert.deepEqual(t1.wireParams, [
      ['access-type', 'URL'],
      ['URL', 'ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar'],
    ]);
    const t2 = ctParams("application/x-stuff; title*=us-ascii'en-us'This%20is%20%2A%2A%2Afun%2A%2A%2A");
    assert.deepEqual(param(t2.params, 'title'), {
      name: 'title',
      value: 'This is ***fun***',
      raw: 'This is ***fun***',
      charset: 'us-ascii',
      language: 'en-us',
    });
    const t3 = ctParams(
      "application/x-stuff; title*0*=us-ascii'en'This%20is%20even%20more%20; title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2=\"isn't it!\"",
    );
    assert.equal(param(t3.params, 'title')?.value, "This is even more ***fun*** isn't it!");
    assert.deepEqual(t3.wireParams, [['title*', "us-ascii'en'This%20is%20even%20more%20%2A%2A%2Afun%2A%2A%2A%20isn%27t%20it!"]]);
  });

  test("the MSSanté attachment name: filename*=UTF-8''…, and the fallbacks", () => {
    const root = parseMessage(buf(MIXED));
    assert.equal(filename(root.children[1]!), 'compte-rendu été.pdf');
    assert.equal(filename(root.children[0]!.children[1]!), 'logo.png');
    const byName = parseMessage(buf(crlf('Content-Type: application/pdf; name="=?UTF-8?B?w6l0w6kucGRm?="', '', '')));
    assert.equal(filename(byName), 'été.pdf', 'RFC 2047 inside a quoted parameter, as Outlook and Gmail send');
    const raw8 = parseMessage(buf(crlf('Content-Disposition: attachment; filename="résumé.pdf"', '', '')));
    assert.equal(filename(raw8), 'résumé.pdf');
    const both = parseMessage(buf(crlf('Content-Disposition: attachment; filename="plain.pdf"; filename*=UTF-8\'\'%C3%A9.pdf', '', '')));
    assert.equal(filename(both), 'é.pdf', 'the RFC 2231 form wins');
    assert.deepEqual(both.disposition?.wireParams, [
      ['filename', 'plain.pdf'],
      ['filename*', "UTF-8''%C3%A9.pdf"],
    ]);
    assert.equal(filename(parseMessage(buf('Subject: x\r\n\r\n'))), null);
  });

  test('sloppy syntax as senders write it', () => {
    assert.equal(param(ctParams('multipart/mixed; boundary=----=_Part_1_2.3').params, 'boundary')?.value, '----=_Part_1_2.3');
    assert.equal(param(ctParams('application/pdf; name=foo bar.pdf; x=1').params, 'name')?.value, 'foo bar.pdf');
    assert.equal(param(ctParams('text/plain; charset=us-ascii (Plain text)').params, 'charset')?.value, 'us-ascii');
    const noSemicolon = ctParams('multipart/mixed boundary="x" charset=utf-8');
    assert.deepEqual(noSemicolon.wireParams, [
      ['boundary', 'x'],
      ['charset', 'utf-8'],
    ]);
    assert.deepEqual(ctParams('text/plain;; charset="utf-8";').wireParams, [['charset', 'utf-8']]);
    assert.deepEqual(ctParams('text/plain; name="unterminated').wireParams, [['name', 'unterminated']]);
    assert.deepEqual(ctParams('text/plain; name="a\\"b"').wireParams, [['name', 'a"b']]);
    assert.deepEqual(ctParams('text/plain; =x; novalue; y=2').wireParams, [['y', '2']]);
    const commented = ctParams('(c) text (d) / (e) html (f) ; (g) charset (h) = (i) "x" (j)');
    assert.deepEqual([commented.type, commented.subtype, commented.wireParams], ['text', 'html', [['charset', 'x']]]);
    assert.equal(ctParams('TEXT/HTML').subtype, 'html');
  });

  test('charset of a part, lower-cased', () => {
    assert.equal(charset(parseMessage(buf('Content-Type: text/plain; charset="UTF-8"\r\n\r\n'))), 'utf-8');
    assert.equal(charset(parseMessage(buf('Subject: x\r\n\r\n'))), null);
  });
});

describe('address lists', () => {
  test('names decoded, quotes and escapes, groups flattened with their name', () => {
    assert.deepEqual(
      parseAddressList(
        '=?UTF-8?Q?Marc_Lef=C3=A8vre?= <Marc.Lefevre@operateur-a.mssante.fr>, "Dupont, Jean" <"jean.dupont"@x.fr>, ' +
          'Cabinet: claire@x.fr, "Sophie M." <sophie@x.fr>;, undisclosed-recipients:;, bare@y.fr (Comment Name)',
      ),
      [
        {
          name: 'Marc Lefèvre',
          address: 'Marc.Lefevre@operateur-a.mssante.fr',
          local: 'Marc.Lefevre',
          domain: 'operateur-a.mssante.fr',
          group: null,
        },
        { name: 'Dupont, Jean', address: 'jean.dupont@x.fr', local: 'jean.dupont', domain: 'x.fr', group: null },
        { name: '', address: 'claire@x.fr', local: 'claire', domain: 'x.fr', group: 'Cabinet' },
        { name: 'Sophie M.', address: 'sophie@x.fr', local: 'sophie', domain: 'x.fr', group: 'Cabinet' },
        { name: 'Comment Name', address: 'bare@y.fr', local: 'bare', domain: 'y.fr', group: null },
      ],
    );
  });

  test('a patient address as MES writes it (R-MES-3)', () => {
    assert.deepEqual(parseAddressList('Léo Dupond <123456789012345@patient.mssante.fr>'), [
      {
        name: 'Léo Dupond',
        address: '123456789012345@patient.mssante.fr',
        local: '123456789012345',
        domain: 'patient.mssante.fr',
        group: null,
      },
    ]);
  });

  test('odd but seen: missing >, quoted local part kept when it needs quotes, no domain, empty', () => {
    assert.deepEqual(
      parseAddressList('Name <a@b.fr').map((a) => a.address),
      ['a@b.fr'],
    );
    assert.deepEqual(
      parseAddressList('"john doe"@x.fr').map((a) => a.address),
      ['"john doe"@x.fr'],
    );
    assert.deepEqual(
      parseAddressList('root').map((a) => [a.address, a.domain]),
      [['root', '']],
    );
    assert.deepEqual(
      parseAddressList('Mailer Daemon').map((a) => a.address),
      ['Mailer Daemon'],
    );
    assert.deepEqual(parseAddressList(''), []);
    assert.deepEqual(parseAddressList('<>'), []);
    assert.deepEqual(parseAddressList(',,, ;;; @@@ <<>> ::: ((('), []);
    assert.deepEqual(
      parseAddressList('a@b.fr,c@d.fr').map((a) => a.address),
      ['a@b.fr', 'c@d.fr'],
    );
    assert.deepEqual(
      parseAddressList('x@example . org').map((a) => a.address),
      ['x@example.org'],
    );
  });

  test('headerAddresses: the From the SMTP side checks', () => {
    const root = parseMessage(buf(crlf('From: "Dr Paul Martin" <paul.martin@operateur-a.mssante.fr>', '', '')));
    assert.deepEqual(
      headerAddresses(root, 'From').map((a) => a.address),
      ['paul.martin@operateur-a.mssante.fr'],
    );
    assert.deepEqual(headerAddresses(root, 'Sender'), []);
  });
});
