import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BerError, BerReader, BerWriter, Tag } from '../src/ldap/ber.ts';
import { MessageFramer } from '../src/ldap/framing.ts';
import { decodeMessage } from '../src/ldap/messages.ts';
import { bindRequest, searchRequest } from './support/ldap-wire.ts';
import { arbitraryFilter } from './support/ldap-arbitraries.ts';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

test('INTEGER encodings are the shortest two’s complement (X.690 §8.3)', () => {
  const cases: [number, string][] = [
    [0, '020100'],
    [127, '02017f'],
    [128, '02020080'],
    [256, '02020100'],
    [-1, '0201ff'],
    [-128, '020180'],
    [-129, '0202ff7f'],
    [2147483647, '02047fffffff'],
  ];
  for (const [value, encoding] of cases) {
    assert.equal(new BerWriter().writeInteger(value).finish().toString('hex'), encoding, `encoding ${value}`);
    assert.equal(new BerReader(hex(encoding)).readInteger(), value, `decoding ${encoding}`);
  }
});

test('lengths switch to the long form from 128 bytes, in constructed elements too', () => {
  const short = new BerWriter().writeOctetString('x'.repeat(127)).finish();
  assert.equal(short.subarray(0, 2).toString('hex'), '047f');
  const long = new BerWriter().writeOctetString('x'.repeat(200)).finish();
  assert.equal(long.subarray(0, 3).toString('hex'), '0481c8');
  const longer = new BerWriter().writeOctetString('x'.repeat(300)).finish();
  assert.equal(longer.subarray(0, 4).toString('hex'), '0482012c');
  const nested = new BerWriter().startConstructed().writeOctetString('x'.repeat(200)).endConstructed().finish();
  assert.equal(nested.subarray(0, 6).toString('hex'), '3081cb0481c8');
  assert.equal(nested.length, 3 + 3 + 200);
  const reader = new BerReader(nested).readConstructed();
  assert.equal(reader.readString(), 'x'.repeat(200));
  assert.ok(reader.done);
});

test('BOOLEAN, NULL, ENUMERATED and tags round-trip', () => {
  const bytes = new BerWriter()
    .startConstructed(0x63)
    .writeBoolean(true)
    .writeBoolean(false)
    .writeNull()
    .writeEnumerated(2)
    .writeOctetString('é', 0x80)
    .endConstructed()
    .finish();
  assert.equal(bytes.toString('hex'), '630f0101ff01010005000a0102' + '8002c3a9');
  const r = new BerReader(bytes).readConstructed(0x63);
  assert.equal(r.readBoolean(), true);
  assert.equal(r.readBoolean(), false);
  r.readNull();
  assert.equal(r.readEnumerated(), 2);
  assert.equal(r.readString(0x80), 'é');
  assert.ok(r.done);
});

test('an anonymous BindRequest written by hand decodes (RFC 4511 §4.2)', () => {
  // LDAPMessage { messageID 1, bindRequest { version 3, name "", simple "" } }
  const bytes = hex('300c 020101 6007 020103 0400 8000');
  assert.deepEqual(bindRequest(1), bytes);
  const message = decodeMessage(bytes);
  assert.equal(message.messageId, 1);
  assert.deepEqual(message.controls, []);
  assert.equal(message.request.type, 'bind');
  if (message.request.type !== 'bind') return;
  assert.equal(message.request.version, 3);
  assert.equal(message.request.name, '');
  assert.equal(message.request.authentication.method, 'simple');
});

