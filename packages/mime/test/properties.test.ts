// Properties (fast-check): whatever the bytes, parsing and every view terminate without
// throwing, offsets stay within the bytes and nest, what the encoder writes the decoder reads
// back; and a 20 MB message parses in linear time (the time is reported, not asserted).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { bodyStructureValue, encodeValue, envelopeValue } from '@mss/imap';
import {
  bodyStructureOfStored,
  envelopeOfStored,
  storedMessage,
  type StoredMessage,
  type MimeNode,
  type SectionText,
  bodyStructure,
  decodeBase64,
  decodeBody,
  decodeQuotedPrintable,
  decodeWords,
  encodeBase64,
  encodeQuotedPrintable,
  envelope,
  findXdmAttachments,
  headerTextForSearch,
  mssHeaders,
  parseAddressList,
  parseMessage,
  section,
  textForSearch,
  walkParts,
} from '../src/index.ts';
import { MIXED, RFC3501_EXAMPLE } from './fixtures.ts';

const RUNS = { numRuns: 300 };

/** Every node, with its parent, checking the invariants on the way. */
function checkTree(root: MimeNode, length: number): number {
  let count = 0;
  const visit = (n: MimeNode, lo: number, hi: number): void => {
    count++;
    assert.ok(lo <= n.headerStart && n.headerStart <= n.headerEnd, 'header within its parent');
    assert.equal(n.headerEnd, n.bodyStart);
    assert.ok(n.bodyStart <= n.bodyEnd && n.bodyEnd <= hi && hi <= length, 'body within its parent');
    assert.ok(n.depth <= 50);
    for (const f of n.fields) assert.ok(n.headerStart <= f.start && f.start < f.end && f.end <= n.headerEnd, 'field within the header');
    let previousEnd = n.bodyStart;
    for (const c of n.children) {
      assert.ok(c.headerStart >= previousEnd, 'siblings in order, not overlapping');
      visit(c, n.bodyStart, n.bodyEnd);
      previousEnd = c.bodyEnd;
    }
    if (n.message) {
      assert.equal(n.message.headerStart, n.bodyStart);
      visit(n.message, n.bodyStart, n.bodyEnd);
    }
  };
  visit(root, 0, length);
  assert.equal(root.headerStart, 0);
  assert.equal(root.bodyEnd, length);
  return count;
}

const TEXTS: (SectionText | null)[] = [null, 'HEADER', 'HEADER.FIELDS', 'HEADER.FIELDS.NOT', 'TEXT', 'MIME'];

/** Everything a server would do with a message. */
function exercise(raw: Buffer): void {
  const root = parseMessage(raw);
  assert.ok(checkTree(root, raw.length) <= 10_000);
  const env = encodeValue(envelopeValue(envelope(root)));
  const extended = encodeValue(bodyStructureValue(bodyStructure(root, true), true));
  const plain = encodeValue(bodyStructureValue(bodyStructure(root, false), false));
  // The stored form (JSON in the store) gives IMAP the very same bytes once read back.
  const stored = JSON.parse(JSON.stringify(storedMessage(root))) as StoredMessage;
  assert.deepEqual(encodeValue(envelopeValue(envelopeOfStored(stored.envelope))), env);
  assert.deepEqual(encodeValue(bodyStructureValue(bodyStructureOfStored(stored.body, true), true)), extended);
  assert.deepEqual(encodeValue(bodyStructureValue(bodyStructureOfStored(stored.body, false), false)), plain);
  for (const { part, node } of walkParts(root)) {
    for (const text of TEXTS) {
      const s = section(raw, root, { part, text, fields: ['subject', 'content-type'] });
      if (s) assert.ok(s.length <= raw.length + 2 * (node.fields.length + 1));
    }
    decodeBody(raw, node);
  }
  for (const text of TEXTS) section(raw, root, { part: [], text, fields: ['from'] });
  textForSearch(raw, root, { maxChars: 10_000 });
  headerTextForSearch(root);
  mssHeaders(root);
  findXdmAttachments(root);
}

