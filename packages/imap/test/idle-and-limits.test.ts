// Inactivity and connections per client address (issue #12, "Idle connections"; RFC 9051 §5.4):
// before authentication a client must complete a command within the login timeout, after it
// the autologout is at least 30 minutes (short values here), counted from completed command
// lines, so half a line or a trickle of bytes does not keep a connection; IDLE re-armed by the
// client keeps it. One client address holds at most `maxConnectionsPerAddress` connections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { Conversation, command, openAuthenticated, openConversation } from './support/conversation.ts';
import { GP, PER, startImapWorld } from './support/imap-world.ts';

const GREETING = /^\* OK \[CAPABILITY [^\]]+\] mss-operator IMAP ready\r\n/;

function closed(c: Conversation): Promise<unknown> {
  return c.socket.closed || c.socket.destroyed ? Promise.resolve() : once(c.socket, 'close');
}

test('unauthenticated: half a line, then nothing — * BYE at the login timeout, then closed', async () => {
  const w = await startImapWorld({ server: { loginTimeoutMs: 1000 } });
  try {
    const c = await openConversation(w.imap.port);
    const gone = closed(c);
    c.send('a1 CAPAB');
    assert.match(await c.until(/\* BYE [^\r]*\r\n/, 15_000), /^\* BYE Autologout; no command completed within 1 s\r\n$/);
    await gone;
  } finally {
    await w.close();
  }
});

test('unauthenticated: a line trickled one byte at a time does not keep the connection', async () => {
  const w = await startImapWorld({ server: { loginTimeoutMs: 1000 } });
  try {
    const c = await openConversation(w.imap.port);
    let over = false;
    const gone = closed(c).then(() => (over = true));
    // 400 bytes at one per 50 ms: 20 s for the whole line, twenty times the timeout.
    const line = `a1 NOOP ${'x'.repeat(390)}`;
    let sent = 0;
    while (!over && sent < line.length) {
      c.send(line[sent]!);
      sent++;
      await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 50))]);
    }
    await gone;
    assert.ok(sent < line.length, `closed before the line was complete (${sent} of ${line.length} bytes)`);
    assert.match(c.buffer, /\* BYE Autologout; no command completed within 1 s\r\n/);
    assert.doesNotMatch(c.buffer, /a1 /, 'the unfinished command got no answer');
  } finally {
    await w.close();
  }
});

test('authenticated: the longer timeout applies; idle past it — * BYE Autologout', async () => {
  const w = await startImapWorld({ server: { loginTimeoutMs: 1000, idleTimeoutMs: 5000 } });
  try {
    const c = await openAuthenticated(w.imap.port, PER, await w.token(GP));
    // Well past the login timeout, well within the idle one.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.match(await command(c, 'a2', 'NOOP'), /a2 OK/);
    const gone = closed(c);
    assert.match(await c.until(/\* BYE [^\r]*\r\n/, 20_000), /^\* BYE Autologout; idle for too long\r\n$/);
    await gone;
  } finally {
    await w.close();
  }
});

test('IDLE re-armed by the client before the timeout keeps the session (RFC 2177 §3, RFC 9051 §5.4)', async () => {
  const w = await startImapWorld({ server: { idleTimeoutMs: 3000 } });
  try {
    const c = await openAuthenticated(w.imap.port, PER, await w.token(GP));
    assert.match(await command(c, 'a2', 'SELECT INBOX'), /a2 OK/);
    // Four rounds of IDLE, each ended after a third of the timeout: 4 s in all, past the 3 s.
    for (let round = 0; round < 4; round++) {
      c.send(`i${round} IDLE\r\n`);
      await c.until(/\+ idling\r\n/);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      c.send('DONE\r\n');
      await c.until(new RegExp(`i${round} OK [^\\r]*\\r\\n`));
    }
    assert.match(await command(c, 'a3', 'NOOP'), /a3 OK/);
    assert.doesNotMatch(c.buffer, /\* BYE/);
  } finally {
    await w.close();
  }
});

test('the N+1th connection from one address gets * BYE; 127.0.0.2 still connects; a slot comes back after STARTTLS and close', async () => {
  const w = await startImapWorld({ server: { maxConnectionsPerAddress: 2 } });
  const open: Conversation[] = [];
  try {
    open.push(await openConversation(w.imap.port));
    const secured = await openConversation(w.imap.port);
    await secured.starttls();
    open.push(secured);

    const third = new Conversation(net.connect(w.imap.port, '127.0.0.1'));
    const gone = closed(third);
    assert.match(
      await third.until(/\* BYE [^\r]*\r\n/),
      /^\* BYE Too many connections from your address \(limit 2\), try again later\r\n$/,
    );
    await gone;

    const other = new Conversation(net.connect({ port: w.imap.port, host: '127.0.0.1', localAddress: '127.0.0.2' }));
    open.push(other);
    await other.until(GREETING);
    assert.match(await command(other, 'b1', 'CAPABILITY'), /b1 OK/, 'another client address is served');

    // The session that moved to TLS gives its slot back when it ends.
    const bye = closed(secured);
    assert.match(await command(secured, 'c1', 'LOGOUT'), /c1 OK/);
    await bye;
    open.splice(open.indexOf(secured), 1);
    let again: Conversation | undefined;
    for (let attempt = 0; attempt < 50 && !again; attempt++) {
      const c = new Conversation(net.connect(w.imap.port, '127.0.0.1'));
      const first = await c.until(/^\* (OK|BYE) [^\r]*\r\n/);
      if (first.startsWith('* OK')) again = c;
      else await closed(c);
    }
    assert.ok(again, 'the address connects again once one of its sessions has ended');
    open.push(again);
  } finally {
    for (const c of open) c.socket.destroy();
    await w.close();
  }
});
