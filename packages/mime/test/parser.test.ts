// The structure parser: exact offsets on real-world shapes (CRLF and bare LF), the RFC 2046
// boundary rules, and what happens to malformed and hostile input.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type MimeNode, parseMessage, walkParts } from '../src/index.ts';
import { ALTERNATIVE, ALTERNATIVE_LF, FORWARDED, MIXED, RFC3501_EXAMPLE, SIMPLE, buf, crlf } from './fixtures.ts';

const body = (raw: Buffer, n: MimeNode) => raw.subarray(n.bodyStart, n.bodyEnd).toString('utf8');
const header = (raw: Buffer, n: MimeNode) => raw.subarray(n.headerStart, n.headerEnd).toString('utf8');

/** type/subtype, nested as the tree is. */
function shape(n: MimeNode): unknown {
  const type = `${n.contentType.type}/${n.contentType.subtype}`;
  if (n.kind === 'multipart') return [type, n.children.map(shape)];
  if (n.kind === 'message') return [type, n.message ? shape(n.message) : null];
  return type;
}

describe('simple messages', () => {
  test('text/plain: header, blank line, body', () => {
    const raw = buf(SIMPLE);
    const root = parseMessage(raw);
    const blank = SIMPLE.indexOf('\r\n\r\n') + 4;
    assert.equal(root.kind, 'leaf');
    assert.deepEqual([root.headerStart, root.headerEnd, root.bodyStart, root.bodyEnd], [0, blank, blank, raw.length]);
    assert.equal(body(raw, root), 'Bonjour,\r\n\r\nVoici le compte rendu.\r\n');
    assert.equal(root.lines, 3);
    assert.deepEqual(
      root.fields.map((f) => f.name),
      ['Date', 'From', 'To', 'Subject', 'Message-ID', 'MIME-Version', 'Content-Type', 'Content-Transfer-Encoding'],
    );
    const subject = root.fields[3]!;
    assert.equal(subject.key, 'subject');
    assert.equal(subject.value, ' Compte rendu de consultation');
    assert.equal(raw.subarray(subject.start, subject.end).toString(), 'Subject: Compte rendu de consultation\r\n');
    assert.deepEqual(root.contentType, {
      type: 'text',
      subtype: 'plain',
      params: [{ name: 'charset', value: 'us-ascii', raw: 'us-ascii', charset: null, language: null }],
      wireParams: [['charset', 'us-ascii']],
      explicit: true,
    });
    assert.equal(root.encoding, '7bit');
    assert.deepEqual(root.defects, []);
  });

  test('no Content-Type: text/plain by default; folded fields keep their folding in value', () => {
    const raw = buf(crlf('Subject: a', '  folded', '\tagain', 'X: y', '', 'b'));
    const root = parseMessage(raw);
    assert.equal(root.fields[0]!.value, ' a\r\n  folded\r\n\tagain');
    assert.equal(raw.subarray(root.fields[0]!.start, root.fields[0]!.end).toString(), 'Subject: a\r\n  folded\r\n\tagain\r\n');
    assert.deepEqual([root.contentType.type, root.contentType.subtype, root.contentType.explicit], ['text', 'plain', false]);
    assert.equal(body(raw, root), 'b\r\n');
  });
});

