// The IMAP views: ENVELOPE and BODYSTRUCTURE as structures and, through @mss/imap's encoder, as
// the exact protocol text (RFC 3501 §7.4.2); every BODY[section] kind with exact bytes.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bodyStructureValue, encodeValue, envelopeValue } from '@mss/imap';
import {
  type BodyStructure,
  type Envelope,
  type SectionSpec,
  bodyStructure,
  envelope,
  findPart,
  parseMessage,
  partial,
  rfc822Header,
  rfc822Size,
  rfc822Text,
  section,
} from '../src/index.ts';
import { ENCODED_WORDS, FORWARDED, MIXED, RFC3501_EXAMPLE, SIMPLE, buf, crlf } from './fixtures.ts';

const imapText = (v: Parameters<typeof encodeValue>[0]) => encodeValue(v).toString('utf8');
const HOST = 'operateur-a.mssante.fr';

describe('ENVELOPE', () => {
  test('RFC 3501 §7.4.2 example message: the exact ENVELOPE of the RFC', () => {
    const raw = buf(
      crlf(
        'Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)',
        'From: Terry Gray <gray@cac.washington.edu>',
        'Subject: IMAP4rev1 WG mtg summary and minutes',
        'To: imap@cac.washington.edu',
        'cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>',
        'Message-Id: <B27397-0100000@cac.washington.edu>',
        'MIME-Version: 1.0',
        'Content-Type: TEXT/PLAIN; CHARSET=US-ASCII',
        '',
        'text',
      ),
    );
    assert.equal(
      imapText(envelopeValue(envelope(parseMessage(raw)))),
      '("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" ' +
        '(("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ' +
        '(("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ' +
        '((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL ' +
        '"<B27397-0100000@cac.washington.edu>")',
    );
  });

  test('simple message; Sender and Reply-To default to From', () => {
    const paul = { name: 'Dr Paul Martin', adl: null, mailbox: 'paul.martin', host: HOST };
    const expected: Envelope = {
      date: 'Mon, 24 Nov 2025 09:15:00 +0100',
      subject: 'Compte rendu de consultation',
      from: [paul],
      sender: [paul],
      replyTo: [paul],
      to: [{ name: 'Claire Dubois', adl: null, mailbox: 'claire.dubois', host: HOST }],
      cc: null,
      bcc: null,
      inReplyTo: null,
      messageId: '<20251124091500.1@operateur-a.mssante.fr>',
    };
    assert.deepEqual(envelope(parseMessage(buf(SIMPLE))), expected);
  });

  test('groups, and encoded-words kept raw as RFC 3501 wants', () => {
    const mixed = envelope(parseMessage(buf(MIXED)));
    assert.equal(mixed.subject, '=?UTF-8?Q?Compte-rendu_d=27hospitalisation?=');
    assert.deepEqual(mixed.cc, [
      {
        group: 'Secretariat',
        members: [
          { name: null, adl: null, mailbox: 'julie.bernard', host: HOST },
          { name: 'Bernard, J.', adl: null, mailbox: 'j.bernard', host: HOST },
        ],
      },
    ]);
    assert.ok(
      imapText(envelopeValue(mixed)).includes(
        '((NIL NIL "Secretariat" NIL)(NIL NIL "julie.bernard" "operateur-a.mssante.fr")("Bernard, J." NIL "j.bernard" "operateur-a.mssante.fr")(NIL NIL NIL NIL))',
      ),
    );
    const encoded = envelope(parseMessage(buf(ENCODED_WORDS)));
    assert.equal(encoded.subject, '=?UTF-8?B?UsOpc3VsdGF0cyBk?= =?UTF-8?B?J2FuYWx5c2U=?=');
    assert.deepEqual(encoded.from, [{ name: '=?UTF-8?Q?Marc_Lef=C3=A8vre?=', adl: null, mailbox: 'marc.lefevre', host: HOST }]);
    assert.deepEqual(encoded.to, [{ name: '=?ISO-8859-1?Q?Andr=E9?=', adl: null, mailbox: 'andre', host: 'operateur-b.mssante.fr' }]);
  });

  test('absent is NIL, present but empty is "" (strings) or NIL (addresses, defaulted)', () => {
    const e = envelope(
      parseMessage(
        buf(crlf('Subject:', 'From: a@example.org', 'Sender:', 'Reply-To: r@example.org', 'To:   ', 'In-Reply-To: <x@y>', '', '')),
      ),
    );
    assert.equal(e.date, null);
    assert.equal(e.subject, '');
    assert.deepEqual(e.sender, e.from);
    assert.deepEqual(e.replyTo, [{ name: null, adl: null, mailbox: 'r', host: 'example.org' }]);
    assert.equal(e.to, null);
    assert.equal(e.inReplyTo, '<x@y>');
    assert.equal(imapText(envelopeValue(e)).slice(0, 8), '(NIL "" ');
  });

  test('address forms: route, comment as name, quoted pairs, missing domain, empty group, folding', () => {
    const e = envelope(
      parseMessage(
        buf(
          crlf(
            'From: gray@cac.washington.edu (Terry Gray)',
            'To: "Dr \\"Paul\\" Martin" <@relay.example,@other.example:paul@example.org>, root,',
            ' undisclosed-recipients:;',
            'Cc: "J. R." Bernard <"j r"@example.org>, Dr. Who <who@[192.0.2.1]>',
            '',
          ),
        ),
      ),
    );
    assert.deepEqual(e.from, [{ name: 'Terry Gray', adl: null, mailbox: 'gray', host: 'cac.washington.edu' }]);
    assert.deepEqual(e.to, [
      { name: 'Dr "Paul" Martin', adl: '@relay.example,@other.example', mailbox: 'paul', host: 'example.org' },
      { name: null, adl: null, mailbox: 'root', host: 'MISSING_DOMAIN' },
      { group: 'undisclosed-recipients', members: [] },
    ]);
    assert.deepEqual(e.cc, [
      { name: 'J. R. Bernard', adl: null, mailbox: '"j r"', host: 'example.org' },
      { name: 'Dr. Who', adl: null, mailbox: 'who', host: '[192.0.2.1]' },
    ]);
    assert.ok(imapText(envelopeValue(e)).includes('(("Dr \\"Paul\\" Martin" "@relay.example,@other.example" "paul" "example.org")'));
  });

  test('8-bit header text stays bytes, written as a literal', () => {
    const e = envelope(parseMessage(buf(crlf('Subject: Résultats', 'From: Léo Dupond <123456789012345@patient.mssante.fr>', '', ''))));
    assert.deepEqual(e.subject, Buffer.from('Résultats', 'utf8'));
    assert.deepEqual(e.from, [
      { name: Buffer.from('Léo Dupond', 'utf8'), adl: null, mailbox: '123456789012345', host: 'patient.mssante.fr' },
    ]);
    assert.ok(
      imapText(envelopeValue(e)).startsWith('(NIL {10}\r\nRésultats (({11}\r\nLéo Dupond NIL "123456789012345" "patient.mssante.fr"))'),
    );
  });
});

