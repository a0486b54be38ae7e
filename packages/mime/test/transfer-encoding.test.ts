// Content-Transfer-Encoding: exact decodings of what mailers send, tolerance of what they
// break, and round trips (here on examples; properties.test.ts does arbitrary bytes).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decodeBase64,
  decodeBody,
  decodeQuotedPrintable,
  decodeText,
  decodeTransfer,
  encodeBase64,
  encodeQuotedPrintable,
  parseMessage,
} from '../src/index.ts';
import { ALTERNATIVE, MIXED, buf, crlf } from './fixtures.ts';

const qp = (s: string) => decodeQuotedPrintable(Buffer.from(s, 'latin1')).toString('utf8');
const b64 = (s: string) => decodeBase64(Buffer.from(s, 'latin1'));

describe('base64', () => {
  test('line breaks, garbage and missing padding are tolerated', () => {
    assert.equal(b64('SGVs\r\nbG8s\r\nIHdv\r\ncmxk').toString(), 'Hello, world');
    assert.equal(b64('SGVsbG8=').toString(), 'Hello');
    assert.equal(b64('SGVsbG8').toString(), 'Hello');
    assert.equal(b64(' S G V s * b G 8 = ').toString(), 'Hello');
    assert.equal(b64('YQ==YQ==').toString(), 'aa', 'concatenated padded chunks');
    assert.equal(b64('').length, 0);
    assert.equal(b64('=====').length, 0);
    assert.equal(b64('Q').length, 0, 'a lone sixth of a byte is dropped');
  });

  test('encoding wraps at 76 characters with CRLF', () => {
    const data = Buffer.alloc(100, 0xab);
    const lines = encodeBase64(data).toString('latin1').split('\r\n');
    assert.deepEqual(
      lines.map((l) => l.length),
      [76, 60],
    );
    assert.deepEqual(decodeBase64(encodeBase64(data)), data);
    assert.equal(encodeBase64(Buffer.alloc(0)).length, 0);
  });
});

describe('quoted-printable', () => {
  test('escapes, soft breaks, lowercase hex, transport padding, bare =', () => {
    assert.equal(qp('Caf=C3=A9'), 'Café');
    assert.equal(qp('caf=c3=a9'), 'café');
    assert.equal(qp('long line=\r\ncontinued'), 'long linecontinued');
    assert.equal(qp('bare LF soft=\ncontinued'), 'bare LF softcontinued');
    assert.equal(qp('padded soft=  \r\nbreak'), 'padded softbreak');
    assert.equal(qp('trailing   \r\nspaces\t\r\n'), 'trailing\r\nspaces\r\n');
    assert.equal(qp('a = b =ZZ =4'), 'a = b =ZZ =4');
    assert.equal(qp('end='), 'end');
    assert.equal(qp('tab=09 and =20end'), 'tab\t and  end');
  });

  test('encoding: text keeps line breaks, binary encodes them; lines stay under 76', () => {
    const text = Buffer.from('Résultat : 39 °C \r\n' + 'x'.repeat(200) + '\r\nfin ', 'utf8');
    const encoded = encodeQuotedPrintable(text).toString('latin1');
    assert.ok(encoded.startsWith('R=C3=A9sultat : 39 =C2=B0C=20\r\n'));
    assert.ok(encoded.endsWith('\r\nfin=20'));
    for (const line of encoded.split('\r\n')) assert.ok(line.length <= 76, line);
    assert.deepEqual(decodeQuotedPrintable(Buffer.from(encoded, 'latin1')), text);
    const bin = Buffer.from([0, 13, 10, 0x3d, 0x20, 255]);
    assert.equal(encodeQuotedPrintable(bin, { binary: true }).toString(), '=00=0D=0A=3D =FF');
    assert.deepEqual(decodeQuotedPrintable(encodeQuotedPrintable(bin, { binary: true })), bin);
  });
});

describe('part bodies', () => {
  test('decodeTransfer by name; 7bit/8bit/binary/unknown pass through without a copy', () => {
    const data = Buffer.from('=41');
    assert.equal(decodeTransfer(data, 'QUOTED-PRINTABLE').toString(), 'A');
    assert.equal(decodeTransfer(data, '8bit'), data);
    assert.equal(decodeTransfer(data, 'x-uuencode'), data);
  });

  test('decodeBody and decodeText of real parts', () => {
    const alt = buf(ALTERNATIVE);
    const root = parseMessage(alt);
    assert.equal(decodeText(alt, root.children[0]!), 'Rendez-vous confirmé à 10h.');
    const mixed = buf(MIXED);
    const pdf = parseMessage(mixed).children[1]!;
    assert.equal(decodeBody(mixed, pdf).toString('latin1'), '%PDF-1.4\n');
    const latin = buf(
      crlf(
        'Content-Type: text/plain; charset=iso-8859-1',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from('Café', 'latin1').toString('base64'),
      ),
    );
    assert.equal(decodeText(latin, parseMessage(latin)), 'Café');
    assert.equal(decodeText(latin, parseMessage(latin), 2), 'Ca');
  });
});
