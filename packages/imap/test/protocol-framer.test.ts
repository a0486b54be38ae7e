// Framing: lines, literals of every kind, limits with recovery, bounded memory, and the same
// result however the stream is cut into chunks.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { type FramerEvent, Framer, parseCommand } from '../src/index.ts';
import { commandsOf, frameAll } from './support/protocol.ts';

const small = { maxLineLength: 100, maxLiteralSize: 50, maxAppendLiteralSize: 500, maxCommandSize: 300 };

function summary(events: readonly FramerEvent[]): unknown[] {
  return events.map((e) => {
    if (e.type !== 'command') return e.type === 'literal-request' ? { ...e, partial: e.partial.lines } : e;
    return { lines: e.command.lines, literals: e.command.literals.map((l) => [l.data.toString('latin1'), l.binary, l.nonSync]) };
  });
}

describe('lines', () => {
  test('CRLF and bare LF both end a line; a lone CR does not', () => {
    const events = frameAll('a NOOP\r\nb NOOP\nc NO\rOP\r\n\r\n');
    assert.deepEqual(
      commandsOf(events).map((c) => c.lines),
      [['a NOOP'], ['b NOOP'], ['c NO\rOP'], ['']],
    );
    assert.deepEqual(commandsOf(events)[1], { tag: 'b', name: 'NOOP', lines: ['b NOOP'], literals: [] });
  });

  test('tag and command name are seen by the framer', () => {
    const [cmd] = commandsOf(frameAll('x1 uid fetch 1 FLAGS\r\n'));
    assert.equal(cmd?.tag, 'x1');
    assert.equal(cmd?.name, 'UID FETCH');
    assert.equal(commandsOf(frameAll('* NOOP\r\n'))[0]?.tag, null);
  });

  test('nothing is produced before the line end', () => {
    const framer = new Framer();
    framer.push(Buffer.from('a NOO'));
    assert.equal(framer.next(), null);
    framer.push(Buffer.from('P\r'));
    assert.equal(framer.next(), null);
    framer.push(Buffer.from('\n'));
    assert.deepEqual(framer.next(), { type: 'command', command: { tag: 'a', name: 'NOOP', lines: ['a NOOP'], literals: [] } });
    assert.equal(framer.next(), null);
  });
});

describe('literals', () => {
  test('a synchronising literal waits for the server decision', () => {
    const framer = new Framer();
    framer.push(Buffer.from('a LOGIN {5}\r\n'));
    const request = framer.next();
    assert.deepEqual(request, {
      type: 'literal-request',
      tag: 'a',
      name: 'LOGIN',
      size: 5,
      binary: false,
      partial: { tag: 'a', name: 'LOGIN', lines: ['a LOGIN '], literals: [] },
    });
    assert.equal(framer.awaitingLiteralDecision, true);
    framer.push(Buffer.from('alice pw\r\n'));
    assert.equal(framer.next(), null, 'nothing is read before the decision');
    framer.acceptLiteral();
    const event = framer.next();
    assert.equal(event?.type, 'command');
    if (event?.type !== 'command') return;
    assert.deepEqual(parseCommand(event.command).args, { userid: 'alice', password: 'pw' });
  });

  test('the partial command of a request parses with a placeholder literal (early TRYCREATE)', () => {
    const framer = new Framer();
    framer.push(Buffer.from('a APPEND "Dossiers/été" (\\Seen) {20000}\r\n'));
    const request = framer.next();
    assert.equal(request?.type, 'literal-request');
    if (request?.type !== 'literal-request') return;
    const placeholder = { data: Buffer.alloc(0), binary: request.binary, nonSync: false };
    const cmd = parseCommand({
      ...request.partial,
      lines: [...request.partial.lines, ''],
      literals: [...request.partial.literals, placeholder],
    });
    assert.equal(cmd.command === 'APPEND' && cmd.args.mailbox, 'Dossiers/été');
  });

  test('a rejected synchronising literal drops the command; the next one is read', () => {
    const events = frameAll(['a APPEND Spam {5}\r\n', 'b NOOP\r\n'], {}, () => true);
    assert.deepEqual(
      events.map((e) => e.type),
      ['literal-request', 'command'],
    );
    assert.deepEqual(commandsOf(events)[0]?.lines, ['b NOOP']);
    assert.throws(() => new Framer().acceptLiteral(), /no literal is waiting/);
  });

  test('{0}, {n+}, ~{n} and literals followed by more text', () => {
    const events = frameAll('a LOGIN {0}\r\n {3+}\r\nx\ny\r\nb APPEND INBOX ~{3}\r\n\0\r\n\r\n');
    assert.deepEqual(summary(commandsOf(events).map((command) => ({ type: 'command', command }) as const)), [
      {
        lines: ['a LOGIN ', ' ', ''],
        literals: [
          ['', false, false],
          ['x\ny', false, true],
        ],
      },
      { lines: ['b APPEND INBOX ', ''], literals: [['\0\r\n', true, false]] },
    ]);
  });

  test('a literal never ends a line early: CRLF inside it is data', () => {
    const [cmd] = commandsOf(frameAll('a SEARCH TEXT {8+}\r\nb NOOP\r\n\r\n'));
    assert.deepEqual(cmd?.literals[0]?.data.toString(), 'b NOOP\r\n');
    assert.equal(commandsOf(frameAll('a SEARCH TEXT {8+}\r\nb NOOP\r\n\r\n')).length, 1);
  });
});

