// Responses as bytes: string forms, status lines and codes, FETCH items, ENVELOPE and
// BODYSTRUCTURE (RFC 3501 §7 and the §8 sample), and the capability list.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type BodyStructure,
  type Envelope,
  astring,
  atom,
  bodyStructureValue,
  capabilityList,
  capabilityString,
  code,
  continuation,
  continuationBase64,
  encodeValue,
  envelopeValue,
  fetchItemResponseName,
  fetchResponse,
  literal,
  mailboxName,
  nstr,
  raw,
  str,
  tagged,
  untagged,
  untaggedStatus,
} from '../src/index.ts';
import { parse } from './support/protocol.ts';

const enc = (v: Parameters<typeof encodeValue>[0]) => encodeValue(v).toString('utf8');

describe('values', () => {
  test('astring: atom when it can, quoted, literal', () => {
    assert.equal(enc(astring('INBOX')), 'INBOX');
    assert.equal(enc(astring('a]b')), 'a]b');
    assert.equal(enc(astring('')), '""');
    assert.equal(enc(astring('nil')), '"nil"');
    assert.equal(enc(astring('two words')), '"two words"');
    assert.equal(enc(astring('a"b\\c')), '"a\\"b\\\\c"');
    assert.equal(enc(astring('x*%')), '"x*%"');
    assert.equal(enc(astring('été')), '{5}\r\nété');
    assert.equal(enc(astring('a\r\nb')), '{4}\r\na\r\nb');
  });

  test('string: never an atom; nstring: NIL', () => {
    assert.equal(enc(str('INBOX')), '"INBOX"');
    assert.deepEqual(encodeValue(str(Buffer.from([0x41, 0xe9]))), Buffer.from([0x7b, 0x32, 0x7d, 13, 10, 0x41, 0xe9]));
    assert.equal(enc(str('x'.repeat(1025))).slice(0, 8), '{1025}\r\n');
    assert.equal(enc(nstr(null)), 'NIL');
    assert.equal(enc(nstr('NIL')), '"NIL"');
    assert.equal(enc(literal('abc')), '{3}\r\nabc');
  });

  test('numbers, lists, atoms and flags', () => {
    assert.equal(enc([1, 2n, null, [atom('\\Seen'), atom('$Forwarded'), atom('\\*')], []]), '(1 2 NIL (\\Seen $Forwarded \\*) ())');
    assert.throws(() => atom('two words'), TypeError);
    assert.throws(() => atom('a\r\n'), TypeError);
    assert.throws(() => encodeValue(-1), TypeError);
    assert.throws(() => encodeValue(1.5), TypeError);
  });

  test('mailbox names go out in modified UTF-7', () => {
    assert.equal(enc(mailboxName('été')), '&AOk-t&AOk-');
    assert.equal(enc(mailboxName('inbox')), 'INBOX');
    assert.equal(enc(mailboxName('ınbox')), '&ATE-nbox');
    assert.equal(enc(mailboxName('Dossiers patients')), '"Dossiers patients"');
    assert.equal(enc(mailboxName('Q&A')), 'Q&-A');
  });
});

