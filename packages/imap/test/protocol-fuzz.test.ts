// Property-based fuzzing: whatever a client sends, the framer and the parser answer with
// events, commands or ParseError — never another exception, never a hang — and what the
// encoder writes, the parser reads back unchanged.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  type FramerEvent,
  Framer,
  ParseError,
  astring,
  encodeValue,
  isIdleDone,
  literal,
  mailboxName,
  parseCommand,
  parseSaslResponse,
  str,
} from '../src/index.ts';
import { frameAll, parse } from './support/protocol.ts';

const VALID = [
  'a1 CAPABILITY',
  'a2 LOGIN {5}\r\nalice {6+}\r\nsecret',
  'a3 AUTHENTICATE XOAUTH2 dXNlcj1hQGIBYXV0aD1CZWFyZXIgdAEB',
  'a4 SELECT "&AOk-t&AOk-" (CONDSTORE)',
  'a5 CREATE Archive (USE (\\Archive))',
  'a6 RENAME "a b" c',
  'a7 LIST (SUBSCRIBED RECURSIVEMATCH) "" ("INBOX" "Dr%") RETURN (CHILDREN SPECIAL-USE STATUS (MESSAGES UNSEEN))',
  'a8 LSUB "#news." "comp.*"',
  'a9 STATUS INBOX (MESSAGES UIDNEXT HIGHESTMODSEQ)',
  'b1 APPEND INBOX (\\Seen $x) "17-Jul-1996 02:44:25 -0700" {12+}\r\nSubject: x\r\n',
  'b2 SEARCH CHARSET UTF-8 OR (FROM {3+}\r\nabc SUBJECT "x y") NOT (SEEN 1:5,*) SINCE 1-Feb-1994 MODSEQ "/flags/\\\\draft" all 5',
  'b3 UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From Subject)]<0.100> BODY[1.2.MIME] BINARY[1]) (CHANGEDSINCE 12)',
  'b4 STORE 1,3:5 (UNCHANGEDSINCE 7) +FLAGS.SILENT (\\Deleted)',
  'b5 UID MOVE 42:69 "Dossiers/été"',
  'b6 UID EXPUNGE 3000:3002',
  'b7 ID ("name" "x" "version" NIL)',
  'b8 ENABLE CONDSTORE',
  'b9 FETCH 2:4 FULL',
  'c1 GETQUOTAROOT INBOX',
  'c2 IDLE',
];

function mustOnlyParseError(events: readonly FramerEvent[]): void {
  for (const e of events) {
    if (e.type !== 'command') continue;
    isIdleDone(e.command);
    for (const attempt of [() => parseCommand(e.command), () => parseSaslResponse(e.command)]) {
      try {
        const result = attempt();
        assert.equal(typeof result, 'object');
      } catch (error) {
        if (!(error instanceof ParseError)) throw error;
        assert.ok(error.message.length > 0 && !/[\r\n]/.test(error.message));
      }
    }
  }
}

const limits = { maxLineLength: 200, maxLiteralSize: 100, maxAppendLiteralSize: 1000, maxCommandSize: 500 };

type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'insert'; readonly at: number; readonly byte: number }
  | { readonly kind: 'delete' | 'duplicate'; readonly at: number; readonly length: number };

const interesting = fc.constantFrom(...Buffer.from(' ()[]{}<>"\\*:,+~\r\n0123456789'));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.oneof(fc.integer({ min: 0, max: 255 }), interesting) }),
  fc.record({ kind: fc.constantFrom('delete' as const, 'duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
);

/** Flips a bit, inserts a byte, deletes or repeats a few bytes, at positions taken modulo the length. */
function mutate(input: Buffer, mutations: readonly Mutation[]): Buffer {
  let b = input;
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.kind === 'flip') {
      if (b.length === 0) continue;
      b = Buffer.from(b);
      b[at] = b[at]! ^ (1 << m.bit);
    } else if (m.kind === 'insert') {
      b = Buffer.concat([b.subarray(0, at), Buffer.from([m.byte]), b.subarray(at)]);
    } else if (m.kind === 'delete') {
      b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.length)]);
    } else {
      b = Buffer.concat([b.subarray(0, at + m.length), b.subarray(at)]);
    }
  }
  return b;
}

