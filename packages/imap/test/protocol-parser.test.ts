// Exact parses of the RFC examples for every command (RFC 3501 §6 and the extensions' RFCs),
// plus the tricky cases: literals, non-ASCII mailbox names, UID forms, errors answered BAD.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseSequenceSet as seq } from '../src/index.ts';
import { argsOf, parse, parseError } from './support/protocol.ts';

const none = {};

describe('RFC 3501 §6.1 any state', () => {
  test('CAPABILITY, NOOP, LOGOUT', () => {
    assert.deepEqual(parse('abcd CAPABILITY'), { tag: 'abcd', command: 'CAPABILITY', uid: false, args: none });
    assert.deepEqual(parse('a002 NOOP'), { tag: 'a002', command: 'NOOP', uid: false, args: none });
    assert.deepEqual(parse('A023 LOGOUT'), { tag: 'A023', command: 'LOGOUT', uid: false, args: none });
  });

  test('command names are case-insensitive, tags are kept as sent', () => {
    assert.deepEqual(parse('x.1 noop'), { tag: 'x.1', command: 'NOOP', uid: false, args: none });
  });
});

describe('RFC 3501 §6.2 not authenticated', () => {
  test('STARTTLS', () => {
    assert.deepEqual(parse('a001 STARTTLS'), { tag: 'a001', command: 'STARTTLS', uid: false, args: none });
  });

  test('AUTHENTICATE without and with an initial response (SASL-IR, RFC 4959)', () => {
    assert.deepEqual(argsOf('AUTHENTICATE', 'A001 AUTHENTICATE GSSAPI'), { mechanism: 'GSSAPI', initialResponse: null });
    const ir = Buffer.from('user=a@b\x01auth=Bearer t\x01\x01').toString('base64');
    assert.deepEqual(parse(`a1 authenticate xoauth2 ${ir}`).args, { mechanism: 'XOAUTH2', initialResponse: ir });
    assert.deepEqual(argsOf('AUTHENTICATE', 'a1 AUTHENTICATE PLAIN ='), { mechanism: 'PLAIN', initialResponse: '' });
    assert.equal(parseError('a1 AUTHENTICATE PLAIN abc').message, 'Invalid SASL initial response');
  });

  test('LOGIN with atoms, quoted strings and literals', () => {
    assert.deepEqual(argsOf('LOGIN', 'a001 LOGIN SMITH SESAME'), { userid: 'SMITH', password: 'SESAME' });
    assert.deepEqual(argsOf('LOGIN', 'a1 LOGIN "fred smith" "p\\"w\\\\d"'), { userid: 'fred smith', password: 'p"w\\d' });
    assert.deepEqual(argsOf('LOGIN', 'a1 LOGIN {5}\r\nalice {6+}\r\nsec\r\nt\r\n'), { userid: 'alice', password: 'sec\r\nt' });
  });

  test('a {0} literal is an empty string', () => {
    assert.deepEqual(argsOf('LOGIN', 'a1 LOGIN {0}\r\n {0+}\r\n\r\n'), { userid: '', password: '' });
  });
});