describe('lines', () => {
  test('tagged, untagged, continuation', () => {
    assert.equal(tagged('A1', 'OK', 'LOGIN completed').toString(), 'A1 OK LOGIN completed\r\n');
    assert.equal(tagged('A1', 'NO', 'no\r\nsuch mailbox', code.simple('TRYCREATE')).toString(), 'A1 NO [TRYCREATE] no such mailbox\r\n');
    assert.equal(untaggedStatus('BYE', 'Delegation revoked').toString(), '* BYE Delegation revoked\r\n');
    assert.equal(untagged(172, atom('EXISTS')).toString(), '* 172 EXISTS\r\n');
    assert.equal(untagged(atom('SEARCH'), 2, 84, 882).toString(), '* SEARCH 2 84 882\r\n');
    assert.equal(
      untagged(atom('LIST'), [atom('\\HasNoChildren'), atom('\\Sent')], str('/'), mailboxName('Envoyés')).toString(),
      '* LIST (\\HasNoChildren \\Sent) "/" Envoy&AOk-s\r\n',
    );
    assert.equal(continuation('Ready for literal data').toString(), '+ Ready for literal data\r\n');
    assert.equal(continuation().toString(), '+ \r\n');
    assert.equal(
      continuationBase64(Buffer.from('{"status":"401","schemes":"bearer","scope":"mail"}')).toString(),
      '+ eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0=\r\n',
    );
  });

  test('response codes', () => {
    const line = (c: Parameters<typeof tagged>[3]) => untaggedStatus('OK', 'x', c).toString();
    assert.equal(line(code.uidValidity(3857529045)), '* OK [UIDVALIDITY 3857529045] x\r\n');
    assert.equal(line(code.uidNext(4392)), '* OK [UIDNEXT 4392] x\r\n');
    assert.equal(line(code.unseen(12)), '* OK [UNSEEN 12] x\r\n');
    assert.equal(line(code.highestModseq(715194045007n)), '* OK [HIGHESTMODSEQ 715194045007] x\r\n');
    assert.equal(line(code.permanentFlags(['\\Deleted', '\\Seen', '\\*'])), '* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] x\r\n');
    assert.equal(line(code.appendUid(38505, [3955])), '* OK [APPENDUID 38505 3955] x\r\n');
    assert.equal(
      line(code.copyUid(38505, [304, 319, 320, 321], [3956, 3957, 3958, 3959])),
      '* OK [COPYUID 38505 304,319:321 3956:3959] x\r\n',
    );
    assert.equal(line(code.modified([7, 9])), '* OK [MODIFIED 7,9] x\r\n');
    assert.equal(line(code.capability(['IMAP4rev1', 'IDLE'])), '* OK [CAPABILITY IMAP4rev1 IDLE] x\r\n');
    assert.equal(line(code.badCharset(['UTF-8', 'US-ASCII'])), '* OK [BADCHARSET (UTF-8 US-ASCII)] x\r\n');
    for (const simple of [
      'AUTHENTICATIONFAILED',
      'AUTHORIZATIONFAILED',
      'TOOBIG',
      'LIMIT',
      'CANNOT',
      'NONEXISTENT',
      'ALREADYEXISTS',
      'TRYCREATE',
      'CLIENTBUG',
      'ALERT',
      'READ-ONLY',
    ] as const) {
      assert.equal(tagged('a', 'NO', 'x', code.simple(simple)).toString(), `a NO [${simple}] x\r\n`);
    }
    assert.throws(() => code.copyUid(1, [1, 2], [3]), TypeError);
    assert.throws(() => code.appendUid(1, []), TypeError);
  });

  test('FETCH responses and item names', () => {
    const peek = parse('a FETCH 1 BODY.PEEK[HEADER.FIELDS (From Subject)]<0.100>');
    assert.equal(peek.command, 'FETCH');
    if (peek.command !== 'FETCH') return;
    const name = fetchItemResponseName(peek.args.items[0]!);
    assert.equal(name, 'BODY[HEADER.FIELDS (From Subject)]<0>');
    const response = fetchResponse(12, [
      ['FLAGS', [atom('\\Seen')]],
      ['UID', 4827313],
      ['MODSEQ', [624140003n]],
      [name, str('From: a\r\n')],
    ]).toString();
    assert.equal(
      response,
      '* 12 FETCH (FLAGS (\\Seen) UID 4827313 MODSEQ (624140003) BODY[HEADER.FIELDS (From Subject)]<0> {9}\r\nFrom: a\r\n)\r\n',
    );
    const others = parse('a FETCH 1 (BODY[] BODY[1.2.MIME] BINARY.PEEK[1]<5.5> BINARY.SIZE[2] RFC822.SIZE)');
    if (others.command !== 'FETCH') return;
    assert.deepEqual(others.args.items.map(fetchItemResponseName), [
      'BODY[]',
      'BODY[1.2.MIME]',
      'BINARY[1]<5>',
      'BINARY.SIZE[2]',
      'RFC822.SIZE',
    ]);
  });
});

