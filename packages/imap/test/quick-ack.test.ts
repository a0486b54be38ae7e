// A client that writes a literal and, separately, the line end after it, with Nagle's algorithm on
// (Python's imaplib APPEND), waits for our ACK of the literal before it sends that line end; the
// session asks the kernel for that ACK at once (TCP_QUICKACK) instead of ~40 ms later.
// docs/choices.md, "Quick ACK after a literal"; the rate it gives is bench/README.md's APPEND row.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openConversation } from './support/conversation.ts';
import { PER, GP, startImapWorld, type ImapWorld } from './support/imap-world.ts';

const asked: { service: string; sent: boolean }[] = [];
let w: ImapWorld;
before(async () => {
  w = await startImapWorld({ server: { events: { quickAck: (service, sent) => asked.push({ service, sent }) } } });
});
after(async () => w.close());

/** Resolves once `asked` holds n entries (a bounded wait: the event follows the read at once). */
async function askedCount(n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (asked.length < n) {
    if (Date.now() > deadline) throw new Error(`${asked.length} quick ACKs asked, ${n} expected`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('APPEND: the literal read, the line end not yet come: one quick ACK asked and sent; none for the rest of the session', async () => {
  const c = await openConversation(w.imap.port);
  await c.starttls();
  c.send(`a1 AUTHENTICATE XOAUTH2 ${Buffer.from(`user=${PER}\x01auth=Bearer ${await w.token(GP)}\x01\x01`).toString('base64')}\r\n`);
  await c.until(/a1 OK[^\r]*\r\n/);
  assert.deepEqual(asked, [], 'commands without literals ask for nothing');

  const message = 'From: a@example.org\r\nSubject: quick\r\n\r\nbody\r\n';
  c.send(`a2 APPEND INBOX {${message.length}}\r\n`);
  await c.until(/^\+ [^\r]*\r\n/m);
  c.send(message);
  await askedCount(1);
  assert.deepEqual(asked, [{ service: 'imap', sent: true }], 'the kernel took the option (Linux, koffi present)');
  c.send('\r\n');
  assert.match(await c.until(/a2 [^\r]*\r\n/), /a2 OK \[APPENDUID \d+ \d+\]/);

  // The same literal with its line end in one write: the command is whole, nothing is owed.
  c.send(`a3 APPEND INBOX {${message.length}+}\r\n${message}\r\n`);
  assert.match(await c.until(/a3 [^\r]*\r\n/), /a3 OK \[APPENDUID/);
  c.send('a4 LOGOUT\r\n');
  await c.until(/a4 OK/);
  assert.equal(asked.length, 1);
});
