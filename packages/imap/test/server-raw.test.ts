// Protocol edge cases on a raw socket, byte for byte (RFC 3501 sections cited).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { type Conversation, openConversation } from './support/conversation.ts';
import { PER, GP, startImapWorld, type ImapWorld } from './support/imap-world.ts';

let w: ImapWorld;
before(async () => {
  w = await startImapWorld();
});
after(async () => w.close());

const open = (): Promise<Conversation> => openConversation(w.imap.port);

test('RFC 3501 §6.2.1 / issue 6: no authentication in clear text; LOGIN refused (LOGINDISABLED)', async () => {
  const c = await open();
  c.send('a1 AUTHENTICATE XOAUTH2 dXNlcj14AWF1dGg9QmVhcmVyIHgBAQ==\r\n');
  assert.match(await c.until(/a1 [^\r]*\r\n/), /a1 NO \[PRIVACYREQUIRED\]/);
  c.send('a2 LOGIN paul.martin@operateur-a.mssante.fr secret\r\n');
  assert.match(await c.until(/a2 [^\r]*\r\n/), /a2 NO \[PRIVACYREQUIRED\] LOGIN is disabled/);
  c.send('a3 SELECT INBOX\r\n');
  assert.match(await c.until(/a3 [^\r]*\r\n/), /a3 NO Authenticate first/);
  c.send('a4 LOGOUT\r\n');
  assert.match(await c.until(/a4 OK[^\r]*\r\n/), /\* BYE/);
});

test('RFC 3501 §6.2.2 / SASL-IR: AUTHENTICATE with a continuation, then commands; an unknown mechanism is refused', async () => {
  const c = await open();
  await c.starttls();
  c.send('b0 AUTHENTICATE PLAIN\r\n');
  assert.match(await c.until(/b0 [^\r]*\r\n/), /b0 NO Unsupported mechanism PLAIN/);
  c.send('b1 AUTHENTICATE XOAUTH2\r\n');
  await c.until(/^\+ ?\r\n/m);
  const token = await w.token(GP);
  c.send(`${Buffer.from(`user=${PER}\x01auth=Bearer ${token}\x01\x01`).toString('base64')}\r\n`);
  assert.match(
    await c.until(/b1 [^\r]*\r\n/),
    /b1 OK \[CAPABILITY [^\]]*\] Authenticated: paul\.martin@operateur-a\.mssante\.fr as holder/,
  );
  c.send('b2 SELECT INBOX\r\n');
  const sel = await c.until(/b2 [^\r]*\r\n/);
  assert.match(sel, /\* FLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft\)/);
  assert.match(sel, /\* OK \[UIDVALIDITY \d+\]/);
  assert.match(sel, /b2 OK \[READ-WRITE\] SELECT completed/);
  c.send('b3 FETCH 1:* (FLAGS)\r\n');
  // An empty folder: fetching by sequence number is a client error, answered without dropping.
  assert.match(await c.until(/b3 [^\r]*\r\n/), /b3 (NO|OK)/);
  c.send('b4 LOGOUT\r\n');
  await c.until(/b4 OK/);
});

test('XOAUTH2 failure: the error challenge is the base64 JSON status, then NO [AUTHENTICATIONFAILED] (R-AUTH-3)', async () => {
  const c = await open();
  await c.starttls();
  c.send(`c1 AUTHENTICATE XOAUTH2 ${Buffer.from(`user=${PER}\x01auth=Bearer not.a.jwt\x01\x01`).toString('base64')}\r\n`);
  const challenge = await c.until(/^\+ (\S+)\r\n/m);
  const b64 = /\+ (\S+)\r\n/.exec(challenge)![1]!;
  assert.deepEqual(JSON.parse(Buffer.from(b64, 'base64').toString()), { status: '401', schemes: 'bearer', scope: 'mail' });
  c.send('\r\n');
  assert.match(await c.until(/c1 [^\r]*\r\n/), /c1 NO \[AUTHENTICATIONFAILED\] Authentication failed/);
});

test('bad input: BAD without dropping, an oversized APPEND is NO [TOOBIG] before upload, abuse ends with BYE', async () => {
  const c = await open();
  c.send('x1 FROBNICATE\r\n');
  assert.match(await c.until(/x1 [^\r]*\r\n/), /x1 BAD/);
  c.send('\r\n');
  c.send('x2 NOOP\r\n');
  assert.match(await c.until(/x2 [^\r]*\r\n/), /x2 OK/);
  await c.starttls('x3');
  const token = await w.token(GP);
  c.send(`x4 AUTHENTICATE XOAUTH2 ${Buffer.from(`user=${PER}\x01auth=Bearer ${token}\x01\x01`).toString('base64')}\r\n`);
  await c.until(/x4 OK[^\r]*\r\n/);
  c.send('x5 APPEND INBOX {999999999}\r\n');
  assert.match(await c.until(/x5 [^\r]*\r\n/), /x5 NO \[TOOBIG\]/);
  c.send('x6 NOOP\r\n');
  assert.match(await c.until(/x6 [^\r]*\r\n/), /x6 OK/, 'the session goes on after a refused literal');
  for (let i = 0; i < 25; i++) c.send(`y${i} GARBAGE ${'('.repeat(3)}\r\n`);
  assert.match(await c.until(/\* BYE [^\r]*\r\n/), /\* BYE Too many invalid commands/);
});
