// MSSanté Ref. #2 headers and IHE_XDM attachment detection (shared/domain §8, §9).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findXdmAttachments, mssHeaders, parseMessage, section } from '../src/index.ts';
import { MIXED, SIMPLE, XDM, buf, crlf } from './fixtures.ts';

describe('X-MSS headers', () => {
  test('an LPS message with a CDA in IHE_XDM: codes from every field and every value, INS, NIL, MES', () => {
    assert.deepEqual(mssHeaders(parseMessage(buf(XDM))), {
      codeCda: ['34112-3', '11490-0', '18842-5'],
      ins: 'O',
      insRaw: 'O',
      nil: 'DEV935997',
      mes: 'FIN',
      mesFin: true,
      subjectFin: false,
    });
  });

  test('absent, malformed, underscore spellings, and the historical [FIN] subject', () => {
    assert.deepEqual(mssHeaders(parseMessage(buf(SIMPLE))), {
      codeCda: [],
      ins: null,
      insRaw: null,
      nil: null,
      mes: null,
      mesFin: false,
      subjectFin: false,
    });
    const odd = mssHeaders(
      parseMessage(
        buf(crlf('X_MSS_INS: n', 'X-MSS-CODECDA: 34112-3;11488-4', 'x-mss-mes: fin', 'Subject: [FIN] Fin de prise en charge', '', '')),
      ),
    );
    assert.deepEqual([odd.ins, odd.codeCda, odd.mesFin, odd.subjectFin], ['N', ['34112-3', '11488-4'], true, true]);
    const bad = mssHeaders(parseMessage(buf(crlf('X-MSS-INS: oui', '', ''))));
    assert.deepEqual([bad.ins, bad.insRaw], [null, 'oui']);
  });
});

describe('IHE_XDM attachments', () => {
  test('found by file name, with its part number; the section gives its bytes', () => {
    const raw = buf(XDM);
    const root = parseMessage(raw);
    const found = findXdmAttachments(root);
    assert.deepEqual(
      found.map((x) => [x.part, x.filename, x.matchedBy]),
      [[[2], 'IHE_XDM.ZIP', 'filename']],
    );
    assert.equal(section(raw, root, { part: [...found[0]!.part], text: null, fields: [] })?.toString(), 'UEsDBAoAAAAAAA==');
  });

  test('any case, a path in the name, only a Content-Type name, nested in a forwarded message', () => {
    const raw = buf(
      crlf(
        'Content-Type: multipart/mixed; boundary=a',
        '',
        '--a',
        'Content-Type: application/octet-stream; name="C:\\\\export\\\\ihe_xdm.zip"',
        '',
        'zip',
        '--a',
        'Content-Type: message/rfc822',
        '',
        'Content-Type: multipart/mixed; boundary=b',
        '',
        '--b',
        'Content-Type: application/zip',
        "Content-Disposition: attachment; filename*=UTF-8''IHE_XDM%2Ezip",
        '',
        'zip',
        '--b',
        'Content-Type: application/x-zip-compressed; name="IHE_XDM (2).zip"',
        '',
        'zip',
        '--b',
        'Content-Type: application/zip; name="photos.zip"',
        '',
        'zip',
        '--b--',
        '--a--',
      ),
    );
    assert.deepEqual(
      findXdmAttachments(parseMessage(raw)).map((x) => [x.part.join('.'), x.filename, x.matchedBy]),
      [
        ['1', 'C:\\export\\ihe_xdm.zip', 'filename'],
        ['2.1', 'IHE_XDM.zip', 'filename'],
        ['2.2', 'IHE_XDM (2).zip', 'content-type'],
      ],
    );
  });

  test('no XDM in ordinary messages', () => {
    assert.deepEqual(findXdmAttachments(parseMessage(buf(MIXED))), []);
    assert.deepEqual(findXdmAttachments(parseMessage(buf(SIMPLE))), []);
  });
});
