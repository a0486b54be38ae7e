// The pieces with no socket: the bare-newline scan across chunk boundaries, the trace header,
// the header-section collector and the From: rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BareNewlineScanner, receivedHeader, rfc5322Date, SmtpReply } from '../src/index.ts';
import { HeaderCollector, checkHeaders } from '../src/message.ts';

function scanWhole(bytes: Buffer): string | null {
  return new BareNewlineScanner().scan(bytes);
}

/** The reference: a byte loop, obviously right, to check the memchr version against. */
function reference(bytes: Buffer): string | null {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a && (i === 0 || bytes[i - 1] !== 0x0d)) return 'LF';
    if (bytes[i] === 0x0d && i + 1 < bytes.length && bytes[i + 1] !== 0x0a) return 'CR';
  }
  return null;
}

test('bare newline scan: the cases that matter for smuggling', () => {
  const cases: [string, string | null][] = [
    ['a\r\nb\r\n.\r\n', null],
    ['a\n.\r\n', 'LF'],
    ['a\r\n.\n', 'LF'],
    ['a\r.\r\n', 'CR'],
    ['a\r.\r', 'CR'],
    ['\nstart', 'LF'],
    ['end\r', null], // the LF may come in the next chunk
    ['', null],
  ];
  for (const [input, want] of cases) assert.equal(scanWhole(Buffer.from(input, 'latin1')), want, JSON.stringify(input));
});

test('bare newline scan: a CRLF split across chunks is fine, a CR then anything else is not', () => {
  const s = new BareNewlineScanner();
  assert.equal(s.scan(Buffer.from('line\r')), null);
  assert.equal(s.scan(Buffer.from('\nnext\r')), null);
  assert.equal(s.scan(Buffer.from('X')), 'CR');
  assert.equal(s.scan(Buffer.from('\r\n')), 'CR', 'sticky');
  const t = new BareNewlineScanner();
  assert.equal(t.scan(Buffer.from('a\r')), null);
  assert.equal(t.scan(Buffer.from('\r\n')), 'CR');
});

test('bare newline scan: any chunking gives the same answer as the byte loop on the whole', () => {
  const byte = fc.constantFrom(0x0d, 0x0a, 0x2e, 0x41);
  fc.assert(
    fc.property(fc.array(byte, { maxLength: 40 }), fc.array(fc.nat(40), { maxLength: 6 }), (arr, cuts) => {
      const whole = Buffer.from(arr);
      const points = [...new Set(cuts.map((c) => Math.min(c, whole.length)))].sort((a, b) => a - b);
      const s = new BareNewlineScanner();
      let prev = 0;
      let got: string | null = null;
      for (const p of [...points, whole.length]) {
        got = s.scan(whole.subarray(prev, p)) ?? got;
        prev = p;
      }
      // A trailing lone CR is undecided until more bytes come: the reference says the same.
      assert.equal(got, reference(whole));
    }),
    { numRuns: 2000 },
  );
});

test('RFC 5322 date and the Received header', () => {
  assert.equal(rfc5322Date(new Date('2026-03-05T08:09:07Z')), 'Thu, 5 Mar 2026 08:09:07 +0000');
  const h = receivedHeader({
    helo: 'pc-secretariat (evil) \\',
    clientHostname: '[10.0.0.7]',
    remoteAddress: '10.0.0.7',
    by: 'smtp.operateur-a.mssante.fr',
    protocol: 'ESMTPSA',
    id: '0123456789abcdef',
    tls: { version: 'TLSv1.3', name: 'TLS_AES_128_GCM_SHA256' },
    recipients: ['a@operateur-a.mssante.fr'],
    date: new Date('2026-03-05T08:09:07Z'),
  });
  assert.equal(
    h,
    'Received: from pc-secretariat??evil??? ([10.0.0.7])\r\n' +
      '\t(using TLSv1.3 with cipher TLS_AES_128_GCM_SHA256)\r\n' +
      '\tby smtp.operateur-a.mssante.fr (MSSante operator) with ESMTPSA id 0123456789abcdef\r\n' +
      '\tfor <a@operateur-a.mssante.fr>;\r\n' +
      '\tThu, 5 Mar 2026 08:09:07 +0000\r\n',
  );
  const two = receivedHeader({
    helo: false,
    clientHostname: false,
    remoteAddress: '::1',
    by: 'x',
    protocol: 'ESMTPSA',
    id: '1',
    tls: false,
    recipients: ['a@x', 'b@x'],
    date: new Date(0),
  });
  assert.equal(
    two,
    'Received: from unknown ([::1])\r\n\tby x (MSSante operator) with ESMTPSA id 1;\r\n\tThu, 1 Jan 1970 00:00:00 +0000\r\n',
  );
});

test('header collector: stops at the empty line, across chunks, and knows when it is too large', () => {
  const c = new HeaderCollector(100);
  c.push(Buffer.from('From: <a@b.fr>\r\nSubject: x\r'));
  c.push(Buffer.from('\n\r'));
  c.push(Buffer.from('\nbody that is not kept\r\n'));
  assert.equal(c.bytes().toString(), 'From: <a@b.fr>\r\nSubject: x\r\n\r\n');
  assert.equal(c.tooLarge, false);
  const big = new HeaderCollector(20);
  big.push(Buffer.from('X-Long: 01234567890123456789\r\n\r\nbody'));
  assert.equal(big.tooLarge, true);
  const empty = new HeaderCollector(20);
  empty.push(Buffer.from('\r\nbody'));
  assert.equal(empty.bytes().toString(), '\r\n');
});

test('From: must be the mailbox alone (Sender: too, when present)', () => {
  const box = 'paul.martin@operateur-a.mssante.fr';
  const ok = checkHeaders(
    Buffer.from(
      `From: "Dr Martin" <Paul.Martin@Operateur-A.mssante.fr>\r\nSubject: =?utf-8?q?=C3=A9t=C3=A9?=\r\nDate: Thu, 5 Mar 2026 08:09:07 +0100 (CET)\r\nX-MSS-NIL: DEV935997\r\n\r\n`,
    ),
    box,
  );
  assert.ok(!(ok instanceof SmtpReply));
  assert.equal(ok.mss.nil, 'DEV935997');
  const refused = (head: string): string => {
    const r = checkHeaders(Buffer.from(head), box);
    assert.ok(r instanceof SmtpReply, head);
    return `${r.responseCode} ${r.message}`;
  };
  assert.match(refused('Subject: no From\r\n\r\n'), /^550 5\.7\.1 .*From:/);
  assert.match(refused(`From: <${box}>, <other@operateur-a.mssante.fr>\r\n\r\n`), /^550 5\.7\.1 .*From:/);
  assert.match(
    refused(`From: <${box}>\r\nFrom: <other@operateur-a.mssante.fr>\r\n\r\n`),
    /^550 5\.7\.1 Message rejected: more than one From:/,
  );
  assert.match(refused(`From: <${box}>\r\nSender: <julie@operateur-a.mssante.fr>\r\n\r\n`), /^550 5\.7\.1 .*Sender:/);
  assert.match(refused('From: undisclosed:;\r\n\r\n'), /^550 5\.7\.1 /);
});