describe('multiparts', () => {
  test('multipart/alternative: preamble skipped, CRLF before a boundary belongs to it', () => {
    const raw = buf(ALTERNATIVE);
    const root = parseMessage(raw);
    assert.deepEqual(shape(root), ['multipart/alternative', ['text/plain', 'text/html']]);
    assert.equal(root.boundary, 'alt-boundary-1');
    const [plain, html] = root.children as [MimeNode, MimeNode];
    assert.equal(body(raw, plain), 'Rendez-vous confirm=C3=A9 =C3=A0 10h.');
    assert.equal(header(raw, plain), 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n');
    assert.equal(body(raw, html), '<p>Rendez-vous confirm=C3=A9 =C3=A0 10h.</p>');
    assert.equal(plain.lines, 0);
    assert.equal(plain.encoding, 'quoted-printable');
    // The multipart's body runs from its preamble to the end, epilogue included.
    assert.equal(root.bodyStart, ALTERNATIVE.indexOf('This is a multi-part'));
    assert.equal(root.bodyEnd, raw.length);
    assert.deepEqual(root.defects, []);
    assert.deepEqual([plain.depth, html.depth, root.depth], [1, 1, 0]);
  });

  test('the same message with bare LF line ends: offsets exact on the LF bytes', () => {
    const raw = buf(ALTERNATIVE_LF);
    const root = parseMessage(raw);
    const [plain, html] = root.children as [MimeNode, MimeNode];
    assert.equal(body(raw, plain), 'Rendez-vous confirm=C3=A9 =C3=A0 10h.');
    assert.equal(header(raw, plain), 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n');
    assert.equal(plain.headerStart, ALTERNATIVE_LF.indexOf('--alt-boundary-1\n') + '--alt-boundary-1\n'.length);
    assert.equal(body(raw, html), '<p>Rendez-vous confirm=C3=A9 =C3=A0 10h.</p>');
    assert.equal(root.headerEnd, ALTERNATIVE_LF.indexOf('\n\n') + 2);
  });

  test('multipart/mixed with nested multipart/related, inline image and RFC 2231 attachment', () => {
    const raw = buf(MIXED);
    const root = parseMessage(raw);
    assert.deepEqual(shape(root), ['multipart/mixed', [['multipart/related', ['text/html', 'image/png']], 'application/pdf']]);
    const related = root.children[0]!;
    const [html, png] = related.children as [MimeNode, MimeNode];
    const pdf = root.children[1]!;
    assert.equal(body(raw, html), '<p>Voir <img src="cid:logo@ch-lilas"></p>');
    assert.equal(body(raw, png), 'iVBORw0KGgo=');
    assert.equal(png.id, '<logo@ch-lilas>');
    assert.deepEqual(
      png.disposition?.params.map((p) => [p.name, p.value]),
      [['filename', 'logo.png']],
    );
    // The close delimiter's line is the related part's; the CRLF before --outer is --outer's.
    assert.ok(body(raw, related).endsWith('iVBORw0KGgo=\r\n--inner--\r\n'));
    assert.equal(body(raw, pdf), 'JVBERi0xLjQK');
    assert.equal(pdf.description, 'Compte rendu');
    assert.deepEqual(pdf.language, ['fr']);
    assert.deepEqual(pdf.disposition, {
      type: 'attachment',
      params: [
        {
          name: 'filename',
          value: 'compte-rendu été.pdf',
          raw: 'compte-rendu été.pdf'.replace('é', '\xc3\xa9').replace('é', '\xc3\xa9'),
          charset: 'UTF-8',
          language: null,
        },
      ],
      wireParams: [['filename*', "UTF-8''compte-rendu%20%C3%A9t%C3%A9.pdf"]],
    });
    assert.equal(related.contentType.wireParams.length, 2);
  });

  test('message/rfc822: the encapsulated message is a node of its own', () => {
    const raw = buf(FORWARDED);
    const root = parseMessage(raw);
    assert.deepEqual(shape(root), ['multipart/mixed', ['text/plain', ['message/rfc822', 'text/plain']]]);
    const part = root.children[1]!;
    const inner = part.message!;
    assert.equal(part.kind, 'message');
    assert.equal(inner.headerStart, part.bodyStart);
    assert.equal(inner.bodyEnd, part.bodyEnd);
    assert.equal(body(raw, inner), 'Resultats normaux.');
    assert.ok(body(raw, part).startsWith('From: Laboratoire'));
    assert.equal(part.lines, 7);
    assert.equal(inner.depth, 2);
  });

  test('RFC 3501 §6.4.5 example: every part numbered as the RFC lists it', () => {
    const raw = buf(RFC3501_EXAMPLE);
    const root = parseMessage(raw);
    const listed = [...walkParts(root)].map(({ part, node }) => [
      part.join('.'),
      `${node.contentType.type}/${node.contentType.subtype}`.toUpperCase(),
    ]);
    assert.deepEqual(listed, [
      ['1', 'TEXT/PLAIN'],
      ['2', 'APPLICATION/OCTET-STREAM'],
      ['3', 'MESSAGE/RFC822'],
      ['3.1', 'TEXT/PLAIN'],
      ['3.2', 'APPLICATION/OCTET-STREAM'],
      ['4', 'MULTIPART/MIXED'],
      ['4.1', 'IMAGE/GIF'],
      ['4.2', 'MESSAGE/RFC822'],
      ['4.2.1', 'TEXT/PLAIN'],
      ['4.2.2', 'MULTIPART/ALTERNATIVE'],
      ['4.2.2.1', 'TEXT/PLAIN'],
      ['4.2.2.2', 'TEXT/RICHTEXT'],
    ]);
    for (const { part, node } of walkParts(root)) {
      if (node.kind === 'leaf') assert.equal(body(raw, node), `part ${part.join('.')}`);
    }
  });

  test('multipart/digest: parts without Content-Type are message/rfc822', () => {
    const raw = buf(
      crlf(
        'Content-Type: multipart/digest; boundary=d',
        '',
        '--d',
        '',
        'Subject: one',
        '',
        'first',
        '--d',
        'Content-Type: text/plain',
        '',
        'x',
        '--d--',
      ),
    );
    const root = parseMessage(raw);
    assert.deepEqual(shape(root), ['multipart/digest', [['message/rfc822', 'text/plain'], 'text/plain']]);
    assert.equal(body(raw, root.children[0]!.message!), 'first');
  });

  test('a boundary that prefixes another: the longest match wins (as Dovecot)', () => {
    const raw = buf(
      crlf(
        'Content-Type: multipart/mixed; boundary="abc"',
        '',
        '--abc',
        'Content-Type: multipart/mixed; boundary="abcdef"',
        '',
        '--abcdef',
        '',
        'inner one',
        '--abcdef',
        '',
        'inner two',
        '--abcdef--',
        '--abc',
        '',
        'outer two',
        '--abc--',
      ),
    );
    const root = parseMessage(raw);
    assert.deepEqual(shape(root), ['multipart/mixed', [['multipart/mixed', ['text/plain', 'text/plain']], 'text/plain']]);
    assert.deepEqual(
      [...walkParts(root)].filter((p) => p.node.kind === 'leaf').map((p) => body(raw, p.node)),
      ['inner one', 'inner two', 'outer two'],
    );
  });

  test('the same boundary nested twice: the innermost owns it', () => {
    const raw = buf(
      crlf(
        'Content-Type: multipart/mixed; boundary=x',
        '',
        '--x',
        'Content-Type: multipart/mixed; boundary=x',
        '',
        '--x',
        '',
        'a',
        '--x--',
        '--x',
        '',
        'b',
        '--x--',
      ),
    );
    const root = parseMessage(raw);
    // Once the inner closes, `--x` belongs to the outer again.
    assert.deepEqual(shape(root), ['multipart/mixed', [['multipart/mixed', ['text/plain']], 'text/plain']]);
  });

  test('boundary lines may carry trailing text and white space; the line is the delimiter', () => {
    const raw = buf(
      crlf('Content-Type: multipart/mixed; boundary=q', '', '--q  ', '', 'one', '--q garbage', '', 'two', '--q-- trailing', 'epilogue'),
    );
    const root = parseMessage(raw);
    assert.deepEqual(
      root.children.map((c) => body(raw, c)),
      ['one', 'two'],
    );
    assert.deepEqual(root.defects, []);
  });
});

describe('malformed input', () => {
  test('missing blank line: the first line that is not a field starts the body', () => {
    const text = crlf('From: a@example.org', 'Subject: x', 'Hello there', 'Second: line');
    const raw = buf(text);
    const root = parseMessage(raw);
    assert.equal(root.fields.length, 2);
    assert.equal(root.headerEnd, text.indexOf('Hello'));
    assert.equal(body(raw, root), 'Hello there\r\nSecond: line\r\n');
    assert.deepEqual(root.defects, ['missing-header-separator']);
  });

  test('no header, empty message, header without line end', () => {
    const noHeader = parseMessage(buf('just text\r\n'));
    assert.deepEqual([noHeader.fields.length, noHeader.headerEnd, noHeader.bodyEnd], [0, 0, 11]);
    const empty = parseMessage(Buffer.alloc(0));
    assert.deepEqual([empty.kind, empty.headerStart, empty.headerEnd, empty.bodyStart, empty.bodyEnd], ['leaf', 0, 0, 0, 0]);
    const headerOnly = parseMessage(buf('Subject: x'));
    assert.deepEqual([headerOnly.fields[0]!.value, headerOnly.headerEnd, headerOnly.bodyEnd], [' x', 10, 10]);
  });

  test('a leading continuation line is skipped, the header goes on', () => {
    const root = parseMessage(buf(crlf(' orphan', 'Subject: kept', '', 'body')));
    assert.deepEqual(
      root.fields.map((f) => f.name),
      ['Subject'],
    );
    assert.deepEqual(root.defects, ['malformed-header-line']);
  });

  test('missing final boundary: the last part runs to the end', () => {
    const raw = buf(crlf('Content-Type: multipart/mixed; boundary=m', '', '--m', '', 'one', '--m', '', 'two', 'still two'));
    const root = parseMessage(raw);
    assert.deepEqual(
      root.children.map((c) => body(raw, c)),
      ['one', 'two\r\nstill two\r\n'],
    );
    assert.deepEqual(root.defects, ['missing-final-boundary']);
  });

  test('an inner multipart left open is closed by the outer boundary', () => {
    const raw = buf(
      crlf(
        'Content-Type: multipart/mixed; boundary=o',
        '',
        '--o',
        'Content-Type: multipart/alternative; boundary=i',
        '',
        '--i',
        '',
        'inner',
        '--o',
        '',
        'outer',
        '--o--',
      ),
    );
    const root = parseMessage(raw);
    assert.deepEqual(shape(root), ['multipart/mixed', [['multipart/alternative', ['text/plain']], 'text/plain']]);
    const inner = root.children[0]!;
    assert.equal(body(raw, inner.children[0]!), 'inner');
    assert.equal(inner.bodyEnd, inner.children[0]!.bodyEnd);
    assert.deepEqual(inner.defects, ['missing-final-boundary']);
  });

  test('multipart without boundary, or whose boundary never appears: no parts', () => {
    const noParam = parseMessage(buf(crlf('Content-Type: multipart/mixed', '', 'text')));
    assert.deepEqual([noParam.kind, noParam.children.length, noParam.defects], ['multipart', 0, ['missing-boundary']]);
    const absent = parseMessage(buf(crlf('Content-Type: multipart/mixed; boundary=zz', '', 'text')));
    assert.deepEqual([absent.kind, absent.children.length, absent.defects], ['multipart', 0, ['missing-final-boundary']]);
  });

  test('a boundary inside a part header cuts the part short', () => {
    const text = crlf('Content-Type: multipart/mixed; boundary=c', '', '--c', 'Content-Type: text/plain', '--c', '', 'second', '--c--');
    const raw = buf(text);
    const root = parseMessage(raw);
    const [first, second] = root.children as [MimeNode, MimeNode];
    assert.equal(header(raw, first), 'Content-Type: text/plain');
    assert.equal(first.bodyStart, first.bodyEnd);
    assert.deepEqual(first.defects, ['header-cut-by-boundary']);
    assert.equal(first.fields[0]!.end, first.headerEnd);
    assert.equal(body(raw, second), 'second');
  });

  test('an unusable Content-Type is text/plain, its charset kept', () => {
    const root = parseMessage(buf(crlf('Content-Type: text; charset=utf-8', '', 'x')));
    assert.deepEqual([root.contentType.type, root.contentType.subtype, root.contentType.params[0]?.value], ['text', 'plain', 'utf-8']);
    assert.deepEqual(root.defects, ['invalid-content-type']);
  });

  test('nesting past the depth limit stays opaque', () => {
    let text = 'body';
    for (let i = 60; i > 0; i--) text = crlf(`Content-Type: multipart/mixed; boundary=b${i}`, '', `--b${i}`, text, `--b${i}--`);
    const raw = buf(text);
    const root = parseMessage(raw);
    let node = root;
    let depth = 0;
    while (node.children.length > 0) {
      node = node.children[0]!;
      depth++;
    }
    assert.equal(depth, 50);
    assert.deepEqual(node.defects, ['depth-limit']);
    assert.equal(node.kind, 'multipart');
    const deepMessages = parseMessage(buf('Content-Type: message/rfc822\r\n\r\n'.repeat(80) + 'end'));
    let m = deepMessages;
    let levels = 0;
    while (m.message) {
      m = m.message;
      levels++;
    }
    assert.equal(levels, 50);
    assert.deepEqual(m.defects, ['depth-limit']);
  });

  test('past the part limit, the rest stays unparsed in the multipart body', () => {
    const parts = Array.from({ length: 30 }, (_, i) => `--p\r\n\r\npart ${i}\r\n`).join('');
    const raw = buf('Content-Type: multipart/mixed; boundary=p\r\n\r\n' + parts + '--p--\r\n');
    const root = parseMessage(raw, { maxParts: 10 });
    assert.equal(root.children.length, 9);
    assert.deepEqual(root.defects, ['part-limit']);
    assert.equal(root.bodyEnd, raw.length);
    assert.equal(body(raw, root.children[8]!), 'part 8');
    assert.ok(
      body(raw, root).endsWith('part 8\r\n--p\r\n\r\npart 9\r\n' + parts.slice(parts.indexOf('--p\r\n\r\npart 10\r\n')) + '--p--\r\n'),
    );
  });

  test('10,000 parts by default, then opaque', () => {
    const parts = '--p\r\n\r\nx\r\n'.repeat(12_000);
    const raw = buf('Content-Type: multipart/mixed; boundary=p\r\n\r\n' + parts + '--p--\r\n');
    const root = parseMessage(raw);
    assert.equal(root.children.length, 9_999);
    assert.deepEqual(root.defects, ['part-limit']);
  });

  test('header fields past the limits are scanned over, not stored', () => {
    const raw = buf('X-A: 1\r\n'.repeat(3_000) + 'Subject: ' + 'y'.repeat(70_000) + '\r\n\r\nbody');
    const root = parseMessage(raw);
    assert.equal(root.fields.length, 2_000);
    assert.deepEqual(root.defects, ['field-limit']);
    assert.equal(body(raw, root), 'body');
    const long = parseMessage(buf('Subject: ' + 'y'.repeat(70_000) + '\r\n\r\n'));
    assert.equal(long.fields[0]!.value.length, 64 * 1024);
  });

  test('NUL bytes, 8-bit garbage and lone CRs do not disturb the structure', () => {
    const raw = Buffer.concat([buf('Subject: \x00\r\nX: \xff\xfe\r\n\r\n'), Buffer.from([0, 255, 13, 13, 10, 0x2d, 0x2d])]);
    const root = parseMessage(raw);
    assert.equal(root.fields.length, 2);
    assert.equal(root.bodyEnd, raw.length);
  });

  test('a plain Uint8Array is parsed as well', () => {
    const bytes = new Uint8Array(Buffer.from(SIMPLE));
    assert.equal(parseMessage(bytes.subarray(0)).bodyEnd, bytes.length);
  });

  test('a top-level message/rfc822 nests its message', () => {
    const raw = buf(crlf('Content-Type: message/rfc822', '', 'Subject: inside', '', 'text'));
    const root = parseMessage(raw);
    assert.deepEqual(shape(root), ['message/rfc822', 'text/plain']);
    assert.equal(body(raw, root.message!), 'text\r\n');
  });
});