describe('RFC 3501 §6.3 authenticated', () => {
  test('SELECT and EXAMINE, INBOX in any case, CONDSTORE parameter (RFC 7162 §3.1.8)', () => {
    assert.deepEqual(parse('A142 SELECT INBOX'), {
      tag: 'A142',
      command: 'SELECT',
      uid: false,
      args: { mailbox: 'INBOX', condstore: false, qresync: null },
    });
    assert.deepEqual(argsOf('EXAMINE', 'A932 EXAMINE blurdybloop'), { mailbox: 'blurdybloop', condstore: false, qresync: null });
    assert.deepEqual(argsOf('SELECT', 'a SELECT inBox (CONDSTORE)'), { mailbox: 'INBOX', condstore: true, qresync: null });
    // RFC 7162 §3.2.5: QRESYNC (uidvalidity modseq [known-uids [(seq-match)]]).
    assert.deepEqual(argsOf('SELECT', 'a SELECT INBOX (QRESYNC (1 2))').qresync, {
      uidValidity: 1,
      modseq: 2n,
      knownUids: null,
      seqMatch: null,
    });
    const full = argsOf('SELECT', 'a SELECT INBOX (QRESYNC (67890007 90060115194045000 41:211,214:541 (1,3 41,43)))').qresync;
    assert.deepEqual(
      [full?.uidValidity, full?.modseq, full?.knownUids, full?.seqMatch],
      [67890007, 90060115194045000n, seq('41:211,214:541'), { seqs: seq('1,3'), uids: seq('41,43') }],
    );
    assert.equal(parseError('a SELECT INBOX (FOO)').message, 'Unknown SELECT parameter FOO');
    assert.match(parseError('a SELECT INBOX (QRESYNC (0 2))').message, /UIDVALIDITY|number/i);
  });

  test('CREATE, with USE (RFC 6154 §5.2)', () => {
    assert.deepEqual(argsOf('CREATE', 'A003 CREATE owatagusiam/'), { mailbox: 'owatagusiam/', specialUse: [] });
    assert.deepEqual(argsOf('CREATE', 't1 CREATE MySpecialArchive (USE (\\archive))'), {
      mailbox: 'MySpecialArchive',
      specialUse: ['\\Archive'],
    });
  });

  test('DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE', () => {
    assert.deepEqual(argsOf('DELETE', 'A683 DELETE blurdybloop'), { mailbox: 'blurdybloop' });
    assert.deepEqual(argsOf('RENAME', 'A683 RENAME blurdybloop sarasoop'), { from: 'blurdybloop', to: 'sarasoop' });
    assert.deepEqual(argsOf('SUBSCRIBE', 'A002 SUBSCRIBE #news.comp.mail.mime'), { mailbox: '#news.comp.mail.mime' });
    assert.deepEqual(argsOf('UNSUBSCRIBE', 'A002 UNSUBSCRIBE #news.comp.mail.mime'), { mailbox: '#news.comp.mail.mime' });
  });

  test('mailbox names: spaces, modified UTF-7, raw UTF-8, literals', () => {
    assert.equal(argsOf('SELECT', 'a SELECT "My Folder"').mailbox, 'My Folder');
    assert.equal(argsOf('SELECT', 'a SELECT &AOk-t&AOk-').mailbox, 'été');
    assert.equal(argsOf('SELECT', 'a SELECT ~peter/mail/&U,BTFw-/&ZeVnLIqe-').mailbox, '~peter/mail/台北/日本語');
    assert.equal(argsOf('SELECT', 'a SELECT "Q&-A"').mailbox, 'Q&A');
    assert.equal(argsOf('SELECT', 'a SELECT &ATE-nbox').mailbox, 'ınbox');
    assert.equal(argsOf('SELECT', Buffer.from('a SELECT "Été 2026"\r\n')).mailbox, 'Été 2026');
    assert.equal(argsOf('SELECT', 'a SELECT {11}\r\nInbox/Été\r\n').mailbox, 'Inbox/Été');
    assert.equal(parseError('a SELECT &AOk').message, 'Invalid mailbox name: not modified UTF-7');
    assert.equal(parseError(Buffer.from('a SELECT "\xff"\r\n', 'latin1')).message, 'Invalid mailbox name: not UTF-8');
  });

  test('LIST, basic (RFC 3501 §6.3.8)', () => {
    const basic = { subscribed: false, remote: false, recursiveMatch: false, specialUse: false };
    const noReturn = { subscribed: false, children: false, specialUse: false, status: null };
    assert.deepEqual(argsOf('LIST', 'A101 LIST "" ""'), {
      reference: '',
      patterns: [''],
      select: basic,
      return: noReturn,
      extended: false,
    });
    assert.deepEqual(argsOf('LIST', 'A202 LIST ~/Mail/ %').patterns, ['%']);
    assert.deepEqual(argsOf('LIST', 'A102 LIST #news.comp.mail.misc ""').reference, '#news.comp.mail.misc');
    assert.deepEqual(argsOf('LIST', 'a LIST "" *').patterns, ['*']);
    assert.deepEqual(argsOf('LIST', 'a LIST "" &AOk-t&AOk-/*').patterns, ['été/*']);
  });

  test('LIST-EXTENDED (RFC 5258) and SPECIAL-USE (RFC 6154 §2, §5.1)', () => {
    const special = argsOf('LIST', 't1 LIST "" "%" RETURN (SPECIAL-USE)');
    assert.equal(special.extended, true);
    assert.deepEqual(special.return, { subscribed: false, children: false, specialUse: true, status: null });
    const selected = argsOf('LIST', 't1 LIST (SPECIAL-USE) "" "*"');
    assert.equal(selected.select.specialUse, true);
    const full = argsOf('LIST', 'A01 LIST (SUBSCRIBED RECURSIVEMATCH) "" ("INBOX" "Drafts") RETURN (CHILDREN STATUS (MESSAGES UNSEEN))');
    assert.deepEqual(full.select, { subscribed: true, remote: false, recursiveMatch: true, specialUse: false });
    assert.deepEqual(full.patterns, ['INBOX', 'Drafts']);
    assert.deepEqual(full.return, { subscribed: false, children: true, specialUse: false, status: ['MESSAGES', 'UNSEEN'] });
    assert.equal(parseError('a LIST (RECURSIVEMATCH) "" *').message, 'RECURSIVEMATCH needs another selection option');
    assert.equal(parseError('a LIST "" * RETURN (FOO)').message, 'Unknown LIST return option FOO');
  });

  test('LSUB', () => {
    assert.deepEqual(argsOf('LSUB', 'A002 LSUB "#news." "comp.mail.*"'), { reference: '#news.', pattern: 'comp.mail.*' });
  });

  test('STATUS, with HIGHESTMODSEQ (RFC 7162 §3.1.6)', () => {
    assert.deepEqual(argsOf('STATUS', 'A042 STATUS blurdybloop (UIDNEXT MESSAGES)'), {
      mailbox: 'blurdybloop',
      items: ['UIDNEXT', 'MESSAGES'],
    });
    assert.deepEqual(argsOf('STATUS', 'a STATUS INBOX (highestmodseq uidvalidity recent unseen)').items, [
      'HIGHESTMODSEQ',
      'UIDVALIDITY',
      'RECENT',
      'UNSEEN',
    ]);
    assert.equal(parseError('a STATUS INBOX ()').message, 'Expected a list of status items: empty list');
  });

  test('APPEND, the RFC example (synchronising literal)', () => {
    const message =
      'Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\n' +
      'From: Fred Foobar <foobar@Blurdybloop.COM>\r\n' +
      'Subject: afternoon meeting\r\n' +
      'To: mooch@owatagu.siam.edu\r\n' +
      'Message-Id: <B27397-0100000@Blurdybloop.COM>\r\n' +
      'MIME-Version: 1.0\r\n' +
      'Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n' +
      '\r\n' +
      'Hello Joe, do you think we can meet at 3:30 tomorrow?\r\n';
    assert.equal(message.length, 310);
    const cmd = parse(`A003 APPEND saved-messages (\\Seen) {310}\r\n${message}\r\n`);
    assert.deepEqual(cmd, {
      tag: 'A003',
      command: 'APPEND',
      uid: false,
      args: { mailbox: 'saved-messages', flags: ['\\Seen'], internalDate: null, message: Buffer.from(message), binary: false },
    });
  });

  test('APPEND with date-time, keywords, LITERAL+ and literal8', () => {
    const cmd = parse('a APPEND INBOX (\\SEEN $Label) "17-Jul-1996 02:44:25 -0700" {3+}\r\nhi!\r\n');
    assert.equal(cmd.command, 'APPEND');
    if (cmd.command !== 'APPEND') return;
    assert.deepEqual(cmd.args.flags, ['\\Seen', '$Label']);
    assert.equal(cmd.args.internalDate?.date.toISOString(), '1996-07-17T09:44:25.000Z');
    assert.equal(cmd.args.internalDate?.offsetMinutes, -420);
    const binary = parse('a APPEND INBOX ~{3}\r\na\x00b\r\n');
    assert.deepEqual(binary.args, { mailbox: 'INBOX', flags: [], internalDate: null, message: Buffer.from('a\x00b'), binary: true });
    assert.equal(parseError('a APPEND INBOX "hello"').message, 'Invalid date-time');
    assert.equal(parseError('a APPEND INBOX ()').message, 'Missing arguments');
  });

  test('NAMESPACE, ENABLE, ID, GETQUOTA, GETQUOTAROOT', () => {
    assert.deepEqual(argsOf('NAMESPACE', 'A001 NAMESPACE'), none);
    assert.deepEqual(argsOf('ENABLE', 't2 ENABLE CONDSTORE X-GOOD-IDEA'), { capabilities: ['CONDSTORE', 'X-GOOD-IDEA'] });
    assert.deepEqual(argsOf('ID', 'a023 ID ("name" "sodr" "version" "19.34" "vendor" "Pink Floyd Music Limited")'), {
      params: [
        ['name', 'sodr'],
        ['version', '19.34'],
        ['vendor', 'Pink Floyd Music Limited'],
      ],
    });
    assert.deepEqual(argsOf('ID', 'a ID NIL'), { params: null });
    assert.deepEqual(argsOf('ID', 'a ID ("os" NIL)'), { params: [['os', null]] });
    assert.deepEqual(argsOf('GETQUOTA', 'G0001 GETQUOTA "!partition/sda4"'), { root: '!partition/sda4' });
    assert.deepEqual(argsOf('GETQUOTAROOT', 'A003 GETQUOTAROOT INBOX'), { mailbox: 'INBOX' });
    assert.equal(parseError('a ENABLE').message, 'Missing arguments');
  });
});