describe('BODY and BODYSTRUCTURE', () => {
  test('simple text part, BODY and BODYSTRUCTURE', () => {
    const root = parseMessage(buf(SIMPLE));
    const expected: BodyStructure = {
      type: 'TEXT',
      subtype: 'PLAIN',
      params: [['CHARSET', 'us-ascii']],
      id: null,
      description: null,
      encoding: '7BIT',
      size: 36,
      lines: 3,
    };
    assert.deepEqual(bodyStructure(root, false), expected);
    assert.equal(
      imapText(bodyStructureValue(bodyStructure(root, false), false)),
      '("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 36 3)',
    );
    assert.equal(
      imapText(bodyStructureValue(bodyStructure(root, true), true)),
      '("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 36 3 NIL NIL NIL NIL)',
    );
  });

  test('8-bit body: size in octets, lines counted', () => {
    assert.equal(
      imapText(bodyStructureValue(bodyStructure(parseMessage(buf(ENCODED_WORDS)), false), false)),
      '("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "8BIT" 45 1)',
    );
  });

  test('multipart/mixed with related, inline image and RFC 2231 attachment: exact BODYSTRUCTURE', () => {
    const bs = bodyStructure(parseMessage(buf(MIXED)), true);
    const expected: BodyStructure = {
      multipart: true,
      subtype: 'MIXED',
      params: [['BOUNDARY', 'outer']],
      disposition: null,
      language: null,
      location: null,
      parts: [
        {
          multipart: true,
          subtype: 'RELATED',
          params: [
            ['BOUNDARY', 'inner'],
            ['TYPE', 'text/html'],
          ],
          disposition: null,
          language: null,
          location: null,
          parts: [
            {
              type: 'TEXT',
              subtype: 'HTML',
              params: [['CHARSET', 'utf-8']],
              id: null,
              description: null,
              encoding: '7BIT',
              size: 41,
              lines: 0,
              md5: null,
              disposition: null,
              language: null,
              location: null,
            },
            {
              type: 'IMAGE',
              subtype: 'PNG',
              params: [],
              id: '<logo@ch-lilas>',
              description: null,
              encoding: 'BASE64',
              size: 12,
              md5: null,
              disposition: { type: 'INLINE', params: [['FILENAME', 'logo.png']] },
              language: null,
              location: null,
            },
          ],
        },
        {
          type: 'APPLICATION',
          subtype: 'PDF',
          params: [['NAME', 'compte-rendu.pdf']],
          id: null,
          description: 'Compte rendu',
          encoding: 'BASE64',
          size: 12,
          md5: null,
          disposition: { type: 'ATTACHMENT', params: [['FILENAME*', "UTF-8''compte-rendu%20%C3%A9t%C3%A9.pdf"]] },
          language: ['fr'],
          location: null,
        },
      ],
    };
    assert.deepEqual(bs, expected);
    assert.equal(
      imapText(bodyStructureValue(bs, true)),
      '((("TEXT" "HTML" ("CHARSET" "utf-8") NIL NIL "7BIT" 41 0 NIL NIL NIL NIL)' +
        '("IMAGE" "PNG" NIL "<logo@ch-lilas>" NIL "BASE64" 12 NIL ("INLINE" ("FILENAME" "logo.png")) NIL NIL)' +
        ' "RELATED" ("BOUNDARY" "inner" "TYPE" "text/html") NIL NIL NIL)' +
        '("APPLICATION" "PDF" ("NAME" "compte-rendu.pdf") NIL "Compte rendu" "BASE64" 12 NIL' +
        ` ("ATTACHMENT" ("FILENAME*" "UTF-8''compte-rendu%20%C3%A9t%C3%A9.pdf")) "fr" NIL)` +
        ' "MIXED" ("BOUNDARY" "outer") NIL NIL NIL)',
    );
    assert.equal(
      imapText(bodyStructureValue(bodyStructure(parseMessage(buf(MIXED)), false), false)),
      '((("TEXT" "HTML" ("CHARSET" "utf-8") NIL NIL "7BIT" 41 0)("IMAGE" "PNG" NIL "<logo@ch-lilas>" NIL "BASE64" 12) "RELATED")' +
        '("APPLICATION" "PDF" ("NAME" "compte-rendu.pdf") NIL "Compte rendu" "BASE64" 12) "MIXED")',
    );
  });

  test('message/rfc822: envelope, body and lines of the encapsulated message', () => {
    const bs = bodyStructure(parseMessage(buf(FORWARDED)), false);
    const lab = { name: 'Laboratoire', adl: null, mailbox: 'labo-resultats.ch-lilas', host: HOST };
    assert.deepEqual(bs, {
      multipart: true,
      subtype: 'MIXED',
      params: [['BOUNDARY', 'fwd']],
      parts: [
        {
          type: 'TEXT',
          subtype: 'PLAIN',
          params: [['CHARSET', 'utf-8']],
          id: null,
          description: null,
          encoding: '7BIT',
          size: 10,
          lines: 0,
        },
        {
          type: 'MESSAGE',
          subtype: 'RFC822',
          params: [],
          id: null,
          description: null,
          encoding: '7BIT',
          size: 268,
          lines: 7,
          envelope: {
            date: 'Tue, 25 Nov 2025 18:30:00 +0100',
            subject: 'Resultats',
            from: [lab],
            sender: [lab],
            replyTo: [lab],
            to: [{ name: null, adl: null, mailbox: 'claire.dubois', host: HOST }],
            cc: null,
            bcc: null,
            inReplyTo: null,
            messageId: '<inner.4@ch-lilas.fr>',
          },
          body: {
            type: 'TEXT',
            subtype: 'PLAIN',
            params: [['CHARSET', 'us-ascii']],
            id: null,
            description: null,
            encoding: '7BIT',
            size: 18,
            lines: 0,
          },
        },
      ],
    });
    const lab4 = '("Laboratoire" NIL "labo-resultats.ch-lilas" "operateur-a.mssante.fr")';
    assert.equal(
      imapText(bodyStructureValue(bs, false)),
      '(("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 10 0)' +
        `("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 268 ("Tue, 25 Nov 2025 18:30:00 +0100" "Resultats" (${lab4}) (${lab4}) (${lab4}) ` +
        '((NIL NIL "claire.dubois" "operateur-a.mssante.fr")) NIL NIL NIL "<inner.4@ch-lilas.fr>") ' +
        '("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 18 0) 7) "MIXED")',
    );
    const extended = imapText(bodyStructureValue(bodyStructure(parseMessage(buf(FORWARDED)), true), true));
    assert.ok(extended.includes(' 7 NIL ("ATTACHMENT" ("FILENAME" "Resultats.eml")) NIL NIL)'));
  });

  test('defaults: no Content-Type is TEXT/PLAIN US-ASCII; MD5, location, several languages', () => {
    const plain = bodyStructure(parseMessage(buf(crlf('Subject: x', '', 'a'))), false);
    assert.equal(imapText(bodyStructureValue(plain, false)), '("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3 1)');
    const ext = bodyStructure(
      parseMessage(
        buf(
          crlf(
            'Content-Type: application/octet-stream',
            'Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==',
            'Content-Location: http://example.org/x',
            'Content-Language: fr, en (comment)',
            'Content-Transfer-Encoding: Binary',
            '',
            'xx',
          ),
        ),
      ),
      true,
    );
    assert.equal(
      imapText(bodyStructureValue(ext, true)),
      '("APPLICATION" "OCTET-STREAM" NIL NIL NIL "BINARY" 4 "Q2hlY2sgSW50ZWdyaXR5IQ==" NIL ("fr" "en") "http://example.org/x")',
    );
  });

  test('a multipart with no parts is written with one empty text part (the grammar needs one)', () => {
    const bs = bodyStructure(parseMessage(buf(crlf('Content-Type: multipart/mixed', '', 'nothing'))), true);
    assert.equal(
      imapText(bodyStructureValue(bs, true)),
      '(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 0 0 NIL NIL NIL NIL) "MIXED" NIL NIL NIL NIL)',
    );
  });

  test('RFC 2231 continuations are merged for the wire, still encoded', () => {
    const root = parseMessage(
      buf(crlf('Content-Type: application/pdf;', " name*0*=UTF-8''r%C3%A9sultat;", ' name*1=" final";', ' name*2*=%2Epdf', '', 'x')),
    );
    assert.deepEqual(bodyStructure(root, false), {
      type: 'APPLICATION',
      subtype: 'PDF',
      params: [['NAME*', "UTF-8''r%C3%A9sultat%20final%2Epdf"]],
      id: null,
      description: null,
      encoding: '7BIT',
      size: 3,
    });
  });
});