test('a SearchRequest written by hand decodes (RFC 4511 §4.5.1)', () => {
  const base = Buffer.from('ou=bal,o=mssante,c=fr').toString('hex');
  const bytes = hex(
    '303f 020102 633a' +
      `0415${base}` + // baseObject
      '0a0102 0a0100 020100 020100 010100' + // wholeSubtree, neverDerefAliases, no limits, typesOnly FALSE
      'a30c 0402736e 04064d617274696e' + // (sn=Martin)
      '3004 0402636e', // attributes: cn
  );
  const message = decodeMessage(bytes);
  assert.deepEqual(message.request, {
    type: 'search',
    baseObject: 'ou=bal,o=mssante,c=fr',
    scope: 'sub',
    derefAliases: 0,
    sizeLimit: 0,
    timeLimit: 0,
    typesOnly: false,
    filter: { type: 'equalityMatch', attribute: 'sn', value: 'Martin' },
    attributes: ['cn'],
  });
  assert.deepEqual(
    searchRequest(2, {
      baseObject: 'ou=bal,o=mssante,c=fr',
      scope: 2,
      filter: { type: 'equalityMatch', attribute: 'sn', value: 'Martin' },
      attributes: ['cn'],
    }),
    bytes,
  );
});

test('defects are BerErrors: indefinite length, truncation, oversize, depth, multi-byte tags', () => {
  const cases: [string, Buffer, string][] = [
    ['indefinite length', hex('3080 020101 0000'), 'indefinite-length'],
    ['content beyond the buffer', hex('300a 020101'), 'truncated'],
    ['inner element beyond its container', hex('3005 020501 4200'), 'truncated'],
    ['five length bytes', hex('3085 0000000001 00'), 'length-too-long'],
    ['multi-byte tag', hex('3003 1f0100'), 'unexpected-tag'],
    ['empty INTEGER', hex('3002 0200'), 'bad-value'],
    ['BOOLEAN of two bytes', hex('3004 01020000'), 'bad-value'],
  ];
  for (const [what, bytes, kind] of cases) {
    assert.throws(
      () => {
        const r = new BerReader(bytes).readConstructed();
        while (!r.done) {
          const tag = r.peekTag();
          if (tag === Tag.integer) r.readInteger();
          else if (tag === Tag.boolean) r.readBoolean();
          else if ((tag & 0x20) !== 0) r.readConstructed(tag);
          else r.skip();
        }
      },
      (err: unknown) => err instanceof BerError && err.kind === kind,
      what,
    );
  }
  const huge = hex('3084 7fffffff');
  assert.throws(
    () => new BerReader(huge, { limits: { maxDepth: 8, maxLength: 1024 } }).readConstructed(),
    (err: unknown) => err instanceof BerError && err.kind === 'too-large',
  );
  const nested = new BerWriter();
  for (let i = 0; i < 10; i++) nested.startConstructed();
  for (let i = 0; i < 10; i++) nested.endConstructed();
  let reader = new BerReader(nested.finish(), { limits: { maxDepth: 8, maxLength: 1024 } });
  assert.throws(
    () => {
      for (;;) reader = reader.readConstructed();
    },
    (err: unknown) => err instanceof BerError && err.kind === 'too-deep',
  );
});

test('decodeMessage refuses what RFC 4511 §4.1.1 calls a broken message', () => {
  const refuse = (what: string, bytes: Buffer): void => {
    assert.throws(() => decodeMessage(bytes), BerError, what);
  };
  refuse('messageID 0 is reserved for the server', hex('300c 020100 6007 020103 0400 8000'));
  refuse('negative messageID', hex('300c 0201ff 6007 020103 0400 8000'));
  refuse('a response is not a request', hex('300c 020101 6107 0a0100 0400 0400'));
  refuse('no protocolOp', hex('3003 020101'));
  refuse('trailing bytes after the message', hex('300c 020101 6007 020103 0400 8000 00'));
  refuse('unknown bind authentication', hex('300c 020101 6007 020103 0400 8100'));
});

const framedMessages = fc.array(
  fc.oneof(
    fc.integer({ min: 1, max: 2147483647 }).map((id) => bindRequest(id)),
    fc
      .tuple(fc.integer({ min: 1, max: 100000 }), arbitraryFilter(3), fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }))
      .map(([id, filter, attributes]) => searchRequest(id, { baseObject: 'ou=bal,o=mssante,c=fr', scope: 2, filter, attributes })),
    fc
      .integer({ min: 1, max: 400 })
      .map((size) =>
        searchRequest(7, { baseObject: 'x'.repeat(size * 10), scope: 0, filter: { type: 'present', attribute: 'objectClass' } }),
      ),
  ),
  { minLength: 1, maxLength: 6 },
);