describe('RFC 3501 §6.4 selected', () => {
  test('CHECK, CLOSE, EXPUNGE, UNSELECT (RFC 3691), IDLE (RFC 2177)', () => {
    assert.deepEqual(argsOf('CHECK', 'FXXZ CHECK'), none);
    assert.deepEqual(argsOf('CLOSE', 'A341 CLOSE'), none);
    assert.deepEqual(parse('A202 EXPUNGE'), { tag: 'A202', command: 'EXPUNGE', uid: false, args: { uids: null } });
    assert.deepEqual(argsOf('UNSELECT', 'A342 UNSELECT'), none);
    assert.deepEqual(argsOf('IDLE', 'A002 IDLE'), none);
  });

  test('UID EXPUNGE (RFC 4315 §2.1)', () => {
    assert.deepEqual(parse('A003 UID EXPUNGE 3000:3002'), {
      tag: 'A003',
      command: 'EXPUNGE',
      uid: true,
      args: { uids: seq('3000:3002') },
    });
  });

  test('STORE (RFC 3501 §6.4.6) and UNCHANGEDSINCE (RFC 7162 §3.1.3)', () => {
    assert.deepEqual(argsOf('STORE', 'A003 STORE 2:4 +FLAGS (\\Deleted)'), {
      set: seq('2:4'),
      operation: 'add',
      silent: false,
      flags: ['\\Deleted'],
      unchangedSince: null,
    });
    assert.deepEqual(argsOf('STORE', 'a STORE 1 -flags.silent \\Seen $Junk'), {
      set: seq('1'),
      operation: 'remove',
      silent: true,
      flags: ['\\Seen', '$Junk'],
      unchangedSince: null,
    });
    assert.deepEqual(parse('a103 UID STORE 6,4,8 (UNCHANGEDSINCE 12121230045) +FLAGS.SILENT (\\Deleted)'), {
      tag: 'a103',
      command: 'STORE',
      uid: true,
      args: { set: seq('6,4,8'), operation: 'add', silent: true, flags: ['\\Deleted'], unchangedSince: 12121230045n },
    });
    assert.deepEqual(argsOf('STORE', 'a STORE 1 FLAGS ()').flags, []);
    assert.equal(parseError('a STORE 1 LABELS (x)').message, 'Expected FLAGS, +FLAGS or -FLAGS');
  });

  test('COPY, MOVE (RFC 6851) and their UID forms', () => {
    assert.deepEqual(argsOf('COPY', 'A003 COPY 2:4 MEETING'), { set: seq('2:4'), mailbox: 'MEETING' });
    assert.deepEqual(parse('a UID MOVE 42:69 foo'), {
      tag: 'a',
      command: 'MOVE',
      uid: true,
      args: { set: seq('42:69'), mailbox: 'foo' },
    });
    assert.deepEqual(argsOf('COPY', 'a UID COPY 1:* "Dossiers patients/2026"').mailbox, 'Dossiers patients/2026');
  });
});