/** MIME-shaped fragments, so that random messages reach the deep paths. */
const FRAGMENTS = [
  'Content-Type: multipart/mixed; boundary=a',
  'Content-Type: multipart/alternative; boundary="ab"',
  'Content-Type: multipart/digest; boundary=a',
  'Content-Type: message/rfc822',
  'Content-Type: text/plain; charset=utf-8',
  "Content-Type: text/plain; name*0*=UTF-8''%C3; name*1*=%A9",
  'Content-Transfer-Encoding: base64',
  'Content-Transfer-Encoding: quoted-printable',
  'Content-Disposition: attachment; filename="IHE_XDM.ZIP"',
  'From: "A, B" <a@b>, g: c@d;',
  'To: =?UTF-8?B?w6k=?= <x@y>',
  'Subject: =?UTF-8?Q?=C3?=',
  '--a',
  '--a--',
  '--ab',
  '--ab--',
  '',
  ' folded',
  'body text =C3=A9',
  'SGVsbG8=',
  '\x00\xff',
];

const mimeish = fc
  .tuple(
    fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 80, size: 'max' }),
    fc.array(fc.constantFrom('\r\n', '\n', '\r'), { minLength: 1, maxLength: 3 }),
  )
  .map(([lines, ends]) => Buffer.from(lines.map((l, i) => l + ends[i % ends.length]).join(''), 'latin1'));

describe('never throws, offsets always within bounds', () => {
  test('arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000, size: 'max' }), (bytes) => exercise(Buffer.from(bytes))),
      RUNS,
    );
  });

  test('MIME-shaped garbage: boundaries, nesting, encodings, line ends mixed', () => {
    fc.assert(fc.property(mimeish, exercise), { numRuns: 1000 });
  });

  test('real messages cut or corrupted at random places', () => {
    const bases = [Buffer.from(MIXED), Buffer.from(RFC3501_EXAMPLE)];
    const mutated = fc
      .tuple(fc.constantFrom(...bases), fc.nat(), fc.nat(), fc.uint8Array({ maxLength: 8 }))
      .map(([base, cut, at, junk]) => {
        const b = Buffer.from(base.subarray(0, cut % (base.length + 1)));
        const i = at % (b.length + 1);
        return Buffer.concat([b.subarray(0, i), junk, b.subarray(i)]);
      });
    fc.assert(fc.property(mutated, exercise), RUNS);
  });

  test('address lists and encoded-words: any text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        parseAddressList(s);
        decodeWords(s);
        decodeWords(`=?utf-8?q?${s}?= =?x?B?${s}?=`);
      }),
      RUNS,
    );
  });
});

describe('round trips', () => {
  test('base64: decode(encode(x)) = x, also with line breaks and garbage inserted', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('\r\n', ' ', '*', '\t', '!')), { maxLength: 20 }),
        (bytes, noise) => {
          const data = Buffer.from(bytes);
          let encoded = encodeBase64(data).toString('latin1');
          assert.deepEqual(decodeBase64(Buffer.from(encoded, 'latin1')), data);
          for (const [at, junk] of noise) {
            const i = at % (encoded.length + 1);
            encoded = encoded.slice(0, i) + junk + encoded.slice(i);
          }
          assert.deepEqual(decodeBase64(Buffer.from(encoded, 'latin1')), data);
        },
      ),
      RUNS,
    );
  });

  test('quoted-printable: binary mode for any bytes, text mode for CRLF text; lines ≤ 76', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const data = Buffer.from(bytes);
        const encoded = encodeQuotedPrintable(data, { binary: true });
        for (const line of encoded.toString('latin1').split('\r\n')) assert.ok(line.length <= 76);
        assert.deepEqual(decodeQuotedPrintable(encoded), data);
      }),
      RUNS,
    );
    const line = fc.string({ unit: 'grapheme', maxLength: 200 }).map((s) => s.replace(/[\r\n]/g, ''));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 10 }), (lines) => {
        const text = Buffer.from(lines.join('\r\n'), 'utf8');
        assert.deepEqual(decodeQuotedPrintable(encodeQuotedPrintable(text)), text);
      }),
      RUNS,
    );
  });

  test('encoded-words: any Unicode text through B and Q', () => {
    const q = (s: string) =>
      [...Buffer.from(s, 'utf8')]
        .map((b) =>
          b === 0x20
            ? '_'
            : /[A-Za-z0-9]/.test(String.fromCharCode(b))
              ? String.fromCharCode(b)
              : '=' + b.toString(16).toUpperCase().padStart(2, '0'),
        )
        .join('');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 100 }), (s) => {
        assert.equal(decodeWords(`=?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`), s);
        assert.equal(decodeWords(`=?utf-8?q?${q(s)}?=`), s);
      }),
      RUNS,
    );
  });

  test('a multipart built from random parts parses back to the same bodies and headers', () => {
    // No `--` (a body must not hold the boundary) and no final CR (it would join the line break
    // that the boundary owns).
    const partBody = fc.string({ unit: 'binary-ascii', maxLength: 300 }).map((s) => s.replace(/--/g, '-_').replace(/\r+$/, ''));
    fc.assert(
      fc.property(fc.array(partBody, { minLength: 1, maxLength: 12 }), fc.constantFrom('\r\n', '\n'), (bodies, eol) => {
        const text =
          `Content-Type: multipart/mixed; boundary="=_sep"${eol}${eol}preamble${eol}` +
          bodies.map((b, i) => `--=_sep${eol}X-Index: ${i}${eol}${eol}${b}${eol}`).join('') +
          `--=_sep--${eol}epilogue${eol}`;
        const raw = Buffer.from(text, 'latin1');
        const root = parseMessage(raw);
        assert.equal(root.children.length, bodies.length);
        root.children.forEach((child, i) => {
          assert.equal(raw.subarray(child.bodyStart, child.bodyEnd).toString('latin1'), bodies[i]);
          assert.equal(section(raw, root, { part: [i + 1], text: 'MIME', fields: [] })?.toString('latin1'), `X-Index: ${i}${eol}${eol}`);
        });
      }),
      RUNS,
    );
  });
});

