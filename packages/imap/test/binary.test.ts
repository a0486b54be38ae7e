// BINARY (RFC 3516): BINARY[section] and BINARY.PEEK with the transfer encoding undone, literal8
// for bytes holding NUL, BINARY.SIZE, NO [UNKNOWN-CTE], APPEND of a literal8; exact responses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GP, PER, startImapWorld, type ImapWorld } from './support/imap-world.ts';
import { command, openAuthenticated, type Conversation } from './support/conversation.ts';

let w: ImapWorld;
let c: Conversation;
before(async () => {
  w = await startImapWorld();
  c = await openAuthenticated(w.imap.port, PER, await w.token(GP));
});
after(async () => {
  c.socket.destroy();
  await w.close();
});

const BYTES = Buffer.from([0x00, 0x01, 0xff, 0x41, 0x00, 0x0d, 0x0a]);
const MESSAGE = [
  `From: <${PER}>`,
  'Subject: binary',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b"',
  '',
  '--b',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'caf=C3=A9 =3D ok=',
  '',
  '--b',
  'Content-Type: application/octet-stream',
  'Content-Transfer-Encoding: base64',
  '',
  BYTES.toString('base64'),
  '--b',
  'Content-Type: application/octet-stream',
  'Content-Transfer-Encoding: x-uuencode',
  '',
  'begin 644 x',
  '--b--',
  '',
].join('\r\n');

test('RFC 3516 §3: BINARY announced; APPEND takes a literal8 (§4.4)', async () => {
  assert.match(await command(c, 'c1', 'CAPABILITY'), /^\* CAPABILITY [^\r]* BINARY[ \r]/m);
  assert.match(await command(c, 'c2', 'CREATE Bin'), /c2 OK/);
  assert.match(await command(c, 'a1', `APPEND Bin ~{${Buffer.byteLength(MESSAGE)}+}\r\n${MESSAGE}`), /a1 OK/);
  assert.match(await command(c, 'c3', 'SELECT Bin'), /\* 1 EXISTS/);
});

test('RFC 3516 §4.2: BINARY.PEEK decodes quoted-printable and base64; NUL bytes come as literal8; \\Seen untouched', async () => {
  const qp = await command(c, 'f1', 'FETCH 1 (BINARY.PEEK[1])');
  // The conversation reads bytes as latin1.
  const cafe = Buffer.from('café = ok').toString('latin1');
  assert.ok(qp.startsWith(`* 1 FETCH (BINARY[1] {${cafe.length}}\r\n${cafe})\r\n`), qp);
  const b64 = await command(c, 'f2', 'FETCH 1 (BINARY.PEEK[2])');
  assert.ok(b64.startsWith(`* 1 FETCH (BINARY[2] ~{${BYTES.length}}\r\n${BYTES.toString('latin1')})\r\n`), JSON.stringify(b64));
  assert.match(await command(c, 'f3', 'FETCH 1 (BINARY.PEEK[2]<0.2>)'), /^\* 1 FETCH \(BINARY\[2\]<0> ~\{2\}\r\n/m);
  assert.match(
    await command(c, 'f3b', 'FETCH 1 (BINARY.PEEK[2]<1.2>)'),
    /^\* 1 FETCH \(BINARY\[2\]<1> \{2\}\r\n/m,
    'no NUL: a plain literal',
  );
  assert.deepEqual(
    (await command(c, 'f4', 'FETCH 1 (BINARY.SIZE[1] BINARY.SIZE[2] FLAGS)')).split('\r\n')[0],
    `* 1 FETCH (BINARY.SIZE[1] ${Buffer.byteLength('café = ok')} BINARY.SIZE[2] ${BYTES.length} FLAGS (\\Recent))`,
  );
});

test('RFC 3516 §4.2: BINARY sets \\Seen; an encoding the server cannot undo is NO [UNKNOWN-CTE]', async () => {
  assert.match(await command(c, 'g1', 'FETCH 1 (BINARY[1])'), /FLAGS \(\\Seen \\Recent\)\)/);
  assert.match(await command(c, 'g2', 'FETCH 1 (BINARY.PEEK[3])'), /^g2 NO \[UNKNOWN-CTE\]/m);
  assert.match(await command(c, 'g3', 'FETCH 1 (BINARY.SIZE[3])'), /^g3 NO \[UNKNOWN-CTE\]/m);
});