describe('limits', () => {
  test('an over-long line is reported once, skipped, and the next command is read', () => {
    const long = `a1 LOGIN ${'x'.repeat(300)}\r\n`;
    const events = frameAll([long.slice(0, 50), long.slice(50, 120), long.slice(120), 'b NOOP\r\n'], small);
    assert.deepEqual(summary(events), [
      { type: 'line-too-long', tag: 'a1', name: 'LOGIN', limit: 100 },
      { lines: ['b NOOP'], literals: [] },
    ]);
  });

  test('an over-long line in one chunk, and one ending in a non-synchronising literal', () => {
    const events = frameAll(`a1 SEARCH ${'x'.repeat(200)} {10+}\r\nz LOGOUT\r\n\r\nb NOOP\r\n`, small);
    assert.deepEqual(summary(events), [
      { type: 'line-too-long', tag: 'a1', name: 'SEARCH', limit: 100 },
      { lines: ['b NOOP'], literals: [] },
    ]);
  });

  test('an over-long line ending in a synchronising literal: the client will not send it', () => {
    const events = frameAll([`a1 SEARCH ${'x'.repeat(200)} {12}\r\n`, 'b NOOP\r\n'], small);
    assert.deepEqual(summary(events), [
      { type: 'line-too-long', tag: 'a1', name: 'SEARCH', limit: 100 },
      { lines: ['b NOOP'], literals: [] },
    ]);
  });

  test('a line with no usable tag', () => {
    const events = frameAll(`${'x'.repeat(200)}\r\n`, small);
    assert.deepEqual(events, [{ type: 'line-too-long', tag: null, name: null, limit: 100 }]);
  });

  test('a synchronising literal over the limit: reported, no continuation, command dropped', () => {
    const events = frameAll(['a LOGIN {51}\r\n', 'b NOOP\r\n'], small);
    assert.deepEqual(summary(events), [
      { type: 'literal-too-big', tag: 'a', name: 'LOGIN', size: 51, limit: 50, nonSync: false, binary: false },
      { lines: ['b NOOP'], literals: [] },
    ]);
  });

  test('a non-synchronising literal over the limit is swallowed with the rest of its command', () => {
    const payload = 'z LOGOUT\r\n'.repeat(60);
    const events = frameAll(`a LOGIN {${payload.length}+}\r\n${payload} {3+}\r\nabc\r\nb NOOP\r\n`, small);
    assert.deepEqual(summary(events), [
      { type: 'literal-too-big', tag: 'a', name: 'LOGIN', size: payload.length, limit: 50, nonSync: true, binary: false },
      { lines: ['b NOOP'], literals: [] },
    ]);
  });

  test('APPEND has its own literal limit', () => {
    const message = 'm'.repeat(400);
    const events = frameAll(`a APPEND INBOX {400+}\r\n${message}\r\nb APPEND INBOX {501}\r\nc NOOP\r\n`, small);
    assert.deepEqual(
      events.map((e) => e.type),
      ['command', 'literal-too-big', 'command'],
    );
    assert.equal(commandsOf(events)[0]?.literals[0]?.data.length, 400);
  });

  test('the command budget covers many small literals', () => {
    const parts = Array.from({ length: 10 }, () => 'TEXT {40+}\r\n' + 'y'.repeat(40) + ' ').join('');
    const events = frameAll(`a SEARCH ${parts}ALL\r\nb NOOP\r\n`, small);
    assert.deepEqual(
      events.map((e) => e.type),
      ['literal-too-big', 'command'],
    );
    assert.deepEqual(commandsOf(events)[0]?.lines, ['b NOOP']);
  });

  test('memory stays bounded: 10 MB without a line end', () => {
    const framer = new Framer();
    const garbage = Buffer.alloc(64 * 1024, 'g');
    let maxBuffered = 0;
    const events: FramerEvent[] = [];
    for (let i = 0; i < 160; i++) {
      framer.push(garbage);
      for (let e = framer.next(); e; e = framer.next()) events.push(e);
      maxBuffered = Math.max(maxBuffered, framer.bufferedBytes);
    }
    assert.ok(maxBuffered <= 64 * 1024, `buffered ${maxBuffered}`);
    assert.deepEqual(events, [{ type: 'line-too-long', tag: null, name: null, limit: 64 * 1024 }]);
    framer.push(Buffer.from('\r\nb NOOP\r\n'));
    assert.deepEqual(framer.next(), { type: 'command', command: { tag: 'b', name: 'NOOP', lines: ['b NOOP'], literals: [] } });
  });

  test('memory stays bounded: a 100 MB non-synchronising literal refused', () => {
    const framer = new Framer();
    framer.push(Buffer.from(`a APPEND INBOX {${100 * 1024 * 1024}+}\r\n`));
    assert.equal(framer.next()?.type, 'literal-too-big');
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    for (let i = 0; i < 100; i++) {
      framer.push(chunk);
      assert.equal(framer.next(), null);
      assert.equal(framer.bufferedBytes, 0);
    }
    framer.push(Buffer.from('\r\nb NOOP\r\n'));
    assert.equal(framer.next()?.type, 'command');
  });
});