describe('size', () => {
  test('a 20 MB attachment: parse time reported', (t) => {
    const attachment = randomBytes(20 * 1024 * 1024);
    const encoded = encodeBase64(attachment);
    const head = Buffer.from(
      [
        'From: Dr Paul Martin <paul.martin@operateur-a.mssante.fr>',
        'To: cardiologie.ch-lilas@operateur-a.mssante.fr',
        'Subject: Imagerie',
        'Content-Type: multipart/mixed; boundary="big"',
        '',
        '--big',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Voir la pièce jointe.',
        '--big',
        'Content-Type: application/dicom; name="scanner.dcm"',
        'Content-Transfer-Encoding: base64',
        'Content-Disposition: attachment; filename="scanner.dcm"',
        '',
        '',
      ].join('\r\n'),
      'utf8',
    );
    const raw = Buffer.concat([head, encoded, Buffer.from('\r\n--big--\r\n')]);
    parseMessage(raw.subarray(0, 100_000));
    const t0 = performance.now();
    const root = parseMessage(raw);
    const t1 = performance.now();
    bodyStructure(root, true);
    envelope(root);
    const t2 = performance.now();
    const decoded = decodeBody(raw, root.children[1]!);
    const t3 = performance.now();
    textForSearch(raw, root);
    const t4 = performance.now();
    assert.equal(root.children.length, 2);
    assert.equal(root.children[1]!.bodyEnd - root.children[1]!.bodyStart, encoded.length);
    assert.ok(decoded.equals(attachment));
    t.diagnostic(
      `${(raw.length / 1048576).toFixed(1)} MiB message: parseMessage ${(t1 - t0).toFixed(1)} ms, ` +
        `BODYSTRUCTURE+ENVELOPE ${(t2 - t1).toFixed(2)} ms, base64 decode of the attachment ${(t3 - t2).toFixed(1)} ms, search text ${(t4 - t3).toFixed(2)} ms`,
    );
  });

  test('hostile: 20 MB of lines that look like boundaries under 50 nested multiparts', (t) => {
    const prefix = 'x'.repeat(60);
    let head = '';
    for (let i = 0; i < 49; i++) head += `Content-Type: multipart/mixed; boundary="${prefix}${i}"\r\n\r\n--${prefix}${i}\r\n`;
    const line = Buffer.from(`--${prefix}z${'y'.repeat(15)}\r\n`, 'latin1');
    const body = Buffer.alloc(20 * 1024 * 1024);
    for (let o = 0; o + line.length <= body.length; o += line.length) line.copy(body, o);
    const raw = Buffer.concat([Buffer.from(head + '\r\n', 'latin1'), body]);
    const t0 = performance.now();
    const root = parseMessage(raw);
    const t1 = performance.now();
    checkTree(root, raw.length);
    t.diagnostic(`hostile ${(raw.length / 1048576).toFixed(1)} MiB: parseMessage ${(t1 - t0).toFixed(1)} ms`);
  });
});