test('the framer cuts a stream split anywhere into the same messages (property)', () => {
  fc.assert(
    fc.property(framedMessages, fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 40 }), (messages, cuts) => {
      const stream = Buffer.concat(messages);
      const framer = new MessageFramer(1024 * 1024);
      const out: Buffer[] = [];
      let offset = 0;
      let i = 0;
      while (offset < stream.length) {
        const size = cuts[i++ % cuts.length]!;
        framer.push(stream.subarray(offset, offset + size));
        offset += size;
        for (let frame = framer.next(); frame !== null; frame = framer.next()) out.push(Buffer.from(frame));
      }
      assert.deepEqual(out, messages);
      assert.equal(framer.bufferedBytes, 0);
    }),
    { numRuns: 300 },
  );
});

test('the framer refuses an oversized or indefinite message from its header alone', () => {
  const framer = new MessageFramer(1024);
  framer.push(hex('3082 0401'));
  assert.throws(
    () => framer.next(),
    (err: unknown) => err instanceof BerError && err.kind === 'too-large',
  );
  const indefinite = new MessageFramer(1024);
  indefinite.push(hex('3080'));
  assert.throws(
    () => indefinite.next(),
    (err: unknown) => err instanceof BerError && err.kind === 'indefinite-length',
  );
  const notASequence = new MessageFramer(1024);
  notASequence.push(hex('02'));
  assert.throws(
    () => notASequence.next(),
    (err: unknown) => err instanceof BerError && err.kind === 'unexpected-tag',
  );
  const partial = new MessageFramer(1024);
  partial.push(hex('30'));
  assert.equal(partial.next(), null);
  partial.push(hex('82'));
  assert.equal(partial.next(), null);
  partial.push(hex('00'));
  assert.equal(partial.next(), null);
});

/** Decoding either succeeds or fails with a BerError: nothing else is acceptable (a hang is caught by the test's timeout). */
function decodesSafely(bytes: Uint8Array): void {
  const framer = new MessageFramer(1024 * 1024);
  framer.push(Buffer.from(bytes));
  try {
    for (let frame = framer.next(); frame !== null; frame = framer.next()) {
      try {
        decodeMessage(frame);
      } catch (err) {
        if (!(err instanceof BerError)) throw err;
      }
    }
  } catch (err) {
    if (!(err instanceof BerError)) throw err;
  }
}

test('random bytes never escape as anything but a BerError (property)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => decodesSafely(bytes)),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) =>
      decodesSafely(Buffer.concat([Buffer.from([0x30, bytes.length < 128 ? bytes.length : 0x7f]), bytes])),
    ),
    { numRuns: 3000 },
  );
});

test('mutated valid messages never escape as anything but a BerError (property)', () => {
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  );
  fc.assert(
    fc.property(framedMessages, fc.array(mutation, { minLength: 1, maxLength: 5 }), (messages, mutations) => {
      let bytes = Buffer.concat(messages);
      for (const m of mutations) {
        const at = m.at % Math.max(1, bytes.length);
        if (m.kind === 'set') bytes[at] = m.byte;
        else if (m.kind === 'truncate') bytes = bytes.subarray(0, at);
        else bytes = Buffer.concat([bytes.subarray(0, at), Buffer.of(m.byte), bytes.subarray(at)]);
      }
      decodesSafely(bytes);
    }),
    { numRuns: 3000 },
  );
});

test('integers and octet strings of any size round-trip (property)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.nat(70000).map((n) => 'é'.repeat(n)),
      ),
      (n, s) => {
        const bytes = new BerWriter(1).startConstructed().writeInteger(n).writeOctetString(s).endConstructed().finish();
        const r = new BerReader(bytes).readConstructed();
        assert.equal(r.readInteger(), n);
        assert.equal(r.readString(), s);
        assert.ok(r.done);
      },
    ),
    { numRuns: 200 },
  );
});