describe('chunking', () => {
  const stream =
    'a1 LOGIN {5}\r\nalice {6+}\r\nsecret\r\n' +
    'a2 SELECT "&AOk-t&AOk-"\nA3 APPEND INBOX (\\Seen) ~{4}\r\n\r\n\0x\r\n' +
    `a4 SEARCH ${'q'.repeat(150)}\r\na5 SEARCH TEXT {70+}\r\n${'r'.repeat(70)}\r\n` +
    'a6 FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From)])\r\n{0}\r\n\r\n';

  test('every split point gives the same events (exhaustive, two pieces)', () => {
    const whole = summary(frameAll(stream, small));
    for (let i = 1; i < stream.length; i++) {
      assert.deepEqual(summary(frameAll([stream.slice(0, i), stream.slice(i)], small)), whole, `split at ${i}`);
    }
  });

  test('any chunking gives the same events (property)', () => {
    const bytes = Buffer.from(stream, 'latin1');
    const whole = summary(frameAll(bytes, small));
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 40 }), (cuts) => {
        const points = [0, ...cuts.sort((x, y) => x - y), bytes.length];
        const chunks = points.slice(1).map((end, i) => bytes.subarray(points[i], end));
        assert.deepEqual(summary(frameAll(chunks, small)), whole);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the line end owed after a literal (what a quick ACK answers)', () => {
  test('owed only once the whole literal is read and nothing of the line after it has come', () => {
    const framer = new Framer();
    framer.push(Buffer.from('a APPEND INBOX {5}\r\n'));
    assert.equal(framer.next()?.type, 'literal-request');
    assert.equal(framer.awaitingLineAfterLiteral, false, 'waiting for the decision, not for the client');
    framer.acceptLiteral();
    framer.push(Buffer.from('hel'));
    assert.equal(framer.next(), null);
    assert.equal(framer.awaitingLineAfterLiteral, false, 'part of the literal is still to come');
    framer.push(Buffer.from('lo'));
    assert.equal(framer.next(), null);
    assert.equal(framer.awaitingLineAfterLiteral, true);
    framer.push(Buffer.from('\r\n'));
    assert.equal(framer.next()?.type, 'command');
    assert.equal(framer.awaitingLineAfterLiteral, false, 'the command is whole');
  });

  test('not owed when the line end came with the literal, nor before any literal, nor after part of the line', () => {
    const together = new Framer();
    together.push(Buffer.from('a LOGIN {1+}\r\nx y\r\n'));
    assert.equal(together.next()?.type, 'command');
    assert.equal(together.awaitingLineAfterLiteral, false);
    const plain = new Framer();
    plain.push(Buffer.from('a NOO'));
    assert.equal(plain.next(), null);
    assert.equal(plain.awaitingLineAfterLiteral, false);
    const partLine = new Framer();
    partLine.push(Buffer.from('a LOGIN {1+}\r\nx y'));
    assert.equal(partLine.next(), null);
    assert.equal(partLine.awaitingLineAfterLiteral, false, 'the client is already sending the line');
    const unread = new Framer();
    unread.push(Buffer.from('a LOGIN {1+}\r\nx'));
    assert.equal(unread.awaitingLineAfterLiteral, false, 'input not read yet');
    assert.equal(unread.next(), null);
    assert.equal(unread.awaitingLineAfterLiteral, true);
  });
});