describe('errors answered BAD', () => {
  test('a bad tag gets no tag back (untagged * BAD)', () => {
    for (const line of ['* NOOP', '+a NOOP', '(a) NOOP', 'a%b NOOP', 'a"b NOOP']) {
      const error = parseError(line);
      assert.equal(error.tag, null, line);
      assert.equal(error.message, 'Invalid tag', line);
    }
    assert.equal(parseError('\r\n').message, 'Empty command line');
  });

  test('a good tag comes back with the message', () => {
    const missing = parseError('A1 SELECT');
    assert.equal(missing.tag, 'A1');
    assert.equal(missing.message, 'Missing arguments');
    assert.equal(parseError('A1').message, 'Missing command');
    assert.equal(parseError('A1 FROB x').message, 'Unknown command FROB');
    assert.equal(parseError('A1 UID NOOP').message, 'Invalid UID command NOOP');
    assert.equal(parseError('A1 NOOP now').message, 'Unexpected extra arguments');
    assert.equal(parseError('A1 LOGIN a  b').message, 'Expected a password');
    assert.equal(parseError('A1 LOGIN "a b').message, 'Unterminated quoted string');
    assert.equal(parseError('A1 LOGIN "a\\b" c').message, 'Invalid escape in quoted string');
    assert.equal(parseError('A1 CAPABILITY\r').message, 'Unexpected extra arguments');
    assert.equal(parseError('A1 SELECT ~{1}\r\nx\r\n').message, 'Binary literal (~{n}) not allowed here');
    assert.equal(parseError('A1 CONSTRUCTOR').message, 'Unknown command CONSTRUCTOR');
    assert.equal(parseError('A1 toString').message, 'Unknown command TOSTRING');
  });

  test('long client tokens are cut short in the message', () => {
    const error = parseError(`A1 ${'X'.repeat(5000)}`);
    assert.ok(error.message.length < 80);
  });
});