describe('ENVELOPE and BODYSTRUCTURE (RFC 3501 §8 sample)', () => {
  const gray = { name: 'Terry Gray', adl: null, mailbox: 'gray', host: 'cac.washington.edu' };
  const envelope: Envelope = {
    date: 'Wed, 17 Jul 1996 02:23:25 -0700 (PDT)',
    subject: 'IMAP4rev1 WG mtg summary and minutes',
    from: [gray],
    sender: [gray],
    replyTo: [gray],
    to: [{ name: null, adl: null, mailbox: 'imap', host: 'cac.washington.edu' }],
    cc: [
      { name: null, adl: null, mailbox: 'minutes', host: 'CNRI.Reston.VA.US' },
      { name: 'John Klensin', adl: null, mailbox: 'KLENSIN', host: 'MIT.EDU' },
    ],
    bcc: null,
    inReplyTo: null,
    messageId: '<B27397-0100000@cac.washington.edu>',
  };

  test('ENVELOPE', () => {
    assert.equal(
      enc(envelopeValue(envelope)),
      '("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" ' +
        '(("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ' +
        '(("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ' +
        '((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL ' +
        '"<B27397-0100000@cac.washington.edu>")',
    );
  });

  test('groups, empty lists and 8-bit header text', () => {
    const withGroup: Envelope = {
      ...envelope,
      to: [{ group: 'Cabinet', members: [{ name: 'Claire', adl: null, mailbox: 'claire', host: 'x.fr' }] }],
      cc: [],
      subject: Buffer.from('Résultats', 'utf8'),
    };
    const text = enc(envelopeValue(withGroup));
    assert.ok(text.includes('((NIL NIL "Cabinet" NIL)("Claire" NIL "claire" "x.fr")(NIL NIL NIL NIL)) NIL NIL NIL'));
    assert.ok(text.includes('{10}\r\nRésultats'));
  });

  test('BODY and BODYSTRUCTURE of a text part', () => {
    const part: BodyStructure = {
      type: 'TEXT',
      subtype: 'PLAIN',
      params: [['CHARSET', 'US-ASCII']],
      id: null,
      description: null,
      encoding: '7BIT',
      size: 3028,
      lines: 92,
    };
    assert.equal(enc(bodyStructureValue(part, false)), '("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92)');
    assert.equal(enc(bodyStructureValue(part, true)), '("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92 NIL NIL NIL NIL)');
  });

  test('multipart, attachment, encapsulated message', () => {
    const body: BodyStructure = {
      multipart: true,
      subtype: 'MIXED',
      params: [['BOUNDARY', 'xyz']],
      parts: [
        {
          type: 'TEXT',
          subtype: 'PLAIN',
          params: [['CHARSET', 'US-ASCII']],
          id: null,
          description: null,
          encoding: '7BIT',
          size: 1152,
          lines: 23,
        },
        {
          type: 'APPLICATION',
          subtype: 'ZIP',
          params: [],
          id: '<960723163407.20117h@cac.washington.edu>',
          description: 'IHE_XDM',
          encoding: 'BASE64',
          size: 4554,
          md5: null,
          disposition: { type: 'attachment', params: [['filename', 'IHE_XDM.zip']] },
          language: ['fr'],
          location: null,
        },
        {
          type: 'MESSAGE',
          subtype: 'RFC822',
          params: [],
          id: null,
          description: null,
          encoding: '7BIT',
          size: 200,
          lines: 5,
          envelope: { ...envelope, from: null, sender: null, replyTo: null, to: null, cc: null },
          body: { type: 'TEXT', subtype: 'PLAIN', params: [], id: null, description: null, encoding: '7BIT', size: 10, lines: 1 },
        },
      ],
    };
    assert.equal(
      enc(bodyStructureValue(body, false)),
      '(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1152 23)' +
        '("APPLICATION" "ZIP" NIL "<960723163407.20117h@cac.washington.edu>" "IHE_XDM" "BASE64" 4554)' +
        '("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 200 ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" NIL NIL NIL NIL NIL NIL NIL "<B27397-0100000@cac.washington.edu>") ("TEXT" "PLAIN" NIL NIL NIL "7BIT" 10 1) 5)' +
        ' "MIXED")',
    );
    const extended = enc(bodyStructureValue(body, true));
    assert.ok(extended.includes('"BASE64" 4554 NIL ("attachment" ("filename" "IHE_XDM.zip")) "fr" NIL)'));
    assert.ok(extended.endsWith(' "MIXED" ("BOUNDARY" "xyz") NIL NIL NIL)'));
    assert.throws(() => bodyStructureValue({ ...body.parts[2]!, envelope: undefined } as BodyStructure, true), TypeError);
  });

  test('raw stays raw', () => {
    assert.equal(enc(raw('BODY[]<0>')), 'BODY[]<0>');
  });
});

describe('capabilities', () => {
  const always =
    'IMAP4rev1 IMAP4rev2 LITERAL+ LITERAL- IDLE UIDPLUS MOVE NAMESPACE SPECIAL-USE ENABLE CONDSTORE QRESYNC ID UNSELECT ESEARCH SORT THREAD=ORDEREDSUBJECT THREAD=REFERENCES WITHIN LIST-EXTENDED LIST-STATUS CHILDREN STATUS=SIZE OBJECTID SAVEDATE BINARY';

  test('before TLS: STARTTLS and LOGINDISABLED, no mechanism', () => {
    assert.equal(capabilityString({ tls: false, authenticated: false }), `${always} STARTTLS LOGINDISABLED`);
  });

  test('after TLS: the OAuth mechanisms and SASL-IR', () => {
    assert.equal(capabilityString({ tls: true, authenticated: false }), `${always} AUTH=XOAUTH2 AUTH=OAUTHBEARER SASL-IR LOGINDISABLED`);
  });

  test('authenticated: only what can still be used', () => {
    assert.equal(capabilityString({ tls: true, authenticated: true }), always);
    assert.deepEqual(capabilityList({ tls: true, authenticated: true, extra: ['QUOTA'] }).at(-1), 'QUOTA');
  });

  test('the bench listener accepts LOGIN', () => {
    assert.equal(capabilityString({ tls: false, authenticated: false, loginEnabled: true, starttlsAvailable: false }), always);
  });
});