describe('BODY[section]', () => {
  const spec = (part: number[], text: SectionSpec['text'] = null, fields: string[] = []): SectionSpec => ({ part, text, fields });
  const get = (raw: Buffer, s: SectionSpec) => section(raw, parseMessage(raw), s)?.toString('utf8') ?? null;

  test('single-part message: [], HEADER, TEXT, 1, 1.MIME, HEADER.FIELDS, HEADER.FIELDS.NOT', () => {
    const raw = buf(SIMPLE);
    const headerText = SIMPLE.slice(0, SIMPLE.indexOf('\r\n\r\n') + 4);
    const bodyText = 'Bonjour,\r\n\r\nVoici le compte rendu.\r\n';
    assert.equal(get(raw, spec([])), SIMPLE);
    assert.equal(get(raw, spec([], 'HEADER')), headerText);
    assert.equal(get(raw, spec([], 'TEXT')), bodyText);
    assert.equal(get(raw, spec([1])), bodyText);
    assert.equal(get(raw, spec([1], 'MIME')), headerText);
    assert.equal(
      get(raw, spec([], 'HEADER.FIELDS', ['SUBJECT', 'from', 'X-Absent'])),
      'From: "Dr Paul Martin" <paul.martin@operateur-a.mssante.fr>\r\nSubject: Compte rendu de consultation\r\n\r\n',
    );
    assert.equal(
      get(raw, spec([], 'HEADER.FIELDS.NOT', ['Date', 'From', 'To', 'Subject', 'Message-ID'])),
      'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n\r\n',
    );
    assert.equal(get(raw, spec([], 'HEADER.FIELDS', ['X-Absent'])), '\r\n');
    assert.equal(get(raw, spec([2])), null);
    assert.equal(get(raw, spec([1, 1])), null);
    assert.equal(get(raw, spec([], 'MIME')), null);
    assert.equal(get(raw, spec([1], 'HEADER')), null);
  });

  test('RFC 3501 §6.4.5 example: each kind of specifier on nested parts', () => {
    const raw = buf(RFC3501_EXAMPLE);
    assert.equal(get(raw, spec([1])), 'part 1');
    assert.equal(get(raw, spec([3, 1])), 'part 3.1');
    assert.equal(get(raw, spec([3, 2])), 'part 3.2');
    assert.equal(get(raw, spec([3], 'HEADER')), 'Subject: part 3\r\nContent-Type: MULTIPART/MIXED; boundary=b3\r\n\r\n');
    assert.equal(
      get(raw, spec([3], 'TEXT')),
      '--b3\r\nContent-Type: TEXT/PLAIN\r\n\r\npart 3.1\r\n--b3\r\nContent-Type: APPLICATION/OCTET-STREAM\r\n\r\npart 3.2\r\n--b3--\r\n',
    );
    assert.equal(get(raw, spec([3], 'MIME')), 'Content-Type: MESSAGE/RFC822\r\n\r\n');
    assert.equal(get(raw, spec([3])), get(raw, spec([3], 'HEADER'))! + get(raw, spec([3], 'TEXT'))!);
    assert.equal(get(raw, spec([4, 1])), 'part 4.1');
    assert.equal(get(raw, spec([4, 1], 'MIME')), 'Content-Type: IMAGE/GIF\r\n\r\n');
    assert.equal(get(raw, spec([4, 2], 'HEADER.FIELDS', ['subject'])), 'Subject: part 4.2\r\n\r\n');
    assert.equal(get(raw, spec([4, 2, 1])), 'part 4.2.1');
    assert.equal(get(raw, spec([4, 2, 2, 1])), 'part 4.2.2.1');
    assert.equal(get(raw, spec([4, 2, 2, 2])), 'part 4.2.2.2');
    assert.equal(get(raw, spec([4, 2, 2], 'MIME')), 'Content-Type: MULTIPART/ALTERNATIVE; boundary=b422\r\n\r\n');
    assert.equal(
      get(raw, spec([4, 2, 2])),
      '--b422\r\nContent-Type: TEXT/PLAIN\r\n\r\npart 4.2.2.1\r\n--b422\r\nContent-Type: TEXT/RICHTEXT\r\n\r\npart 4.2.2.2\r\n--b422--\r\n',
    );
    assert.equal(get(raw, spec([4], 'TEXT')), null);
    assert.equal(get(raw, spec([4, 3])), null);
    assert.equal(get(raw, spec([5])), null);
    assert.equal(get(raw, spec([0])), null);
  });

  test('message/rfc822 with a single-part message: part 2.1 is its body, 2.1.MIME its header', () => {
    const raw = buf(FORWARDED);
    const innerHeader = FORWARDED.slice(FORWARDED.indexOf('From: Laboratoire'), FORWARDED.indexOf('Resultats normaux.'));
    assert.equal(get(raw, spec([2], 'HEADER')), innerHeader);
    assert.equal(get(raw, spec([2], 'TEXT')), 'Resultats normaux.');
    assert.equal(get(raw, spec([2])), innerHeader + 'Resultats normaux.');
    assert.equal(get(raw, spec([2, 1])), 'Resultats normaux.');
    assert.equal(get(raw, spec([2, 1], 'MIME')), innerHeader);
    assert.equal(
      get(raw, spec([2], 'MIME')),
      'Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename="Resultats.eml"\r\n\r\n',
    );
    assert.equal(
      get(raw, spec([2], 'HEADER.FIELDS.NOT', ['from', 'to', 'date', 'message-id', 'content-type'])),
      'Subject: Resultats\r\n\r\n',
    );
    const root = parseMessage(raw);
    assert.equal(findPart(root, [2, 1]), root.children[1]!.message);
  });

  test('HEADER.FIELDS keeps folding and the fields’ own line ends; no blank line when the message has neither', () => {
    const raw = buf('Subject: a\n b\nX: 1\n\nbody');
    assert.equal(get(raw, spec([], 'HEADER.FIELDS', ['subject'])), 'Subject: a\n b\n\r\n');
    assert.equal(get(buf('Subject: only'), spec([], 'HEADER.FIELDS', ['subject'])), 'Subject: only\r\n');
    assert.equal(get(buf('Subject: only'), spec([], 'HEADER')), 'Subject: only');
  });

  test('partial, RFC822.HEADER, RFC822.TEXT, RFC822.SIZE', () => {
    const raw = buf(SIMPLE);
    const root = parseMessage(raw);
    const text = section(raw, root, spec([], 'TEXT'))!;
    assert.equal(partial(text, 0, 7).toString(), 'Bonjour');
    assert.equal(partial(text, 28, 100).toString(), 'rendu.\r\n');
    assert.equal(partial(text, 36, 10).length, 0);
    assert.equal(partial(text, 500).length, 0);
    assert.equal(partial(text, 3).toString(), 'jour,\r\n\r\nVoici le compte rendu.\r\n');
    assert.deepEqual(rfc822Header(raw, root), section(raw, root, spec([], 'HEADER')));
    assert.deepEqual(rfc822Text(raw, root), text);
    assert.equal(rfc822Size(raw), raw.length);
  });

  test('sections are views of the raw bytes, not copies', () => {
    const raw = buf(MIXED);
    const s = section(raw, parseMessage(raw), spec([2]))!;
    assert.equal(s.buffer, raw.buffer);
  });
});