describe('fuzzing', { timeout: 120_000 }, () => {
  test('every valid command of the corpus parses', () => {
    for (const text of VALID) assert.equal(typeof parse(`${text}\r\n`).tag, 'string', text);
  });

  test('random bytes: only events, commands and ParseError', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }), (chunks) => {
        const buffers = chunks.map((c) => Buffer.from(c));
        mustOnlyParseError(frameAll(buffers));
        mustOnlyParseError(frameAll(buffers, limits));
      }),
      { numRuns: 3000 },
    );
  });

  test('random IMAP-ish text: only events, commands and ParseError', () => {
    const token = fc.constantFrom(
      ...'a1 UID FETCH SEARCH STORE LIST APPEND LOGIN SELECT NOT OR ( ) [ ] < > . " \\ { } {0} {3+} ~{2} * : , 1 2:* BODY.PEEK HEADER.FIELDS MIME TEXT CHARSET MODSEQ +FLAGS \\Seen NIL INBOX &AOk- \r\n'.split(
        ' ',
      ),
      ' ',
      '\r\n',
      '\n',
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 60 }), fc.nat(), (tokens, cut) => {
        const bytes = Buffer.from(tokens.join(''), 'latin1');
        const at = bytes.length === 0 ? 0 : cut % bytes.length;
        mustOnlyParseError(frameAll([bytes.subarray(0, at), bytes.subarray(at)]));
      }),
      { numRuns: 5000 },
    );
  });

  test('mutated valid commands: only ParseError', () => {
    fc.assert(
      fc.property(fc.constantFrom(...VALID), fc.array(mutation, { minLength: 1, maxLength: 5 }), (text, mutations) => {
        const bytes = mutate(Buffer.from(`${text}\r\nz9 NOOP\r\n`, 'latin1'), mutations);
        mustOnlyParseError(frameAll(bytes));
        mustOnlyParseError(frameAll(bytes, limits));
      }),
      { numRuns: 10000 },
    );
  });

  test('the framer holds no more than its limits, whatever arrives', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 400 }), { maxLength: 10 }), (chunks) => {
        const framer = new Framer(limits);
        for (const c of chunks) {
          framer.push(Buffer.from(c));
          for (let e = framer.next(); e; e = framer.next()) if (e.type === 'literal-request') framer.acceptLiteral();
          assert.ok(framer.bufferedBytes <= limits.maxAppendLiteralSize + limits.maxCommandSize);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('encode → parse round trips', () => {
  const text = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.string({ unit: fc.constantFrom('a', ' ', '"', '\\', '\r', '\n', '{', '}', '(', ')', '*', '%', ']', 'é', '\0', '+') }),
    fc.string({ unit: 'grapheme-ascii', maxLength: 2000 }),
  );

  test('astring and string values come back as sent', () => {
    fc.assert(
      fc.property(text, text, (user, password) => {
        const line = Buffer.concat([
          Buffer.from('a LOGIN '),
          encodeValue(astring(user)),
          Buffer.from(' '),
          encodeValue(str(password)),
          Buffer.from('\r\n'),
        ]);
        assert.deepEqual(parse(line).args, { userid: user, password });
      }),
      { numRuns: 2000 },
    );
  });

  test('literals come back byte for byte', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        const body = Buffer.from(data);
        const line = Buffer.concat([Buffer.from('a APPEND INBOX '), encodeValue(literal(body)), Buffer.from('\r\n')]);
        const cmd = parse(line);
        assert.equal(cmd.command, 'APPEND');
        if (cmd.command === 'APPEND') assert.deepEqual(cmd.args.message, body);
      }),
    );
  });

  test('mailbox names come back as sent', () => {
    fc.assert(
      fc.property(text, (name) => {
        const line = Buffer.concat([Buffer.from('a SELECT '), encodeValue(mailboxName(name)), Buffer.from('\r\n')]);
        const expected = /^inbox$/i.test(name) ? 'INBOX' : name.toWellFormed();
        assert.deepEqual(parse(line).args, { mailbox: expected, condstore: false, qresync: null });
      }),
      { numRuns: 2000 },
    );
  });
});
